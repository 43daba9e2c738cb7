// go_preempt: with GOMAXPROCS(1), a goroutine spins in a loop without
// function calls (never at a cooperative preemption point); main sleeps,
// then needs the processor to stop it: only the runtime's asynchronous
// preemption (SIGURG sent to the spinning thread) lets it run. Prints how
// far the loop got, which replay must reproduce.
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
	var n uint64
	done := make(chan uint64)
	for round := 0; round < 3; round++ {
		atomic.StoreInt32(&stop, 0)
		go func() {
			x := uint64(1)
			for atomic.LoadInt32(&stop) == 0 {
				x = x*6364136223846793005 + 1442695040888963407
				n++
			}
			done <- x
		}()
		time.Sleep(20 * time.Millisecond)
		atomic.StoreInt32(&stop, 1)
		x := <-done
		fmt.Printf("round %d: stopped, x %d\n", round, x)
	}
	fmt.Printf("spun %d times in all\n", n)
}
