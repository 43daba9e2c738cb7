// go_panic: a goroutine panics while others block on a channel, in
// time.Sleep and in a read of a pipe; expected status 2 (Go's panic exit),
// with the lines printed before it.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	r, _, err := os.Pipe()
	if err != nil {
		os.Exit(1)
	}
	ready := make(chan bool)
	never := make(chan int)
	go func() { ready <- true; <-never }()
	go func() { ready <- true; time.Sleep(30 * time.Second) }()
	go func() {
		ready <- true
		b := make([]byte, 1)
		r.Read(b)
	}()
	for i := 0; i < 3; i++ {
		<-ready
	}
	time.Sleep(2 * time.Millisecond)
	fmt.Println("a goroutine panics")
	done := make(chan bool)
	go func() {
		var m map[string]int
		m["x"] = 1 // assignment to a nil map: panic
		done <- true
	}()
	<-done
	fmt.Println("not reached")
}
