// go_mutex_map: 8 goroutines (GOMAXPROCS left at its default) insert into,
// update and delete from one map under a sync.Mutex. Additions and removals
// commute, so the final size and checksum are the same every run (a lost
// update would change them); the order the goroutines got the lock in (a
// hash of a log of it) is racy natively and must be the recorded one in
// replay.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func main() {
	var mu sync.Mutex
	m := map[int]int{}
	var log []int
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20000; i++ {
				k := (i*7 + g*13) % 5000
				mu.Lock()
				m[k] += g + 1
				if i%10 == 9 { // take back an earlier addition of its own
					k2 := ((i-5)*7 + g*13) % 5000
					if m[k2] -= g + 1; m[k2] == 0 {
						delete(m, k2)
					}
				}
				if i%500 == 0 {
					log = append(log, g)
				}
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	var sum uint64
	for k, v := range m {
		sum += uint64(k)*1000003 + uint64(v)
	}
	h := uint64(14695981039346656037)
	for _, g := range log {
		h = (h ^ uint64(g)) * 1099511628211
	}
	fmt.Printf("GOMAXPROCS %d\n", runtime.GOMAXPROCS(0))
	fmt.Printf("map size %d, checksum %d\n", len(m), sum)
	fmt.Printf("lock order: %d entries, hash %016x\n", len(log), h)
}
