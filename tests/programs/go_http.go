// go_http: a net/http server on 127.0.0.1:0 and, in the same program, a
// client (http.Get / http.Post) sending it several requests; prints each
// response's status and body.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
)

func main() {
	var hits int64
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		n := atomic.AddInt64(&hits, 1)
		fmt.Fprintf(w, "hello %s (hit %d)", r.URL.Query().Get("name"), n)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt64(&hits, 1)
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Len", fmt.Sprint(len(b)))
		fmt.Fprintf(w, "%s %s", r.Method, strings.ToUpper(string(b)))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt64(&hits, 1)
		for i := 0; i < 2000; i++ {
			fmt.Fprintf(w, "line %04d of a larger response\n", i)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()

	show := func(resp *http.Response, err error) {
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if len(b) > 80 {
			fmt.Printf("%s: %d bytes, %d lines, ends %q\n", resp.Status, len(b), strings.Count(string(b), "\n"), b[len(b)-31:])
		} else {
			fmt.Printf("%s: %s (X-Len %q)\n", resp.Status, strings.TrimSpace(string(b)), resp.Header.Get("X-Len"))
		}
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		show(http.Get(base + "/hello?name=" + name))
	}
	show(http.Post(base+"/echo", "text/plain", strings.NewReader("recorded and replayed")))
	show(http.Get(base + "/big"))
	show(http.Get(base + "/missing"))
	// A fresh connection per request, too.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; i < 3; i++ {
		show(c.Get(fmt.Sprintf("%s/hello?name=conn%d", base, i)))
	}
	srv.Close()
	fmt.Printf("server handled %d requests\n", atomic.LoadInt64(&hits))
}
