// grace-hello: a hello server on facebookgo/grace (gracehttp.Serve), the peer of
// bench/restart-under-load.sh. Built in GOPATH mode against Debian's
// golang-github-facebookgo-grace-dev (GO111MODULE=off, GOPATH=/usr/share/gocode).
//
// gracehttp restarts on SIGUSR2: the old process starts a copy of itself that
// inherits the listening socket (LISTEN_FDS); the new one starts serving and
// sends SIGTERM to the old one, which stops accepting, lets its connections
// finish and exits. SIGINT/SIGTERM is a graceful shutdown.
//
// gracehttp has no pid file, so this program writes one (-pidfile, replaced
// atomically) at the moment gracehttp logs "Serving ..." or "Graceful handoff
// ...", i.e. once the listener is open and just before it starts serving.
// Log lines go to stderr with a local-time prefix "2006-01-02 15:04:05.000000".
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/facebookgo/grace/gracehttp"
)

type stampWriter struct {
	mu      sync.Mutex
	pidfile string
}

func (w *stampWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pidfile != "" && (bytes.Contains(p, []byte("Serving ")) || bytes.Contains(p, []byte("Graceful handoff "))) {
		if err := writePidFile(w.pidfile); err != nil {
			fmt.Fprintf(os.Stderr, "grace-hello: pid file: %v\n", err)
		}
	}
	stamp := time.Now().Format("2006-01-02 15:04:05.000000")
	return fmt.Fprintf(os.Stderr, "%s grace-hello[%d] %s", stamp, os.Getpid(), p)
}

func writePidFile(path string) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	pidfile := flag.String("pidfile", "", "write the serving process's pid here (atomically)")
	flag.Parse()

	gracehttp.SetLogger(log.New(&stampWriter{pidfile: *pidfile}, "", 0))
	body := []byte("hello")
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	if err := gracehttp.Serve(&http.Server{Addr: *addr, Handler: mux}); err != nil {
		fmt.Fprintf(os.Stderr, "grace-hello[%d]: %v\n", os.Getpid(), err)
		os.Exit(1)
	}
}
