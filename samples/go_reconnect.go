// go_reconnect: an event collector listening on a unix socket, and in the
// same program a load generator whose workers send events over one shared
// connection, which is rotated (closed and dialed again) every rotateEvery
// events.
//
// The bug: send() takes the shared connection under the lock, releases the
// lock, encodes the event, then writes; reconnect() swaps in a new
// connection under the same lock and closes the old one at once, without
// waiting for the senders that already hold it. The window: between a
// sender's load of s.conn and its Write (the unlock, which may hand the lock
// to a waiting sender and yield, and the encoding of the event). A
// sender caught in it writes to a closed connection; the service then exits
// with a message on stderr, status 1.
//
// Output when the race is missed: one line with the events sent, the
// connections used and a checksum of what the collector received, the same on
// every run; exit status 0.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

const (
	workers     = 4
	perWorker   = 400
	rotateEvery = 300
	workLoop    = 2000
)

type sender struct {
	addr  string
	mu    sync.Mutex
	conn  net.Conn // the shared connection; s.mu guards the field, not its use
	sent  int64
	conns int64
}

// dial opens a new connection to the collector.
func (s *sender) dial() net.Conn {
	c, err := net.Dial("unix", s.addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reconnect: dial:", err)
		os.Exit(1)
	}
	atomic.AddInt64(&s.conns, 1)
	return c
}

// reconnect replaces the shared connection and closes the old one.
func (s *sender) reconnect() {
	nc := s.dial()
	s.mu.Lock()
	old := s.conn
	s.conn = nc
	s.mu.Unlock()
	old.Close() // a sender may still hold old: nothing waits for it
}

// measure is the work that produces one event's value (a few microseconds
// of arithmetic).
func measure(w, i int) uint64 {
	x := uint64(w*perWorker+i) | 1
	for k := 0; k < workLoop; k++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// encode formats one event into buf: worker, sequence number, value and a
// CRC of the value.
func encode(buf []byte, w, i int, v uint64) []byte {
	buf = append(buf[:0], "ev "...)
	buf = strconv.AppendInt(buf, int64(w), 10)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, int64(i), 10)
	buf = append(buf, ' ')
	start := len(buf)
	buf = strconv.AppendUint(buf, v, 36)
	crc := crc32.ChecksumIEEE(buf[start:])
	buf = append(buf, ' ')
	buf = strconv.AppendUint(buf, uint64(crc), 16)
	return append(buf, '\n')
}

// send writes one event on the shared connection; every rotateEvery-th
// event rotates the connection.
func (s *sender) send(buf []byte, w, i int, v uint64) {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	msg := encode(buf, w, i, v) // the window: a reconnect may close c now
	if _, err := c.Write(msg); err != nil {
		why := "write failed"
		if errors.Is(err, net.ErrClosed) {
			why = "write on a connection the reconnect had closed"
		}
		fmt.Fprintf(os.Stderr, "reconnect: worker %d, event %d: %s (%v)\n", w, i, why, err)
		os.Exit(1)
	}
	if atomic.AddInt64(&s.sent, 1)%rotateEvery == 0 {
		s.reconnect()
	}
}

// collect reads events from one connection until EOF and adds up their
// count and a checksum of their lines.
func collect(c net.Conn, events *int64, sum *uint32, mu *sync.Mutex, done chan<- bool) {
	defer func() { done <- true }()
	defer c.Close()
	in := bufio.NewScanner(c)
	for in.Scan() {
		mu.Lock()
		*events++
		*sum += crc32.ChecksumIEEE(in.Bytes()) // a sum: the order of events does not matter
		mu.Unlock()
	}
}

func main() {
	addr := fmt.Sprintf("@heisen-go-reconnect-%d", os.Getpid()) // abstract: no file left behind
	ln, err := net.Listen("unix", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reconnect: listen:", err)
		os.Exit(1)
	}
	var (
		events int64
		sum    uint32
		mu     sync.Mutex
		closed = make(chan bool)
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go collect(c, &events, &sum, &mu, closed)
		}
	}()

	s := &sender{addr: addr}
	s.conn = s.dial()
	// The load: a producer hands each worker its event numbers one at a
	// time (unbuffered channels: workers wait for their next event).
	jobs := make([]chan int, workers)
	for w := range jobs {
		jobs[w] = make(chan int)
	}
	go func() {
		for i := 0; i < perWorker; i++ {
			for w := range jobs {
				jobs[w] <- i
			}
		}
		for w := range jobs {
			close(jobs[w])
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 0, 64)
			for i := range jobs[w] {
				s.send(buf, w, i, measure(w, i))
			}
		}(w)
	}
	wg.Wait()
	s.conn.Close()
	for k := int64(0); k < s.conns; k++ { // each connection dialed is read to its EOF
		<-closed
	}
	ln.Close()
	fmt.Printf("reconnect: %d events sent over %d connections, %d received, checksum %08x\n",
		s.sent, s.conns, events, sum)
}
