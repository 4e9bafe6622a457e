package netguard_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/web/netguard"
)

// serve runs a fiber app, configured as the package doc recommends, behind
// a guard on a loopback port. The returned channel yields Listener's result:
// a value before cleanup means the server stopped serving.
func serve(t *testing.T, cfg netguard.Config) (*netguard.Listener, string, <-chan error) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := netguard.New(inner, cfg)
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		Concurrency:           ln.MaxConns(),
	})
	app.Get("/ping", func(c *fiber.Ctx) error { return c.SendString("pong") })
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	t.Cleanup(func() {
		_ = app.ShutdownWithTimeout(2 * time.Second)
		ln.Close()
	})
	return ln, inner.Addr().String(), done
}

// dialFrom connects from a loopback source address, which the guard counts
// as a client of its own.
func dialFrom(src, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

// get sends one request on a fresh connection from src and returns the
// response (body read).
func get(t *testing.T, src, addr string) (*http.Response, string) {
	t.Helper()
	c, err := dialFrom(src, addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("request from %s: %v", src, err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stillServing(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("the server stopped serving: %v", err)
	default:
	}
}

// raiseNOFILE lifts the soft (and, with the privilege, the hard)
// descriptor limit to want, or as far as allowed; it returns the soft limit
// in force and restores the old limits at cleanup.
func raiseNOFILE(t *testing.T, want uint64) uint64 {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: want, Max: max(want, old.Max)}) == nil {
		return want
	}
	lim := syscall.Rlimit{Cur: min(want, old.Max), Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	return lim.Cur
}

func openFDs(t *testing.T) uint64 {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return uint64(len(ents))
}

// TestSurvivesDescriptorExhaustion: with the process out of descriptors,
// Accept fails with EMFILE; fasthttp alone would stop serving. Behind the
// guard it backs off, and once descriptors are back the waiting client is
// served.
func TestSurvivesDescriptorExhaustion(t *testing.T) {
	ln, addr, done := serve(t, netguard.Config{})
	if resp, _ := get(t, "127.0.0.1", addr); resp.StatusCode != 200 {
		t.Fatalf("before: %d", resp.StatusCode)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	// Lower the limit, take every descriptor left but one, then dial: the
	// client's socket takes the last one, the server's accept finds none.
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: openFDs(t) + 16, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	var fill []*os.File
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			break
		}
		fill = append(fill, f)
	}
	defer func() {
		for _, f := range fill {
			f.Close()
		}
	}()
	if len(fill) == 0 {
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
		t.Fatal("could not exhaust descriptors")
	}
	fill[len(fill)-1].Close()
	fill = fill[:len(fill)-1]
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
		t.Fatalf("dial under the lowered limit: %v", err)
	}
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for ln.Stats().AcceptRetries < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	retries := ln.Stats().AcceptRetries
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if retries < 3 {
		t.Fatalf("accept retried %d times under exhaustion; want it failing (EMFILE) and retried", retries)
	}
	stillServing(t, done)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the client that waited through EMFILE: %v %v", resp, err)
	}
	if resp, _ := get(t, "127.0.0.1", addr); resp.StatusCode != 200 {
		t.Fatalf("after: %d", resp.StatusCode)
	}
	t.Logf("accept retried %d times while out of descriptors", retries)
}

// idleClientEnv makes the test binary an idle client: see TestIdleClient.
const idleClientEnv = "NETGUARD_IDLE_CLIENT"

// TestIdleClient is not a test of its own: run as a child process of
// TestAnswersAfter25000IdleConnections (which sets idleClientEnv to
// "addr first-ip-index ips per-ip"), it opens the connections, says how
// many it holds, and holds them until its stdin closes. A process of its
// own because the descriptor limit is per process.
func TestIdleClient(t *testing.T) {
	spec := os.Getenv(idleClientEnv)
	if spec == "" {
		t.Skip("helper process for TestAnswersAfter25000IdleConnections")
	}
	var (
		addr              string
		first, ips, perIP int
		wg                sync.WaitGroup
		mu                sync.Mutex
		held              []net.Conn
		failed            int
	)
	fmt.Sscan(spec, &addr, &first, &ips, &perIP)
	raiseNOFILE(t, uint64(ips*perIP+256))
	for ip := first; ip < first+ips; ip++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perIP {
				c, err := dialFrom(fmt.Sprintf("127.0.0.%d", ip), addr)
				mu.Lock()
				if err != nil {
					failed++
				} else {
					held = append(held, c)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("holding %d failed %d\n", len(held), failed)
	io.Copy(io.Discard, os.Stdin)
}

// TestAnswersAfter25000IdleConnections: 25,000 idle connections from 25
// loopback clients, held by two other processes (each under this
// machine's 20,000-descriptor limit), leave the server answering: each
// client's share is capped, the overflow is refused at once and costs the
// server no descriptor.
func TestAnswersAfter25000IdleConnections(t *testing.T) {
	const clients, perClient, cap = 25, 1000, 200
	ln, addr, done := serve(t, netguard.Config{MaxConnsPerIP: cap})
	start := time.Now()
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Reader
	}
	var children []child
	for i, ips := range []int{13, 12} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClient$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d %d", idleClientEnv, addr, 2+13*i, ips, perClient))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, child{cmd, stdin, bufio.NewReader(stdout)})
	}
	t.Cleanup(func() {
		for _, c := range children {
			c.stdin.Close()
			c.cmd.Wait()
		}
	})
	held := 0
	for _, c := range children {
		var n, failed int
		line, err := c.out.ReadString('\n')
		if _, serr := fmt.Sscanf(line, "holding %d failed %d", &n, &failed); err != nil || serr != nil || failed != 0 {
			t.Fatalf("idle client: %q %v %v", line, err, serr)
		}
		held += n
	}
	if held != clients*perClient {
		t.Fatalf("clients hold %d connections, want %d", held, clients*perClient)
	}
	waitFor(t, "the guard to refuse every connection over the caps", 30*time.Second, func() bool {
		s := ln.Stats()
		return s.Current == clients*cap && s.Refused == clients*(perClient-cap)
	})
	t.Logf("%d idle connections from %d clients after %v: %+v", held, clients, time.Since(start).Round(time.Millisecond), ln.Stats())
	stillServing(t, done)
	t0 := time.Now()
	resp, body := get(t, "127.0.0.1", addr)
	if resp.StatusCode != 200 || body != "pong" {
		t.Fatalf("with %d idle connections: %d %q", held, resp.StatusCode, body)
	}
	t.Logf("answered in %v, with %d descriptors open in the server's process", time.Since(t0).Round(time.Microsecond), openFDs(t))
	for _, c := range children {
		c.stdin.Close()
	}
	waitFor(t, "the guard to see the connections closed", 30*time.Second, func() bool { return ln.Stats().Current == 0 })
}

// read503 reads the refusal a capped connection gets.
func read503(t *testing.T, c net.Conn) *http.Response {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the refusal: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" || !resp.Close {
		t.Fatalf("refusal: %d Retry-After=%q close=%v %s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Close, b)
	}
	return resp
}

func TestPerClientCap(t *testing.T) {
	ln, addr, _ := serve(t, netguard.Config{MaxConnsPerIP: 3, RetryAfter: 1500 * time.Millisecond})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range 3 {
		c, err := dialFrom("127.0.0.5", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	waitFor(t, "three admitted", 5*time.Second, func() bool { return ln.Stats().Current == 3 })
	c, err := dialFrom("127.0.0.5", addr)
	if err != nil {
		t.Fatal(err)
	}
	// The refused client may already have sent its request.
	fmt.Fprintf(c, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
	read503(t, c)
	c.Close()
	if s := ln.Stats(); s.Refused != 1 || s.RefusedPerIP != 1 {
		t.Fatalf("stats %+v; want one per-client refusal", s)
	}
	// Another client is not affected.
	if resp, _ := get(t, "127.0.0.6", addr); resp.StatusCode != 200 {
		t.Fatalf("another client: %d", resp.StatusCode)
	}
	// A freed slot is usable again.
	held[0].Close()
	held = held[1:]
	waitFor(t, "the slot back", 5*time.Second, func() bool { return ln.Stats().Current == 2 })
	if resp, _ := get(t, "127.0.0.5", addr); resp.StatusCode != 200 {
		t.Fatalf("after freeing a slot: %d", resp.StatusCode)
	}
}

func TestTotalCap(t *testing.T) {
	ln, addr, done := serve(t, netguard.Config{MaxConns: 5, MaxConnsPerIP: 100, RetryAfter: 2 * time.Second})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range 5 {
		c, err := dialFrom(fmt.Sprintf("127.0.0.%d", 10+i), addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	waitFor(t, "five admitted", 5*time.Second, func() bool { return ln.Stats().Current == 5 })
	for i := range 3 {
		c, err := dialFrom(fmt.Sprintf("127.0.0.%d", 20+i), addr)
		if err != nil {
			t.Fatal(err)
		}
		resp := read503(t, c)
		c.Close()
		if resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
		}
	}
	if s := ln.Stats(); s.Refused != 3 || s.RefusedPerIP != 0 || s.Current != 5 {
		t.Fatalf("stats %+v; want 3 refusals for the total cap, 5 open", s)
	}
	stillServing(t, done)
	for _, c := range held {
		c.Close()
	}
	held = nil
	waitFor(t, "all released", 5*time.Second, func() bool { return ln.Stats().Current == 0 })
	if resp, _ := get(t, "127.0.0.20", addr); resp.StatusCode != 200 {
		t.Fatalf("after the cap cleared: %d", resp.StatusCode)
	}
}

func TestPerClientCapOff(t *testing.T) {
	ln, addr, _ := serve(t, netguard.Config{MaxConnsPerIP: -1, MaxConns: 50})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range 40 {
		c, err := dialFrom("127.0.0.7", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	waitFor(t, "forty from one client admitted", 5*time.Second, func() bool { return ln.Stats().Current == 40 })
	if resp, _ := get(t, "127.0.0.7", addr); resp.StatusCode != 200 {
		t.Fatalf("41st from the same client with the cap off: %d", resp.StatusCode)
	}
}
