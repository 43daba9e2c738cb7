// go_conn_pool: a key-value service over a unix socket, and in the same
// program a load generator whose workers share a small connection pool.
//
// The bug: pool.get() is a check-then-act without a lock. It looks for a
// connection that is not busy and still fresh, then marks it busy; two
// workers that pass the check on the same connection before either marks it
// (the window: between the load of pc.busy and its store, widened by the
// health check) both get it. Both send a request on it and both read a
// length-prefixed reply: the reads interleave, one worker takes the body of
// the other's reply for a length prefix, readReply returns nil for a frame it
// cannot parse, and the caller dereferences it: panic (nil pointer). When
// the two reads happen not to interleave, each worker may get the other's
// reply, which the total does not notice.
//
// Output when the race is missed: one line with the request count and a
// checksum, the same on every run; exit status 0. When it hits: a Go panic,
// exit status 2.
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	poolSize  = 3
	workers   = 4
	perWorker = 50
	maxIdle   = 30 * time.Second // a server drops connections idle longer
)

// conn is a pooled connection; busy is read and written without a lock.
type conn struct {
	c      net.Conn
	busy     bool
	uses     int
	errors   int
	lastUsed time.Time
}

// healthy says whether the connection may be handed out again: no
// errors, not worn out, not idle for so long the server may have dropped it.
func (pc *conn) healthy(maxUses int) bool {
	return pc.errors == 0 && pc.uses < maxUses && time.Since(pc.lastUsed) < maxIdle
}

type pool struct {
	conns   []*conn
	maxUses int
}

// get returns a connection that is not busy and marks it busy.
func (p *pool) get() *conn {
	for {
		for _, pc := range p.conns {
			if !pc.busy && pc.healthy(p.maxUses) { // check...
				pc.busy = true // ...then act: another worker may have passed the same check
				return pc
			}
		}
		runtime.Gosched()
	}
}

// put gives a connection back to the pool.
func (p *pool) put(pc *conn) {
	pc.uses++
	pc.lastUsed = time.Now()
	pc.busy = false
}

type reply struct {
	key, val int
}

// readReply reads one frame (4-byte big-endian length, then "key=K val=V");
// nil when the stream does not hold a well-formed frame.
func readReply(c net.Conn) *reply {
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > 64 {
		return nil // not a length: the stream is out of step
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c, body); err != nil {
		return nil
	}
	var r reply
	if _, err := fmt.Sscanf(string(body), "key=%d val=%d", &r.key, &r.val); err != nil {
		return nil
	}
	return &r
}

// serve answers "GET K\n" with the frame "key=K val=7K+1" until EOF.
func serve(c net.Conn) {
	defer c.Close()
	in := bufio.NewReader(c)
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return
		}
		k, _ := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "GET "))
		body := fmt.Sprintf("key=%d val=%d", k, 7*k+1)
		frame := make([]byte, 4+len(body))
		binary.BigEndian.PutUint32(frame, uint32(len(body)))
		copy(frame[4:], body)
		if _, err := c.Write(frame); err != nil {
			return
		}
	}
}

func main() {
	addr := fmt.Sprintf("@heisen-go-conn-pool-%d", os.Getpid()) // abstract: no file left behind
	ln, err := net.Listen("unix", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	p := &pool{maxUses: 1 << 30}
	for i := 0; i < poolSize; i++ {
		c, err := net.Dial("unix", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		p.conns = append(p.conns, &conn{c: c, lastUsed: time.Now()})
	}

	sums := make([]int, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				key := w*perWorker + i
				pc := p.get()
				fmt.Fprintf(pc.c, "GET %d\n", key)
				r := readReply(pc.c)
				p.put(pc)
				sums[w] += r.val // r is nil when the framing went out of step
			}
		}(w)
	}
	wg.Wait()
	total := 0
	for _, s := range sums {
		total += s
	}
	for _, pc := range p.conns {
		pc.c.Close()
	}
	ln.Close()
	fmt.Printf("conn_pool: %d requests over %d pooled connections, checksum %d\n", workers*perWorker, poolSize, total)
}
