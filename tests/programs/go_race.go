// go_race: 4 goroutines each do an unsynchronized counter++ on a global
// 10^6 times (a data race, on purpose). The final value differs natively run
// to run; in replay it must be the recorded one, every time. Every 1000th
// increment yields (runtime.Gosched) between its load and its store, so that
// updates are lost under rec too, where threads take turns on one virtual
// core and a plain loop is rarely interrupted mid-increment.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

var counter int

//go:noinline
func work(wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 1000000; i++ {
		if i%1000 == 999 {
			v := counter
			runtime.Gosched() // others may increment meanwhile: lost
			counter = v + 1
		} else {
			counter++
		}
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
