package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/symposium/symposium/supervisor/isolate"
)

// Several instances: a session lives in one instance's isolate, and its id
// names that instance. An event that reaches another instance (a load
// balancer without affinity, a REST client) is forwarded to the holder
// through Redis pub/sub, and its answer comes back the same way; when the
// holder does not listen (it is gone) the answer is ErrSessionMoved at
// once (PUBLISH counts the subscribers). Code changes and deletes made on
// one instance end the block's sessions on every instance.

// DefaultChannelPrefix prefixes the Redis channels of live sessions: one per
// instance (requests and answers) and one shared (block changes).
const DefaultChannelPrefix = "symposium:sessions:"

// Forwarder is the Manager as a cluster sees it: its own sessions served
// locally, other instances' through Redis. It has the Manager's methods.
type Forwarder struct {
	*Manager
	rdb     *redis.Client
	prefix  string
	timeout time.Duration
	logger  *slog.Logger

	mu      sync.Mutex
	pending map[string]chan reply

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ready  chan struct{}
}

// ForwardConfig tunes a Forwarder; zero fields take the defaults.
type ForwardConfig struct {
	ChannelPrefix string        // default DefaultChannelPrefix
	Timeout       time.Duration // how long a forwarded turn may take; default 10s
	Logger        *slog.Logger
}

// NewForwarder subscribes m's instance to its channels; Shutdown it (that
// also shuts m down).
func NewForwarder(m *Manager, rdb *redis.Client, cfg ForwardConfig) *Forwarder {
	if cfg.ChannelPrefix == "" {
		cfg.ChannelPrefix = DefaultChannelPrefix
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = m.logger
	}
	f := &Forwarder{Manager: m, rdb: rdb, prefix: cfg.ChannelPrefix, timeout: cfg.Timeout, logger: cfg.Logger,
		pending: map[string]chan reply{}, ready: make(chan struct{})}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.wg.Add(1)
	go f.listen()
	return f
}

// Ready is closed once the subscription is confirmed (for tests and
// start-up: before it, other instances cannot reach this one's sessions).
func (f *Forwarder) Ready() <-chan struct{} { return f.ready }

func (f *Forwarder) own() string    { return f.prefix + f.InstanceID() }
func (f *Forwarder) shared() string { return f.prefix + "blocks" }

// envelope is every message on the session channels.
type envelope struct {
	Kind string `json:"kind"` // req, rep, code, end
	From string `json:"from"`
	ID   string `json:"id,omitempty"`
	// req
	Op      string             `json:"op,omitempty"` // event, get, close
	Owner   string             `json:"owner,omitempty"`
	BlockID string             `json:"blockId,omitempty"`
	SID     string             `json:"sid,omitempty"`
	Event   *isolate.UserEvent `json:"event,omitempty"`
	// rep
	Turn *isolate.Turn `json:"turn,omitempty"`
	Err  *wireError    `json:"err,omitempty"`
	// code, end
	Patch  *CodePatch `json:"patch,omitempty"`
	Reason Reason     `json:"reason,omitempty"`
}

type reply struct {
	turn *isolate.Turn
	err  error
}

// wireError is an error as it crosses instances: which sentinel, and the
// words (the holder's, which ProblemFor reads as if local).
type wireError struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Reason   Reason `json:"reason,omitempty"`
	RetryMs  int64  `json:"retryMs,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// sentinels are the errors a forwarded turn may answer, by wire code.
var sentinels = map[string]error{
	"no_target": isolate.ErrNoTarget, "isolate_invalid_event": isolate.ErrInvalidEvent, "invalid_event": ErrInvalidEvent,
	"session_limit": ErrSessionLimit, "isolate_session_limit": isolate.ErrSessionLimit, "capacity": isolate.ErrCapacity,
	"closed": ErrClosed, "isolate_closed": isolate.ErrClosed, "spawn": isolate.ErrSpawn, "canceled": context.Canceled,
}

// remoteError is a sentinel error answered by another instance.
type remoteError struct {
	sentinel error
	msg      string
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }

func toWire(err error) *wireError {
	if err == nil {
		return nil
	}
	var ge *GoneError
	var re *RateError
	var me *MovedError
	switch {
	case errors.As(err, &ge):
		return &wireError{Code: "gone", Reason: ge.Reason}
	case errors.As(err, &re):
		return &wireError{Code: "rate", RetryMs: re.RetryAfter.Milliseconds()}
	case errors.As(err, &me):
		return &wireError{Code: "moved", Instance: me.Instance}
	}
	for code, s := range sentinels {
		if errors.Is(err, s) {
			return &wireError{Code: code, Message: err.Error()}
		}
	}
	return &wireError{Code: "internal", Message: "internal error on the instance holding the session"}
}

func fromWire(w *wireError) error {
	if w == nil {
		return nil
	}
	switch w.Code {
	case "gone":
		return &GoneError{Reason: w.Reason}
	case "rate":
		return &RateError{RetryAfter: time.Duration(w.RetryMs) * time.Millisecond}
	case "moved":
		return &MovedError{Instance: w.Instance}
	}
	if s, ok := sentinels[w.Code]; ok {
		return &remoteError{sentinel: s, msg: w.Message}
	}
	return errors.New("session: " + w.Message)
}

// Event runs the event where the session lives.
func (f *Forwarder) Event(ctx context.Context, owner, blockID, sid string, ev isolate.UserEvent) (*isolate.Turn, error) {
	if f.local(sid) {
		return f.Manager.Event(ctx, owner, blockID, sid, ev)
	}
	if err := ValidateEvent(ev); err != nil {
		return nil, err
	}
	return f.forward(ctx, envelope{Op: "event", Owner: owner, BlockID: blockID, SID: sid, Event: &ev})
}

// Get answers the session's state from where it lives.
func (f *Forwarder) Get(owner, blockID, sid string) (*isolate.Turn, error) {
	if f.local(sid) {
		return f.Manager.Get(owner, blockID, sid)
	}
	return f.forward(context.Background(), envelope{Op: "get", Owner: owner, BlockID: blockID, SID: sid})
}

// Close ends the session where it lives.
func (f *Forwarder) Close(owner, blockID, sid string) error {
	if f.local(sid) {
		return f.Manager.Close(owner, blockID, sid)
	}
	_, err := f.forward(context.Background(), envelope{Op: "close", Owner: owner, BlockID: blockID, SID: sid})
	return err
}

// CodeChanged ends the block's sessions of other code here and on every
// other instance.
func (f *Forwarder) CodeChanged(blockID string, p CodePatch) {
	f.Manager.CodeChanged(blockID, p)
	f.broadcast(envelope{Kind: "code", BlockID: blockID, Patch: &p})
}

// EndBlock ends the block's sessions here and on every other instance.
func (f *Forwarder) EndBlock(blockID string, reason Reason) {
	f.Manager.EndBlock(blockID, reason)
	f.broadcast(envelope{Kind: "end", BlockID: blockID, Reason: reason})
}

// Shutdown stops listening and shuts the manager down.
func (f *Forwarder) Shutdown() {
	f.cancel()
	f.wg.Wait()
	f.Manager.Shutdown()
}

// local: the id is this instance's (or malformed: the manager says gone).
func (f *Forwarder) local(sid string) bool {
	inst := Instance(sid)
	return inst == "" || inst == f.InstanceID()
}

func (f *Forwarder) broadcast(e envelope) {
	e.From = f.InstanceID()
	b, _ := json.Marshal(e)
	ctx, cancel := context.WithTimeout(f.ctx, 2*time.Second)
	defer cancel()
	if err := f.rdb.Publish(ctx, f.shared(), b).Err(); err != nil {
		f.logger.Warn("session: redis publish failed; other instances keep this block's sessions", "block", e.BlockID, "err", err)
	}
}

// forward sends a request to the session's instance and waits for its
// answer. Nobody listening there: ErrSessionMoved at once.
func (f *Forwarder) forward(ctx context.Context, e envelope) (*isolate.Turn, error) {
	inst := Instance(e.SID)
	var b [9]byte
	_, _ = rand.Read(b[:])
	e.Kind, e.From, e.ID = "req", f.InstanceID(), hex.EncodeToString(b[:])
	ch := make(chan reply, 1)
	f.mu.Lock()
	f.pending[e.ID] = ch
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.pending, e.ID)
		f.mu.Unlock()
	}()
	msg, _ := json.Marshal(e)
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	n, err := f.rdb.Publish(ctx, f.prefix+inst, msg).Result()
	if err != nil {
		f.logger.Warn("session: cannot forward to the session's instance", "instance", inst, "err", err)
		return nil, &MovedError{Instance: inst}
	}
	if n == 0 {
		return nil, &MovedError{Instance: inst} // that instance is gone, or never was
	}
	select {
	case r := <-ch:
		return r.turn, r.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
		return nil, &MovedError{Instance: inst}
	}
}

// listen serves requests for this instance's sessions, takes answers to
// its own requests, and applies other instances' block changes.
func (f *Forwarder) listen() {
	defer f.wg.Done()
	sub := f.rdb.Subscribe(f.ctx, f.own(), f.shared())
	defer sub.Close()
	for range 2 {
		if _, err := sub.Receive(f.ctx); err != nil {
			if f.ctx.Err() == nil {
				f.logger.Warn("session: redis subscribe failed; retrying in the background", "err", err)
			}
			break
		}
	}
	close(f.ready)
	ch := sub.Channel()
	for {
		select {
		case <-f.ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			var e envelope
			if err := json.Unmarshal([]byte(m.Payload), &e); err != nil || e.From == f.InstanceID() {
				continue
			}
			switch e.Kind {
			case "req":
				f.wg.Add(1)
				go func() { defer f.wg.Done(); f.serve(e) }()
			case "rep":
				f.mu.Lock()
				ch := f.pending[e.ID]
				f.mu.Unlock()
				if ch != nil {
					ch <- reply{turn: e.Turn, err: fromWire(e.Err)}
				}
			case "code":
				if e.Patch != nil {
					f.Manager.CodeChanged(e.BlockID, *e.Patch)
				}
			case "end":
				f.Manager.EndBlock(e.BlockID, e.Reason)
			}
		}
	}
}

// serve runs a forwarded request here and publishes the answer.
func (f *Forwarder) serve(e envelope) {
	ctx, cancel := context.WithTimeout(f.ctx, f.timeout)
	defer cancel()
	var turn *isolate.Turn
	var err error
	switch e.Op {
	case "event":
		if e.Event == nil {
			err = fmt.Errorf("%w: no event", ErrInvalidEvent)
			break
		}
		turn, err = f.Manager.Event(ctx, e.Owner, e.BlockID, e.SID, *e.Event)
	case "get":
		turn, err = f.Manager.Get(e.Owner, e.BlockID, e.SID)
	case "close":
		err = f.Manager.Close(e.Owner, e.BlockID, e.SID)
	default:
		return
	}
	out, _ := json.Marshal(envelope{Kind: "rep", From: f.InstanceID(), ID: e.ID, Turn: turn, Err: toWire(err)})
	if perr := f.rdb.Publish(ctx, f.prefix+e.From, out).Err(); perr != nil {
		f.logger.Warn("session: cannot answer a forwarded request", "to", e.From, "err", perr)
	}
}
