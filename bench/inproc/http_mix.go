// http_mix: a net/http server on 127.0.0.1:0 and, in the same program, N
// client requests (default 300; argument 1), half over a kept-alive
// connection and half over fresh ones, 4 client goroutines at a time. A
// workload of bench/syscall_mix.sh: what a Go service's syscalls look like.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
)

func main() {
	n := 300
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/item", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "item %s, %d bytes in\n", r.URL.Query().Get("id"), len(b))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	keep := &http.Client{}
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < n; i += 4 {
				c := keep
				if i%2 == 1 {
					c = fresh
				}
				resp, err := c.Get(fmt.Sprintf("%s/item?id=%d", base, i))
				if err != nil {
					fmt.Println("get:", err)
					os.Exit(1)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				total += len(b)
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	srv.Close()
	fmt.Printf("%d requests, %d bytes of responses\n", n, total)
}
