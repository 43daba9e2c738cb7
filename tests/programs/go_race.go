// go_race: 4 goroutines each do an unsynchronized counter++ on a global
// 10^6 times (a data race, on purpose). The final value differs natively run
// to run; in replay it must be the recorded one, every time.
package main

import (
	"fmt"
	"sync"
)

var counter int

//go:noinline
func work(wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 1000000; i++ {
		counter++
	}
}

func main() {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go work(&wg)
	}
	wg.Wait()
	fmt.Printf("counter %d\n", counter)
}
