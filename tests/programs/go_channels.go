// go_channels: goroutines and channels - a fan-out/fan-in pipeline over
// unbuffered and buffered channels, a select over several cases (with a
// timeout and a quit channel) and a sync.WaitGroup. The arrival order at the
// fan-in is scheduling-dependent natively; replay must print the recorded one.
package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	// Stage 1: a generator on an unbuffered channel.
	src := make(chan int)
	go func() {
		for i := 1; i <= 200; i++ {
			src <- i
		}
		close(src)
	}()

	// Stage 2: fan-out to 4 workers, each squaring into a buffered channel.
	type result struct{ worker, in, out int }
	results := make(chan result, 16)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for v := range src {
				s := 0
				for k := 0; k < 1000*v%7919; k++ { // some work
					s += k ^ v
				}
				results <- result{w, v, v*v + s%3}
			}
		}(w)
	}
	go func() { wg.Wait(); close(results) }()

	// Stage 3: fan-in; the order the results arrive in is racy natively.
	sum, n := 0, 0
	perWorker := make([]int, 4)
	order := uint64(14695981039346656037)
	for r := range results {
		sum += r.out
		n++
		perWorker[r.worker]++
		order = (order ^ uint64(r.in)) * 1099511628211
	}
	fmt.Printf("pipeline: %d results, sum %d\n", n, sum)
	fmt.Printf("arrival order hash %016x, per worker %v\n", order, perWorker)

	// select over several channels until quit.
	a := make(chan int)
	b := make(chan string, 4)
	c := make(chan struct{})
	quit := make(chan bool)
	go func() {
		for i := 0; i < 30; i++ {
			switch i % 3 {
			case 0:
				a <- i
			case 1:
				b <- fmt.Sprint("s", i)
			case 2:
				c <- struct{}{}
			}
		}
		quit <- true
	}()
	counts := map[string]int{}
	var trace []byte
	timeouts := 0
loop:
	for {
		select {
		case v := <-a:
			counts["a"] += v
			trace = append(trace, 'a')
		case s := <-b:
			counts["b"] += len(s)
			trace = append(trace, 'b')
		case <-c:
			counts["c"]++
			trace = append(trace, 'c')
		case <-quit:
			break loop
		case <-time.After(2 * time.Second):
			timeouts++
		}
	}
	// b is buffered: what is left in it after quit is drained here.
	for len(b) > 0 {
		s := <-b
		counts["b"] += len(s)
		trace = append(trace, 'B')
	}
	fmt.Printf("select: a=%d b=%d c=%d timeouts=%d\n", counts["a"], counts["b"], counts["c"], timeouts)
	fmt.Printf("select order: %s\n", trace)

	// A ring of goroutines passing a token over unbuffered channels.
	const ring = 8
	chans := make([]chan int, ring)
	for i := range chans {
		chans[i] = make(chan int)
	}
	var rwg sync.WaitGroup
	for i := 0; i < ring; i++ {
		rwg.Add(1)
		go func(i int) {
			defer rwg.Done()
			for {
				v, ok := <-chans[i]
				if !ok {
					return
				}
				if v >= 1000 {
					fmt.Printf("ring: token reached %d at goroutine %d\n", v, i)
					for _, ch := range chans {
						close(ch)
					}
					return
				}
				chans[(i+1)%ring] <- v + 1
			}
		}(i)
	}
	chans[0] <- 0
	rwg.Wait()
}
