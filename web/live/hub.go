package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/web"
	"github.com/symposium/symposium/web/auth"
)

// DefaultChannel is the Redis pub/sub channel block changes travel on.
const DefaultChannel = "symposium:events"

// Hub fans messages out to the connected tabs. Its broadcast never blocks:
// each connection has a bounded send queue and a connection whose queue is
// full is disconnected (its tab reconnects and reloads).
type Hub struct {
	logger     *slog.Logger
	rdb        *redis.Client
	channel    string
	instance   string
	queue      int
	maxMessage int
	pingEvery  time.Duration
	writeWait  time.Duration

	identify  Identify
	recheck   time.Duration // how often idle sockets' credentials are re-checked
	limiter   *auth.Limiter
	perTenant int
	perAddr   int
	sessions  *web.Sessions

	mu       sync.Mutex
	clients  map[*client]struct{}
	byTenant map[string]int
	byAddr   map[string]int

	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	subscribed chan struct{} // closed once the Redis subscription is confirmed
}

// Option configures a Hub.
type Option func(*Hub)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(h *Hub) { h.logger = l } }

// WithRedis fans block changes out to other instances through pub/sub.
func WithRedis(rdb *redis.Client) Option { return func(h *Hub) { h.rdb = rdb } }

// WithChannel sets the Redis channel (default DefaultChannel).
func WithChannel(name string) Option { return func(h *Hub) { h.channel = name } }

// WithInstanceID names this instance on the channel, so it ignores its own
// messages (default: random).
func WithInstanceID(id string) Option { return func(h *Hub) { h.instance = id } }

// WithQueueSize bounds each connection's send queue (default 64 messages).
func WithQueueSize(n int) Option { return func(h *Hub) { h.queue = n } }

// WithMaxMessage caps an incoming message in bytes (default 256 KiB).
func WithMaxMessage(n int) Option { return func(h *Hub) { h.maxMessage = n } }

// Identify re-checks a socket's credentials on every command, so a key
// revoked mid-session stops working at once (auth.Authenticator.Identify).
type Identify func(ctx context.Context, authorization, cookie string) (auth.Principal, error)

// WithAuth re-checks credentials on every command. Without it the hub
// serves the principal the server's guard left on the upgrade request, or
// AUTH_MODE=local's one tenant when there is none (a bare app in tests).
func WithAuth(id Identify) Option { return func(h *Hub) { h.identify = id } }

// WithRecheck sets how often sockets that send nothing have their
// credentials re-checked (default 5 s; with WithAuth only).
func WithRecheck(d time.Duration) Option { return func(h *Hub) { h.recheck = d } }

// WithLimiter takes one token of the server's rate limit for every command
// that runs or changes a block, keyed like REST (auth.Key).
func WithLimiter(l *auth.Limiter) Option { return func(h *Hub) { h.limiter = l } }

// WithConnLimits caps live sockets per tenant and per client address
// (0: no cap).
func WithConnLimits(perTenant, perAddr int) Option {
	return func(h *Hub) { h.perTenant, h.perAddr = perTenant, perAddr }
}

// New returns a hub; with Redis it subscribes at once. Close it.
func New(opts ...Option) *Hub {
	h := &Hub{
		logger: slog.New(slog.DiscardHandler), channel: DefaultChannel, queue: 64, maxMessage: 256 << 10,
		pingEvery: 25 * time.Second, writeWait: 10 * time.Second, recheck: 5 * time.Second,
		clients: map[*client]struct{}{}, byTenant: map[string]int{}, byAddr: map[string]int{}, subscribed: make(chan struct{}),
	}
	for _, o := range opts {
		o(h)
	}
	if h.instance == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		h.instance = hex.EncodeToString(b[:])
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	if h.rdb != nil {
		h.wg.Add(1)
		go h.subscribe()
	} else {
		close(h.subscribed)
	}
	if h.identify != nil {
		h.wg.Add(1)
		go h.recheckLoop()
	}
	return h
}

// recheckLoop ends sockets whose key was revoked (or whose session
// expired) even when they send nothing, so a revoked key also stops
// receiving its tenant's events within recheck.
func (h *Hub) recheckLoop() {
	defer h.wg.Done()
	t := time.NewTicker(h.recheck)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		h.mu.Lock()
		cs := make([]*client, 0, len(h.clients))
		for c := range h.clients {
			cs = append(cs, c)
		}
		h.mu.Unlock()
		for _, c := range cs {
			if c.embed != "" {
				continue // its token is its credential
			}
			p, err := h.identify(h.ctx, c.authz, c.cookie)
			switch {
			case errors.Is(err, auth.ErrUnauthenticated) || err == nil && p.Tenant != c.principal.Tenant:
				c.kill(websocket.ClosePolicyViolation, "signed out")
			case err != nil:
				h.logger.Warn("live: key store", "err", err) // an outage ends nobody's socket
			}
		}
	}
}

// Close stops the Redis subscription and disconnects every tab.
func (h *Hub) Close() error {
	h.cancel()
	h.wg.Wait()
	h.mu.Lock()
	for c := range h.clients {
		c.kill(websocket.CloseGoingAway, "server shutting down")
	}
	h.mu.Unlock()
	return nil
}

// Event pushes an isolate lifecycle event (for isolate.WithEvents) to the
// block's tenant, by its public id, and to admins; a pooled isolate's
// events (no block) to admins only.
func (h *Hub) Event(e isolate.Event) {
	h.fanout(topicIsolates, func(p auth.Principal) (any, bool) {
		id, ok := web.ViewID(p, e.BlockID)
		if e.BlockID == "" {
			id, ok = "", p.Admin
		}
		return isolateMsg{Type: "isolate", Event: string(e.Type), IsolateID: e.IsolateID,
			BlockID: id, Kind: string(e.Kind), Message: e.Message, Time: e.Time}, ok
	})
}

// Sample pushes one round of kernel figures (for monitor.OnSample): each
// tenant its own isolates; the system's figures to admins only.
func (h *Hub) Sample(s monitor.Sample) {
	const mb = 1 << 20
	h.fanout(topicMetrics, func(p auth.Principal) (any, bool) {
		m := metricsMsg{Type: "metrics", Time: s.Time, Isolates: make([]isolateFigures, 0, len(s.Isolates))}
		var total uint64
		for _, is := range s.Isolates {
			id, ok := web.ViewID(p, is.BlockID)
			if !ok || is.BlockID == "" && !p.Admin {
				continue
			}
			total += is.Stats.MemoryCurrent
			m.Isolates = append(m.Isolates, isolateFigures{
				BlockID: id, IsolateID: is.ID, PID: is.PID,
				MemoryMB: round2(float64(is.Stats.MemoryCurrent) / mb), MemoryLimitMB: round2(float64(is.Stats.MemoryLimit) / mb),
				CPUPercent: round2(is.CPUPercent),
			})
		}
		m.TotalMemoryMB = round2(float64(total) / mb)
		if p.Admin {
			m.System = &systemFigures{CPUCount: s.System.CPUCount, CPUPercent: round2(s.System.CPUUsagePercent),
				LoadAverage: s.System.LoadAverage, RSSMB: round2(float64(s.System.RSS) / mb),
				HeapUsedMB: round2(float64(s.System.HeapUsed) / mb), SupervisorCPUPercent: round2(s.System.SupervisorCPUPercent)}
			m.TotalMemoryMB = round2(float64(s.TotalMemory) / mb)
		}
		return m, true
	})
}

// Alert pushes a resource alert (for monitor.OnAlert): one about a block to
// its tenant, a system alert to admins only.
func (h *Hub) Alert(a monitor.Alert) {
	h.fanout(topicAlerts, func(p auth.Principal) (any, bool) {
		a, ok := web.AlertFor(p, a)
		return alertMsg{Type: "alert", Alert: a}, ok
	})
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// fanout queues, for every client subscribed to t, what view builds for
// its principal (nothing when view says no). Every execution emits an
// event: a message is encoded once per kind of viewer, and only when a tab
// listens.
func (h *Hub) fanout(t topic, view func(auth.Principal) (any, bool)) {
	h.mu.Lock()
	var to []*client
	for c := range h.clients {
		if c.wants(t) {
			to = append(to, c)
		}
	}
	h.mu.Unlock()
	if len(to) == 0 {
		return
	}
	type viewer struct {
		tenant string
		admin  bool
	}
	encoded := map[viewer][]byte{}
	send := make(map[*client][]byte, len(to))
	for _, c := range to {
		v := viewer{c.principal.Tenant, c.principal.Admin}
		b, done := encoded[v]
		if !done {
			if msg, ok := view(c.principal); ok {
				var err error
				if b, err = json.Marshal(msg); err != nil {
					h.logger.Error("live: encode", "err", err)
					return
				}
			}
			encoded[v] = b
		}
		if b != nil {
			send[c] = b
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c, b := range send {
		if _, still := h.clients[c]; still {
			h.enqueue(c, b)
		}
	}
}

// deliver queues b for every client of tenant (any tenant when "")
// subscribed to t, except skip.
func (h *Hub) deliver(t topic, skip *client, b []byte) { h.deliverTo(t, "", skip, b) }

func (h *Hub) deliverTo(t topic, tenant string, skip *client, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c != skip && c.wants(t) && (tenant == "" || c.principal.Tenant == tenant) {
			h.enqueue(c, b)
		}
	}
}

// enqueue never waits: a client that cannot keep up is disconnected.
func (h *Hub) enqueue(c *client, b []byte) {
	select {
	case c.send <- b:
	default:
		// Its queue is full: drop it. Messages keep coming until it is gone,
		// so only the call that ends it logs.
		if c.kill(websocket.ClosePolicyViolation, "too slow: messages were not read in time") {
			h.logger.Warn("live: client too slow, disconnecting", "remote", c.remote)
		}
	}
}

// envelope is a block change on the Redis channel.
type envelope struct {
	From   string          `json:"from"`
	Tenant string          `json:"tenant"`
	Msg    json.RawMessage `json:"msg"`
}

// share sends a block change (by its public id) to this instance's other
// tabs of the same tenant and, through Redis, to every other instance's.
func (h *Hub) share(from *client, msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		h.logger.Error("live: encode", "err", err)
		return
	}
	h.deliverTo(topicBlocks, from.principal.Tenant, from, b)
	if h.rdb == nil {
		return
	}
	env, _ := json.Marshal(envelope{From: h.instance, Tenant: from.principal.Tenant, Msg: b})
	ctx, cancel := context.WithTimeout(h.ctx, 2*time.Second)
	defer cancel()
	if err := h.rdb.Publish(ctx, h.channel, env).Err(); err != nil {
		h.logger.Warn("live: redis publish failed; other instances miss this change", "err", err)
	}
}

// subscribe relays other instances' block changes to local tabs; go-redis
// resubscribes by itself after a lost connection.
func (h *Hub) subscribe() {
	defer h.wg.Done()
	sub := h.rdb.Subscribe(h.ctx, h.channel)
	defer sub.Close()
	if _, err := sub.Receive(h.ctx); err != nil && h.ctx.Err() == nil {
		h.logger.Warn("live: redis subscribe failed; retrying in the background", "err", err)
	} else {
		close(h.subscribed)
	}
	ch := sub.Channel()
	for {
		select {
		case <-h.ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			var env envelope
			if err := json.Unmarshal([]byte(m.Payload), &env); err != nil || len(env.Msg) == 0 {
				h.logger.Warn("live: ignoring malformed redis message", "err", err)
				continue
			}
			if env.From == h.instance || env.Tenant == "" {
				continue // our own, or from a version that did not name the tenant
			}
			h.deliverTo(topicBlocks, env.Tenant, nil, env.Msg)
		}
	}
}
