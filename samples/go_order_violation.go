// go_order_violation: a price-lookup service whose catalog is loaded by an
// initializing goroutine while four workers wait to serve the requests of a
// load generator.
//
// The bug: the initializer publishes the catalog and closes the ready
// channel, which releases the workers, before it has filled the catalog's
// index (it builds the index after the signal, to "start serving sooner").
// The window: from close(ready) to the store of cat.items (across the
// time stamp of the publication). A worker that gets
// a request in it looks its item up in a nil map, gets a nil *item and
// dereferences it: panic, exit status 2. The workers are released on the
// other core only after a wakeup, so usually the index is in by then.
//
// Output when the race is missed: one line with the requests served and the
// sum of their prices, the same on every run; exit status 0.
package main

import (
	"fmt"
	"strconv"
	"sync"
	"time"
)

const (
	workers    = 4
	items      = 8
	perWorker  = 200
	authRounds = 4000
)

type item struct {
	name  string
	price int
}

type catalog struct {
	items     map[int]*item // nil until the initializer has built the index
	published time.Time     // when the service went live
}

type server struct {
	cat *catalog
}

// loadItems builds the catalog's index (stands for parsing a file).
func loadItems() map[int]*item {
	m := make(map[int]*item)
	for i := 0; i < items; i++ {
		m[i] = &item{name: "sku-" + strconv.Itoa(i), price: 100 + (i*37)%900}
	}
	return m
}

// authorize checks a request's signature (some hashing) before it is
// served.
func authorize(req int) bool {
	x := uint64(req)*0x9E3779B97F4A7C15 | 1
	for k := 0; k < authRounds; k++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x != 0
}

// init publishes the catalog, releases the workers, then fills the catalog.
func (s *server) init(ready chan<- struct{}) {
	cat := &catalog{}
	s.cat = cat
	close(ready)               // too early: the workers may look items up from now on...
	cat.published = time.Now() // (when the service went live)
	cat.items = loadItems()    // ...but the index is in only from here
}

// worker answers the price requests of its queue once the catalog is ready.
func (s *server) worker(ready <-chan struct{}, queue <-chan int, total *int, wg *sync.WaitGroup) {
	defer wg.Done()
	<-ready
	for req := range queue {
		if !authorize(req) {
			continue
		}
		it := s.cat.items[req%items] // nil while the index is not built
		*total += it.price
	}
}

func main() {
	s := &server{}
	ready := make(chan struct{})
	queues := make([]chan int, workers)
	totals := make([]int, workers)
	var wg sync.WaitGroup
	for w := range queues {
		queues[w] = make(chan int, perWorker)
		wg.Add(1)
		go s.worker(ready, queues[w], &totals[w], &wg)
	}
	// The load generator queues the first requests before the catalog is
	// even loading, then the rest.
	for w := range queues {
		queues[w] <- w
	}
	go s.init(ready)
	for r := workers; r < workers*perWorker; r++ {
		queues[r%workers] <- r
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	sum := 0
	for _, t := range totals {
		sum += t
	}
	fmt.Printf("order_violation: %d requests served, total price %d\n", workers*perWorker, sum)
}
