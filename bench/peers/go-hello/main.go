// go-hello: the Go net/http peer for Baton's benchmarks (stdlib only).
// Serves a fixed short body on every path. Run with GOMAXPROCS=1 to compare
// against single-threaded servers.
package main

import (
	"flag"
	"log"
	"net/http"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	body := []byte("hello")
	clen := strconv.Itoa(len(body))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain")
		h.Set("Content-Length", clen)
		w.Write(body)
	})
	// No ReadTimeout/IdleTimeout: idle keep-alive connections stay open for
	// bench/idle-memory.sh, the same as Go's default server.
	srv := &http.Server{Addr: *addr, Handler: handler}
	log.Printf("go-hello listening on http://%s", *addr)
	log.Fatal(srv.ListenAndServe())
}
