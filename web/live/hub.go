package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
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

	mu      sync.Mutex
	clients map[*client]struct{}

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

// New returns a hub; with Redis it subscribes at once. Close it.
func New(opts ...Option) *Hub {
	h := &Hub{
		logger: slog.New(slog.DiscardHandler), channel: DefaultChannel, queue: 64, maxMessage: 256 << 10,
		pingEvery: 25 * time.Second, writeWait: 10 * time.Second,
		clients: map[*client]struct{}{}, subscribed: make(chan struct{}),
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
	return h
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

// Event pushes an isolate lifecycle event (for isolate.WithEvents).
func (h *Hub) Event(e isolate.Event) {
	h.broadcast(topicIsolates, nil, isolateMsg{Type: "isolate", Event: string(e.Type), IsolateID: e.IsolateID,
		BlockID: e.BlockID, Kind: string(e.Kind), Message: e.Message, Time: e.Time})
}

// Sample pushes one round of kernel figures (for monitor.OnSample).
func (h *Hub) Sample(s monitor.Sample) {
	const mb = 1 << 20
	m := metricsMsg{Type: "metrics", Time: s.Time, Isolates: make([]isolateFigures, 0, len(s.Isolates))}
	m.System.CPUCount = s.System.CPUCount
	m.System.CPUPercent = round2(s.System.CPUUsagePercent)
	m.System.LoadAverage = s.System.LoadAverage
	m.System.RSSMB = round2(float64(s.System.RSS) / mb)
	m.System.HeapUsedMB = round2(float64(s.System.HeapUsed) / mb)
	m.TotalMemoryMB = round2(float64(s.TotalMemory) / mb)
	for _, is := range s.Isolates {
		m.Isolates = append(m.Isolates, isolateFigures{
			BlockID: is.BlockID, IsolateID: is.ID, PID: is.PID,
			MemoryMB: round2(float64(is.Stats.MemoryCurrent) / mb), MemoryLimitMB: round2(float64(is.Stats.MemoryLimit) / mb),
			CPUPercent: round2(is.CPUPercent),
		})
	}
	h.broadcast(topicMetrics, nil, m)
}

// Alert pushes a resource alert (for monitor.OnAlert).
func (h *Hub) Alert(a monitor.Alert) {
	h.broadcast(topicAlerts, nil, alertMsg{Type: "alert", Alert: a})
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// broadcast queues msg for every client subscribed to topic except skip.
func (h *Hub) broadcast(t topic, skip *client, msg any) {
	// Every execution emits an event: encode only when a tab listens.
	h.mu.Lock()
	listening := false
	for c := range h.clients {
		if c != skip && c.wants(t) {
			listening = true
			break
		}
	}
	h.mu.Unlock()
	if !listening {
		return
	}
	b, err := json.Marshal(msg)
	if err != nil {
		h.logger.Error("live: encode", "err", err)
		return
	}
	h.deliver(t, skip, b)
}

func (h *Hub) deliver(t topic, skip *client, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c != skip && c.wants(t) {
			h.enqueue(c, b)
		}
	}
}

// enqueue never waits: a client that cannot keep up is disconnected.
func (h *Hub) enqueue(c *client, b []byte) {
	select {
	case c.send <- b:
	default:
		h.logger.Warn("live: client too slow, disconnecting", "remote", c.remote)
		c.kill(websocket.ClosePolicyViolation, "too slow: messages were not read in time")
	}
}

// envelope is a block change on the Redis channel.
type envelope struct {
	From string          `json:"from"`
	Msg  json.RawMessage `json:"msg"`
}

// share sends a block change to this instance's other tabs and, through
// Redis, to every other instance's tabs.
func (h *Hub) share(from *client, msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		h.logger.Error("live: encode", "err", err)
		return
	}
	h.deliver(topicBlocks, from, b)
	if h.rdb == nil {
		return
	}
	env, _ := json.Marshal(envelope{From: h.instance, Msg: b})
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
			if env.From == h.instance {
				continue
			}
			h.deliver(topicBlocks, nil, env.Msg)
		}
	}
}
