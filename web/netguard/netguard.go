package netguard

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config sets the caps. Zero fields take the defaults.
type Config struct {
	// MaxConns bounds connections open at once (default 10000), kept well
	// below the descriptor limit so isolates, storage and logs still get
	// descriptors when the cap is reached.
	MaxConns int
	// MaxConnsPerIP bounds one client's connections (default 256; negative
	// turns the cap off, for a server behind a proxy whose few addresses
	// carry every client). IPv6 clients are counted per /64, the block one
	// subscriber usually holds.
	MaxConnsPerIP int
	// RetryAfter is the Retry-After of the 503 (default 1s).
	RetryAfter time.Duration
	// Logger receives one line when Accept starts failing and one when it
	// recovers, per burst; default discards.
	Logger *slog.Logger
}

// Stats are the listener's counters, for /metrics.
type Stats struct {
	Current       int64 // connections open now
	Refused       int64 // connections answered 503 since start
	RefusedPerIP  int64 // of which for the per-client cap
	AcceptRetries int64 // Accept errors retried after a backoff
}

// Backoff bounds, as in Go's net/http: 5 ms doubling to 1 s.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
	// refusalWorkers bounds the goroutines that answer 503s; beyond it an
	// overflow connection is closed without an answer rather than queued.
	refusalWorkers = 64
	// refusalLinger is how long a refused connection may take to read its
	// answer, so closing does not reset it before the client has it.
	refusalLinger = 200 * time.Millisecond
)

// Listener is a guarded net.Listener. Safe for concurrent use.
type Listener struct {
	inner  net.Listener
	cfg    Config
	closed chan struct{}
	once   sync.Once

	mu    sync.Mutex
	perIP map[netip.Prefix]int

	current, refused, refusedPerIP, retries atomic.Int64
	refusers                                chan struct{}
}

// New wraps inner.
func New(inner net.Listener, cfg Config) *Listener {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 10000
	}
	if cfg.MaxConnsPerIP == 0 {
		cfg.MaxConnsPerIP = 256
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Listener{
		inner:    inner,
		cfg:      cfg,
		closed:   make(chan struct{}),
		perIP:    map[netip.Prefix]int{},
		refusers: make(chan struct{}, refusalWorkers),
	}
}

// Accept returns the next admitted connection. Errors that pass are retried
// here, so the server only ever sees a closed listener's error.
func (l *Listener) Accept() (net.Conn, error) {
	var (
		delay      time.Duration
		burstStart time.Time
		burstCount int
	)
	for {
		c, err := l.inner.Accept()
		if err != nil {
			select {
			case <-l.closed:
				return nil, fmt.Errorf("%w: %w", ErrClosed, err)
			default:
			}
			if !passing(err) {
				return nil, err
			}
			l.retries.Add(1)
			if delay == 0 {
				delay, burstStart = minBackoff, time.Now()
				l.cfg.Logger.Warn("accept failing, backing off", "err", err, "open_connections", l.current.Load())
			} else {
				delay = min(2*delay, maxBackoff)
			}
			burstCount++
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-l.closed:
				t.Stop()
				return nil, ErrClosed
			}
			continue
		}
		if delay != 0 {
			l.cfg.Logger.Info("accept recovered", "retries", burstCount, "after", time.Since(burstStart).Round(time.Millisecond))
			delay, burstCount = 0, 0
		}
		key, perIPFull, ok := l.admit(c.RemoteAddr())
		if !ok {
			l.refuse(c, perIPFull)
			continue
		}
		return &conn{Conn: c, l: l, key: key}, nil
	}
}

// passing reports Accept errors that say "not now" rather than "never":
// descriptor or buffer exhaustion and a peer that left before we took it.
func passing(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED, syscall.ECONNRESET,
		syscall.ENOBUFS, syscall.ENOMEM, syscall.EINTR, syscall.EAGAIN, syscall.EPROTO, syscall.EPERM} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// clientKey groups a remote address: IPv4 per address, IPv6 per /64.
func clientKey(a net.Addr) netip.Prefix {
	var ip netip.Addr
	switch t := a.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(t.IP)
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		}
	}
	ip = ip.Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	p, _ := ip.Prefix(bits)
	return p
}

// admit takes a slot for the client, or says which cap refused it.
func (l *Listener) admit(remote net.Addr) (key netip.Prefix, perIPFull, ok bool) {
	key = clientKey(remote)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.current.Load() >= int64(l.cfg.MaxConns) {
		return key, false, false
	}
	if l.cfg.MaxConnsPerIP > 0 && l.perIP[key] >= l.cfg.MaxConnsPerIP {
		return key, true, false
	}
	l.perIP[key]++
	l.current.Add(1)
	return key, false, true
}

func (l *Listener) release(key netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.perIP[key] - 1; n > 0 {
		l.perIP[key] = n
	} else {
		delete(l.perIP, key)
	}
	l.current.Add(-1)
}

// refuse answers 503 on a goroutine of a bounded set and closes; with all
// of them busy it just closes, so a flood costs no more than its sockets.
func (l *Listener) refuse(c net.Conn, perIP bool) {
	l.refused.Add(1)
	if perIP {
		l.refusedPerIP.Add(1)
	}
	select {
	case l.refusers <- struct{}{}:
	default:
		c.Close()
		return
	}
	go func() {
		defer func() { <-l.refusers }()
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(refusalLinger))
		if _, err := c.Write(l.answer(perIP)); err != nil {
			return
		}
		// Half-close, then drain what the client already sent, so the close
		// does not reset the connection before the answer is read.
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		var buf [512]byte
		for {
			if _, err := c.Read(buf[:]); err != nil {
				return
			}
		}
	}()
}

func (l *Listener) answer(perIP bool) []byte {
	secs := int((l.cfg.RetryAfter + time.Second - 1) / time.Second)
	code, msg := "server_busy", "the server has too many connections open; retry shortly"
	if perIP {
		code, msg = "too_many_connections", "too many connections from your address; close some and retry"
	}
	body := fmt.Sprintf(`{"success":false,"error":{"code":%q,"message":%q}}`, code, msg)
	return fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: %d\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		secs, len(body), body)
}

// Stats returns the counters.
func (l *Listener) Stats() Stats {
	return Stats{Current: l.current.Load(), Refused: l.refused.Load(), RefusedPerIP: l.refusedPerIP.Load(), AcceptRetries: l.retries.Load()}
}

// MaxConns is the total cap in force; give it to fasthttp as Concurrency.
func (l *Listener) MaxConns() int { return l.cfg.MaxConns }

// Close stops Accept, including one waiting out a backoff.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.inner.Close()
}

// Addr is the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// conn gives its slot back exactly once, on its first Close.
type conn struct {
	net.Conn
	l    *Listener
	key  netip.Prefix
	once sync.Once
}

func (c *conn) Close() error {
	c.once.Do(func() { c.l.release(c.key) })
	return c.Conn.Close()
}
