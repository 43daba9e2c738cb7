// go_preempt: with GOMAXPROCS(1), a goroutine spins on a flag in a loop
// without function calls (never at a cooperative preemption point); main
// sleeps, then needs the processor to set the flag: only the runtime's
// asynchronous preemption (SIGURG sent to the spinning thread) lets it run.
package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

var stop int32

func main() {
	runtime.GOMAXPROCS(1)
	done := make(chan bool)
	for round := 0; round < 3; round++ {
		atomic.StoreInt32(&stop, 0)
		go func() {
			for atomic.LoadInt32(&stop) == 0 {
			}
			done <- true
		}()
		time.Sleep(5 * time.Millisecond)
		atomic.StoreInt32(&stop, 1)
		<-done
		fmt.Printf("round %d: the spinner was preempted and stopped\n", round)
	}
}
