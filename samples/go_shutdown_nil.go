// go_shutdown_nil: a request-processing service with four workers, a load
// generator feeding them, and a shutdown path that collects the results.
//
// The bug: each worker defers its final summary (the latency percentiles of
// its requests) and its wg.Done in the wrong order: deferred calls run last
// in, first out, so wg.Done runs first and the summary after it. The last
// worker's wg.Done lets main's shutdown go on: it takes the results and sets
// s.results to nil (releasing it), while that worker is still in flight in
// its summary (the window: sorting its latencies and stamping the summary,
// between wg.Done and the store into s.results.byWorker). When the shutdown wins, the worker
// dereferences nil: panic, exit status 2.
//
// main waits for the workers to end before it returns, so that each summary
// is either in the results or a panic.
//
// Output when the race is missed: a line per worker with its request count
// and latency percentiles, and a total; the same on every run; exit status 0.
package main

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

const (
	workers   = 4
	perWorker = 500
)

type summary struct {
	requests      int
	p50, p99, max int
	at            time.Time // when it was taken
}

type results struct {
	requests int
	byWorker map[int]summary
}

type service struct {
	mu      sync.Mutex
	results *results // nil once shut down
}

// handle serves one request: some hashing; its cost in rounds stands for
// its latency (deterministic, unlike a clock).
func handle(req int) (resp uint64, cost int) {
	x := uint64(req)*0x9E3779B97F4A7C15 | 1
	rounds := 50 + int(x>>58)*10
	for k := 0; k < rounds; k++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x, rounds
}

// summarize sorts the latencies and takes their percentiles, and notes when.
func summarize(lat []int) summary {
	sort.Ints(lat)
	return summary{requests: len(lat), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], max: lat[len(lat)-1],
		at: time.Now()}
}

// record stores a worker's summary in the shared results.
func (s *service) record(w int, lat []int) {
	sum := summarize(lat) // the window: shutdown may nil s.results meanwhile
	s.mu.Lock()
	s.results.byWorker[w] = sum
	s.mu.Unlock()
}

// worker serves the requests of its queue, then records its summary.
func (s *service) worker(w int, queue <-chan int, served *sync.WaitGroup) {
	var lat []int
	defer func() { s.record(w, lat) }() // runs second...
	defer served.Done()                 // ...after this one: deferred calls run last in, first out
	for req := range queue {
		_, cost := handle(req)
		lat = append(lat, cost)
		s.mu.Lock()
		s.results.requests++
		s.mu.Unlock()
	}
}

// shutdown takes the results and releases the service's hold on them.
func (s *service) shutdown() *results {
	s.mu.Lock()
	r := s.results
	s.results = nil
	s.mu.Unlock()
	return r
}

func main() {
	s := &service{results: &results{byWorker: map[int]summary{}}}
	queues := make([]chan int, workers)
	var served, stopped sync.WaitGroup
	for w := range queues {
		queues[w] = make(chan int, 16)
		served.Add(1)
		stopped.Add(1)
		go func(w int) {
			s.worker(w, queues[w], &served)
			stopped.Done() // not deferred: a panicking worker never says it stopped
		}(w)
	}
	// The load generator: request r goes to worker r % workers.
	for r := 0; r < workers*perWorker; r++ {
		queues[r%workers] <- r
	}
	for _, q := range queues {
		close(q)
	}
	served.Wait() // every request served: shut down
	r := s.shutdown()
	for w := 0; w < workers; w++ {
		sum, ok := r.byWorker[w]
		if !ok {
			fmt.Printf("worker %d: no summary\n", w)
			continue
		}
		fmt.Printf("worker %d: %d requests, latency p50 %d p99 %d max %d rounds\n", w, sum.requests, sum.p50, sum.p99, sum.max)
	}
	fmt.Printf("shutdown_nil: %d requests served\n", r.requests)
	stopped.Wait() // let the workers end before the process does
}
