// pooled-client: a load generator that behaves like real pooled HTTP clients
// (browsers, Go's http.Transport, requests.Session), for bench/pooled-restart.sh.
// Stdlib only.
//
// -mode pooled (default): -clients N clients, each with its OWN http.Transport
// holding at most one keep-alive connection. Each client loops: POST /echo with a
// -body-size byte body, check the answer, then think for a random time uniform in
// [0, -think-max]. Nothing is ever retried: the request has a body and no GetBody
// and no Idempotency-Key, so net/http's Transport does not replay it
// (Request.isReplayable and persistConn.shouldRetryRequest in net/http), and the
// client itself doesn't either. Like any pooled client, the Transport notices an
// idle connection the server closed (its background read sees EOF) and dials a new
// one for the next request; such new connections are counted with httptrace.
//
// Phases: warm-up (each client sends one request, the clients' starts spread over
// -ramp seconds), a barrier, then the measured loop for -duration seconds. When
// the barrier is passed the client prints a line starting with "start" on stdout;
// bench/pooled-restart.sh times its restarts from that line. At the end it prints
//
//	pooled: clients=N duration=S requests=N ok=N lost=N bad_echo=N reconnections=N generations=1:x,2:y ...
//
// followed by the loss details and the most frequent distinct error strings.
//
// -mode idle: opens -clients raw TCP connections, sends "GET / HTTP/1.1" on each
// and reads the answer, then holds them all idle and prints "ready ...". On
// SIGUSR1 it checks every connection: is it still open, and does a second
// "GET /" on it get an answer (and from which X-Baton-Generation)? Then it prints
//
//	idle: clients=N opened=N still_open=N answered=N failed=N generations_first=... generations_second=...
//
// and exits.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	mode      = flag.String("mode", "pooled", "pooled: clients with keep-alive pools under load; idle: hold idle connections")
	addr      = flag.String("addr", "127.0.0.1:8080", "server address host:port")
	clients   = flag.Int("clients", 1000, "number of clients (pooled) or connections (idle)")
	duration  = flag.Float64("duration", 16, "seconds of the measured loop (pooled)")
	thinkMax  = flag.Duration("think-max", 600*time.Millisecond, "think time after each request: uniform in [0, think-max] (pooled)")
	ramp      = flag.Float64("ramp", 1, "seconds over which the clients' warm-up requests start (pooled)")
	path      = flag.String("path", "/echo", "request path (pooled)")
	bodySize  = flag.Int("body-size", 64, "request body bytes (pooled)")
	checkEcho = flag.Bool("check-echo", true, "require the response body to equal the request body (false: any 2xx counts as ok)")
	timeout   = flag.Duration("timeout", 10*time.Second, "time limit of one request (pooled) or of one connection's set-up (idle)")
	seed      = flag.Int64("seed", 1, "random seed of the think times (pooled)")
	parallel  = flag.Int("parallel", 64, "connections being set up or checked at once (idle)")
	maxErrors = flag.Int("errors", 5, "distinct error strings to print")
	lossLog   = flag.String("loss-log", "", "file for one line per lost request: when it was sent and failed, on which connection (pooled)")
)

func main() {
	flag.Parse()
	if *clients < 1 {
		fatalf("-clients must be >= 1")
	}
	switch *mode {
	case "pooled":
		if *bodySize < 32 {
			fatalf("-body-size must be >= 32")
		}
		runPooled()
	case "idle":
		runIdle()
	default:
		fatalf("unknown -mode %q (pooled or idle)", *mode)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pooled-client: "+format+"\n", args...)
	os.Exit(2)
}

// ---------------------------------------------------------------------------
// Counting helpers.

// counter is a multiset of strings (error texts, generation values).
type counter map[string]int64

func (c counter) add(other counter) {
	for k, v := range other {
		c[k] += v
	}
}

// generations formats a generation histogram "1:x,2:y,none:z", numeric keys in order.
func (c counter) generations() string {
	if len(c) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, ea := strconv.Atoi(keys[i])
		b, eb := strconv.Atoi(keys[j])
		if ea == nil && eb == nil {
			return a < b
		}
		if (ea == nil) != (eb == nil) {
			return ea == nil
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, c[k])
	}
	return strings.Join(parts, ",")
}

// top prints the n most frequent entries, one per line, with a prefix.
func (c counter) top(prefix string, n int) {
	type kv struct {
		k string
		v int64
	}
	all := make([]kv, 0, len(c))
	for k, v := range c {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].v != all[j].v {
			return all[i].v > all[j].v
		}
		return all[i].k < all[j].k
	})
	for i, e := range all {
		if i == n {
			fmt.Printf("%s(%d more distinct errors)\n", prefix, len(all)-n)
			break
		}
		fmt.Printf("%s%d x %s\n", prefix, e.v, e.k)
	}
}

// Ephemeral ports make every socket error text unique; fold them.
var portRe = regexp.MustCompile(`(\d+\.\d+\.\d+\.\d+):\d+->`)

func normError(err error) string {
	return portRe.ReplaceAllString(err.Error(), "$1:*->")
}

func genOf(h http.Header) string {
	if g := h.Get("X-Baton-Generation"); g != "" {
		return g
	}
	return "none"
}

// ---------------------------------------------------------------------------
// -mode pooled

type result struct {
	warmOK, warmLost       int64
	requests, ok, lost     int64
	badEcho                int64
	conns                  int64           // connections opened (GotConn with Reused == false)
	lostReused, lostFresh  int64           // transport errors on a reused / a fresh connection
	lostNoConn, lostStatus int64           // no connection obtained (dial error, timeout) / non-2xx
	lostUnwritten          int64           // transport errors before the request was fully written
	retried                int64           // requests that got more than one connection (must stay 0)
	lostIdle               []time.Duration // lost on a reused connection: how long it had been idle
	gens                   counter
	errs                   counter
	lostAt                 map[int]int64 // lost requests by second of the measured loop
	losses                 []loss
}

// loss: one lost request, for -loss-log.
type loss struct {
	client        int
	start, end    time.Duration // from the start of the measured loop
	reused        bool
	idle          time.Duration // how long the reused connection had been idle
	err           string
	connectionNew bool
}

type pooledClient struct {
	id     int
	url    string
	client *http.Client
	tr     *http.Transport
	rng    *rand.Rand
	res    result
}

func newPooledClient(id int, url string) *pooledClient {
	tr := &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          1,
		MaxIdleConnsPerHost:   1,
		MaxConnsPerHost:       1,
		IdleConnTimeout:       90 * time.Second, // as http.DefaultTransport
		DisableKeepAlives:     false,
		ExpectContinueTimeout: 1 * time.Second,
	}
	return &pooledClient{
		id:     id,
		url:    url,
		tr:     tr,
		client: &http.Client{Transport: tr, Timeout: *timeout},
		rng:    rand.New(rand.NewSource(*seed*1000003 + int64(id))),
		res:    result{gens: counter{}, errs: counter{}, lostAt: map[int]int64{}},
	}
}

func (c *pooledClient) body(seq int) []byte {
	b := make([]byte, *bodySize)
	prefix := fmt.Sprintf("client=%06d seq=%09d ", c.id, seq)
	n := copy(b, prefix)
	for i := n; i < len(b); i++ {
		b[i] = 'a' + byte((i+seq)%26)
	}
	return b
}

// do sends one request; returns true if it was ok. measured: counts go to the
// loop figures (else to the warm-up ones); t0 is the loop's start.
func (c *pooledClient) do(seq int, measured bool, t0 time.Time) bool {
	r := &c.res
	payload := c.body(seq)
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		fatalf("%v", err)
	}
	// http.NewRequest sets GetBody for a *bytes.Reader; without it (and without an
	// Idempotency-Key header) the Transport can never replay this request.
	req.GetBody = nil
	req.Header.Set("Content-Type", "application/octet-stream")

	var gotConns int32
	var reused, wrote atomic.Bool
	var idleFor atomic.Int64
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			atomic.AddInt32(&gotConns, 1)
			reused.Store(info.Reused)
			idleFor.Store(int64(info.IdleTime))
			if !info.Reused {
				atomic.AddInt64(&r.conns, 1)
			}
		},
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			wrote.Store(info.Err == nil)
		},
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	started := time.Since(t0)

	var failure error
	status, badEcho := false, false
	resp, err := c.client.Do(req)
	if err == nil {
		got, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case rerr != nil:
			failure = fmt.Errorf("reading the body: %w", rerr)
		case resp.StatusCode/100 != 2:
			failure = fmt.Errorf("status %d", resp.StatusCode)
			status = true
		default:
			if measured {
				r.gens[genOf(resp.Header)]++
			}
			if *checkEcho && !bytes.Equal(got, payload) {
				failure = fmt.Errorf("body not echoed (%d bytes back, %d sent)", len(got), len(payload))
				badEcho = true
			}
		}
	} else {
		failure = err
	}
	if n := atomic.LoadInt32(&gotConns); n > 1 {
		r.retried++
	}

	if !measured {
		if failure == nil {
			r.warmOK++
		} else {
			r.warmLost++
			r.errs["warm-up: "+normError(failure)]++
		}
		return failure == nil
	}
	r.requests++
	if failure == nil {
		r.ok++
		return true
	}
	if badEcho { // answered, but wrongly: counted apart from the lost requests
		r.badEcho++
		r.errs[failure.Error()]++
		return false
	}
	r.lost++
	r.lostAt[int(time.Since(t0)/time.Second)]++
	r.errs[normError(failure)]++
	r.losses = append(r.losses, loss{client: c.id, start: started, end: time.Since(t0),
		reused: reused.Load(), idle: time.Duration(idleFor.Load()), err: normError(failure),
		connectionNew: atomic.LoadInt32(&gotConns) > 0 && !reused.Load()})
	switch {
	case status:
		r.lostStatus++
	case atomic.LoadInt32(&gotConns) == 0:
		r.lostNoConn++
	case reused.Load():
		r.lostReused++
		r.lostIdle = append(r.lostIdle, time.Duration(idleFor.Load()))
	default:
		r.lostFresh++
	}
	if !status && atomic.LoadInt32(&gotConns) > 0 && !wrote.Load() {
		r.lostUnwritten++
	}
	return false
}

// sleepUntil sleeps d, but not past the deadline; false if the deadline has passed.
func sleepUntil(d time.Duration, deadline time.Time) bool {
	left := time.Until(deadline)
	if left <= 0 {
		return false
	}
	if d > left {
		time.Sleep(left)
		return false
	}
	time.Sleep(d)
	return true
}

func (c *pooledClient) think() time.Duration {
	if *thinkMax <= 0 {
		return 0
	}
	return time.Duration(c.rng.Int63n(int64(*thinkMax) + 1))
}

func runPooled() {
	n := *clients
	url := "http://" + *addr + *path
	cs := make([]*pooledClient, n)
	for i := range cs {
		cs[i] = newPooledClient(i, url)
	}

	var ready, done sync.WaitGroup
	ready.Add(n)
	done.Add(n)
	startCh := make(chan struct{})
	var t0, deadline time.Time // written before startCh is closed
	rampD := time.Duration(*ramp * float64(time.Second))
	rampStart := time.Now()
	for i, c := range cs {
		go func(i int, c *pooledClient) {
			defer done.Done()
			time.Sleep(time.Until(rampStart.Add(rampD * time.Duration(i) / time.Duration(n))))
			c.do(0, false, time.Time{})
			ready.Done()
			<-startCh
			// Spread the clients' first measured requests over one think time.
			seq := 1
			for sleepUntil(c.think(), deadline) {
				c.do(seq, true, t0)
				seq++
			}
			c.tr.CloseIdleConnections()
		}(i, c)
	}
	ready.Wait()
	var warm result
	for _, c := range cs {
		warm.warmOK += c.res.warmOK
		warm.warmLost += c.res.warmLost
	}
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	t0 = time.Now()
	deadline = t0.Add(time.Duration(*duration * float64(time.Second)))
	fmt.Printf("start clients=%d warmup_ok=%d warmup_lost=%d ramp=%.2fs t0_unix_ms=%d\n",
		n, warm.warmOK, warm.warmLost, time.Since(rampStart).Seconds(), t0.UnixMilli())
	close(startCh)
	done.Wait()
	elapsed := time.Since(t0)
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() - ru0.Utime.Nano() + ru1.Stime.Nano() - ru0.Stime.Nano())

	tot := result{gens: counter{}, errs: counter{}, lostAt: map[int]int64{}}
	var reconnections int64
	for _, c := range cs {
		r := &c.res
		tot.warmOK += r.warmOK
		tot.warmLost += r.warmLost
		tot.requests += r.requests
		tot.ok += r.ok
		tot.lost += r.lost
		tot.badEcho += r.badEcho
		tot.conns += r.conns
		tot.lostReused += r.lostReused
		tot.lostFresh += r.lostFresh
		tot.lostNoConn += r.lostNoConn
		tot.lostStatus += r.lostStatus
		tot.lostUnwritten += r.lostUnwritten
		tot.retried += r.retried
		tot.lostIdle = append(tot.lostIdle, r.lostIdle...)
		tot.losses = append(tot.losses, r.losses...)
		tot.gens.add(r.gens)
		tot.errs.add(r.errs)
		for s, v := range r.lostAt {
			tot.lostAt[s] += v
		}
		if r.conns > 1 {
			reconnections += r.conns - 1
		}
	}
	fmt.Printf("pooled: clients=%d duration=%.1fs requests=%d ok=%d lost=%d bad_echo=%d reconnections=%d connections=%d generations=%s retried=%d warmup_ok=%d warmup_lost=%d check_echo=%t client_cpu=%.0f%%\n",
		n, elapsed.Seconds(), tot.requests, tot.ok, tot.lost, tot.badEcho, reconnections, tot.conns,
		tot.gens.generations(), tot.retried, tot.warmOK, tot.warmLost, *checkEcho,
		100*cpu.Seconds()/elapsed.Seconds())
	idle := "-"
	if l := tot.lostIdle; len(l) > 0 {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		idle = fmt.Sprintf("%.0f/%.0f/%.0f/%.0fms", ms(l[0]), ms(l[len(l)/2]), ms(l[len(l)*9/10]), ms(l[len(l)-1]))
	}
	fmt.Printf("pooled-lost: on_reused_conn=%d on_fresh_conn=%d no_conn=%d non_2xx=%d request_not_fully_written=%d reused_conn_idle_min/median/p90/max=%s\n",
		tot.lostReused, tot.lostFresh, tot.lostNoConn, tot.lostStatus, tot.lostUnwritten, idle)
	secs := make([]int, 0, len(tot.lostAt))
	for s := range tot.lostAt {
		secs = append(secs, s)
	}
	sort.Ints(secs)
	var parts []string
	for _, s := range secs {
		parts = append(parts, fmt.Sprintf("%d:%d", s, tot.lostAt[s]))
	}
	if len(parts) == 0 {
		parts = []string{"-"}
	}
	fmt.Printf("pooled-lost-by-second: %s\n", strings.Join(parts, ","))
	if *lossLog != "" {
		writeLossLog(*lossLog, tot.losses)
	}
	if len(tot.errs) > 0 {
		fmt.Println("pooled-errors:")
		tot.errs.top("  ", *maxErrors)
	}
}

// writeLossLog writes one line per lost request, in the order they were sent.
func writeLossLog(name string, ls []loss) {
	sort.Slice(ls, func(i, j int) bool { return ls[i].start < ls[j].start })
	var b strings.Builder
	b.WriteString("# sent_ms failed_ms client conn idle_ms error (times from the start of the measured loop)\n")
	for _, l := range ls {
		conn := "none"
		switch {
		case l.reused:
			conn = "reused"
		case l.connectionNew:
			conn = "new"
		}
		idle := "-"
		if l.reused {
			idle = fmt.Sprintf("%.1f", float64(l.idle)/float64(time.Millisecond))
		}
		fmt.Fprintf(&b, "%.1f %.1f %d %s %s %s\n", float64(l.start)/float64(time.Millisecond),
			float64(l.end)/float64(time.Millisecond), l.client, conn, idle, l.err)
	}
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "pooled-client: %v\n", err)
	}
}

// ---------------------------------------------------------------------------
// -mode idle

type idleConn struct {
	c  net.Conn
	br *bufio.Reader
}

func (ic *idleConn) get() (string, error) {
	req := "GET / HTTP/1.1\r\nHost: " + *addr + "\r\n\r\n"
	ic.c.SetDeadline(time.Now().Add(*timeout))
	defer ic.c.SetDeadline(time.Time{})
	if _, err := io.WriteString(ic.c, req); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(ic.br, nil)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	if resp.Close {
		return genOf(resp.Header), errors.New("answered with Connection: close")
	}
	return genOf(resp.Header), nil
}

// probe tells whether an idle connection is still open, without waiting and
// without consuming anything: recv(MSG_PEEK|MSG_DONTWAIT) says EAGAIN for an open,
// idle socket, 0 (EOF) once the server closed it, ECONNRESET after a reset.
// "" means open and idle; otherwise why not.
func probe(ic *idleConn) string {
	if ic.br.Buffered() > 0 {
		return "unexpected bytes from the server before the second request"
	}
	sc, err := ic.c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return err.Error()
	}
	var n int
	var rerr error
	buf := make([]byte, 1)
	if err := sc.Read(func(fd uintptr) bool {
		n, _, rerr = syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true // never wait
	}); err != nil {
		return err.Error()
	}
	switch {
	case rerr == syscall.EAGAIN:
		return ""
	case rerr != nil:
		return "before the second request: " + rerr.Error()
	case n == 0:
		return "closed by the server before the second request"
	default:
		return "unexpected bytes from the server before the second request"
	}
}

// forEach runs f(i) for i in [0, n) on -parallel goroutines.
func forEach(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < *parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func runIdle() {
	n := *clients
	conns := make([]*idleConn, n)
	var mu sync.Mutex
	errs := counter{}
	gens1 := counter{}
	var opened atomic.Int64

	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)

	start := time.Now()
	forEach(n, func(i int) {
		var lastErr error
		// A few tries: a server with a small listen backlog may drop a SYN under the burst.
		for try := 0; try < 5; try++ {
			c, err := net.DialTimeout("tcp", *addr, *timeout)
			if err != nil {
				lastErr = err
				time.Sleep(50 * time.Millisecond)
				continue
			}
			ic := &idleConn{c: c, br: bufio.NewReader(c)}
			g, err := ic.get()
			if err != nil {
				c.Close()
				lastErr = err
				break // a request was sent: don't retry it
			}
			conns[i] = ic
			opened.Add(1)
			mu.Lock()
			gens1[g]++
			mu.Unlock()
			return
		}
		mu.Lock()
		errs["opening: "+normError(lastErr)]++
		mu.Unlock()
	})
	fmt.Printf("ready opened=%d/%d in %.2fs generations_first=%s\n", opened.Load(), n,
		time.Since(start).Seconds(), gens1.generations())

	<-usr1
	checkStart := time.Now()
	gens2 := counter{}
	var stillOpen, answered, failed atomic.Int64
	forEach(n, func(i int) {
		ic := conns[i]
		if ic == nil {
			return
		}
		defer ic.c.Close()
		if why := probe(ic); why != "" {
			failed.Add(1)
			mu.Lock()
			errs[why]++
			mu.Unlock()
			return
		}
		stillOpen.Add(1)
		g, err := ic.get()
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed.Add(1)
			errs["second request: "+normError(err)]++
			return
		}
		answered.Add(1)
		gens2[g]++
	})
	fmt.Printf("idle: clients=%d opened=%d still_open=%d answered=%d failed=%d generations_first=%s generations_second=%s check=%.2fs\n",
		n, opened.Load(), stillOpen.Load(), answered.Load(), failed.Load(),
		gens1.generations(), gens2.generations(), time.Since(checkStart).Seconds())
	if len(errs) > 0 {
		fmt.Println("idle-errors:")
		errs.top("  ", *maxErrors)
	}
}
