// idle-client: holds N idle HTTP/1.1 keep-alive connections to one server,
// for bench/idle-memory.sh (stdlib only).
//
// Each connection sends one "GET / HTTP/1.1" request and reads the whole
// response; once all N have been answered the client prints "ready" on stdout
// and then stays idle until stdin closes (or it is killed). When stdin closes it
// checks every connection and prints "open K/N": K is how many the server still
// held open, so a server that dropped idle connections is caught.
//
// One source address has one ephemeral port range (net.ipv4.ip_local_port_range,
// about 28,000 ports by default) towards one server port: for more connections,
// -sources 127.0.0.1,127.0.0.2,... spreads them over several loopback addresses
// (connection i binds sources[i % len]).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address host:port")
	n := flag.Int("n", 5000, "number of connections to hold")
	parallel := flag.Int("parallel", 32, "connections being set up at once")
	path := flag.String("path", "/", "request path")
	timeout := flag.Duration("timeout", 120*time.Second, "time limit for setting up all connections")
	sources := flag.String("sources", "", "comma-separated local addresses to connect from, in turn (default: the kernel's choice)")
	flag.Parse()

	var dialers []*net.Dialer
	for _, s := range strings.Split(*sources, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		ip := net.ParseIP(s)
		if ip == nil {
			fmt.Fprintf(os.Stderr, "idle-client: -sources: %q is not an IP address\n", s)
			os.Exit(2)
		}
		dialers = append(dialers, &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: ip}})
	}
	if len(dialers) == 0 {
		dialers = append(dialers, &net.Dialer{Timeout: 10 * time.Second})
	}

	conns := make([]net.Conn, *n)
	var failed atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(*timeout)
	req := []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *addr + "\r\n\r\n")

	open := func(i int) error {
		var lastErr error
		// A few tries: a server with a small listen backlog may drop a SYN under the burst.
		for try := 0; try < 5 && time.Now().Before(deadline); try++ {
			c, err := dialers[i%len(dialers)].Dial("tcp", *addr)
			if err != nil {
				lastErr = err
				time.Sleep(50 * time.Millisecond)
				continue
			}
			c.SetDeadline(time.Now().Add(30 * time.Second))
			if _, err := c.Write(req); err != nil {
				c.Close()
				lastErr = err
				continue
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				c.Close()
				lastErr = err
				continue
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				c.Close()
				lastErr = err
				continue
			}
			if resp.StatusCode/100 != 2 {
				c.Close()
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			if resp.Close {
				c.Close()
				return errors.New("server answered Connection: close")
			}
			c.SetDeadline(time.Time{})
			conns[i] = c
			return nil
		}
		if lastErr == nil {
			lastErr = errors.New("timed out")
		}
		return lastErr
	}

	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < *parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := open(i); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	for i := 0; i < *n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()

	if f := failed.Load(); f > 0 {
		fmt.Fprintf(os.Stderr, "idle-client: %d of %d connections failed; first error: %v\n", f, *n, firstErr.Load())
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "idle-client: %d connections answered in %.2fs\n", *n, time.Since(start).Seconds())
	fmt.Println("ready")

	// Idle until stdin closes (the read fails or hits EOF).
	io.Copy(io.Discard, os.Stdin)

	// Which connections are still open? A read that times out means open and
	// idle; EOF or a reset means the server closed it.
	stillOpen := 0
	buf := make([]byte, 1)
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		_, err := c.Read(buf)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			stillOpen++
		}
		c.Close()
	}
	fmt.Printf("open %d/%d\n", stillOpen, *n)
}
