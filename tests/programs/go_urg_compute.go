// go_urg_compute: with GOMAXPROCS(1), a goroutine computes for a while
// (2^28 steps of a random-number recurrence, with a raw getpid syscall every
// 2^20 steps) while main waits on a timer: the runtime's monitor sends
// SIGURG to the computing thread to preempt it, landing mid-computation or
// at a syscall's return. Replay must deliver each at its recorded point
// (a lost or extra one runs the handler where the recording did not).
package main

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
)

func main() {
	runtime.GOMAXPROCS(1)
	done := make(chan uint64)
	go func() {
		x := uint64(1)
		for i := 0; i < 1<<28; i++ {
			x = x*6364136223846793005 + 1442695040888963407
			if i&0xfffff == 0 {
				syscall.Getpid()
			}
		}
		done <- x
	}()
	ticks := 0
	t := time.NewTicker(2 * time.Millisecond)
	for {
		select {
		case x := <-done:
			t.Stop()
			fmt.Printf("x %d, main ran: %v\n", x, ticks > 0)
			return
		case <-t.C:
			ticks++
		}
	}
}
