// go_mixed.go - a Go workload for bench/run.sh: N work items go from a
// producer to 8 worker goroutines over a buffered channel; each worker
// computes for a while per item, then hands the result on over an
// unbuffered channel to a collector, and every 64th item also passes a
// token once around a ring of 4 goroutines (unbuffered handoffs: the Go
// scheduler, futex and, with GOMAXPROCS > 1, thread wakeups). About 0.2 s
// natively on the 2-core development VM with the default N.
// Usage: go_mixed [N]
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

func main() {
	n := 3000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	items := make(chan int, 32)
	results := make(chan uint64)
	const ringLen = 4
	ring := make([]chan int, ringLen)
	for i := range ring {
		ring[i] = make(chan int)
	}
	for i := 1; i < ringLen; i++ {
		go func(i int) {
			for v := range ring[i] {
				ring[(i+1)%ringLen] <- v + 1
			}
		}(i)
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				x := uint64(it)*0x9e3779b97f4a7c15 + 1
				var s uint64
				for k := 0; k < 50000; k++ { // xorshift64
					x ^= x << 13
					x ^= x >> 7
					x ^= x << 17
					s += x >> 60
				}
				results <- s
			}
		}()
	}
	go func() {
		for i := 0; i < n; i++ {
			items <- i
		}
		close(items)
		wg.Wait()
		close(results)
	}()
	var sum uint64
	count, laps := 0, 0
	for s := range results {
		sum += s
		count++
		if count%64 == 0 { // the collector sends a token around the ring
			ring[1] <- 0
			laps += <-ring[0]
		}
	}
	fmt.Printf("%d items, checksum %d, ring hops %d\n", count, sum, laps)
}
