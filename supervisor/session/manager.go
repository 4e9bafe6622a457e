package session

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/symposium/symposium/supervisor/isolate"
)

// Runtime is what the manager needs of the isolate runtime
// (isolate.Runtime satisfies it; tests use a fake).
type Runtime interface {
	OpenSession(ctx context.Context, blockID, sessionID string, code isolate.Code, data []byte, annotate bool) (*isolate.Turn, error)
	Dispatch(ctx context.Context, blockID, sessionID string, ev isolate.UserEvent) (*isolate.Turn, error)
	Tick(ctx context.Context, blockID, sessionID string) (*isolate.Turn, error)
	CloseSession(blockID, sessionID string)
}

// Reason says why a session ended; clients show it and offer a restart.
type Reason string

// Why sessions end.
const (
	ReasonIdle         Reason = "idle"          // no event for SESSION_IDLE_TIMEOUT
	ReasonClosed       Reason = "closed"        // its viewer closed it (or its socket went)
	ReasonCodeChanged  Reason = "code_changed"  // the block's code changed
	ReasonDeleted      Reason = "deleted"       // the block was deleted
	ReasonIsolateEnded Reason = "isolate_ended" // its isolate ended (evicted, died, idle, terminated)
	ReasonTimeout      Reason = "timeout"       // a turn ran past the execution timeout
	ReasonOOM          Reason = "oom"           // a turn hit the memory limit
	ReasonCrash        Reason = "crash"         // the runtime failed
	ReasonShutdown     Reason = "shutdown"      // the server is stopping
)

// Config bounds the manager; zero fields take the defaults.
type Config struct {
	InstanceID      string        // prefix of every session id; default random
	IdleTimeout     time.Duration // default 10m
	EventsPerSecond float64       // per session, bursts of twice that; default 60; < 0 unlimited
	MaxSessions     int           // live sessions on this instance; default 200
	// MaxPerOwner bounds one tenant's live sessions on this instance, so
	// one tenant (or the public viewers of its embeds) cannot take every
	// session; default a quarter of MaxSessions (at least 1).
	MaxPerOwner int
	MinTick     time.Duration // timer turns at least this far apart; default 16ms
	Logger      *slog.Logger
}

// Defaults of Config.
const (
	DefaultIdleTimeout     = 10 * time.Minute
	DefaultEventsPerSecond = 60
	DefaultMaxSessions     = 200
	DefaultMinTick         = 16 * time.Millisecond
	maxLogs                = 200 // kept per session for Get
	maxTombs               = 4096
)

// Update is what a watcher is told: a timer turn that changed something,
// or the end of the session (Ended, Reason; Turn is nil when no turn
// caused it).
type Update struct {
	SessionID   string
	BlockID     string
	Turn        *isolate.Turn
	HTMLChanged bool
	Ended       bool
	Reason      Reason
}

// Stats are the manager's figures for the metrics.
type Stats struct {
	Open   int
	Opened uint64
	Events uint64
	Ticks  uint64
	Ended  map[Reason]uint64
}

// Manager keeps this instance's live sessions.
type Manager struct {
	rt     Runtime
	cfg    Config
	logger *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	sessions map[string]*sess
	byBlock  map[string]map[string]*sess
	pending  int
	// opening are the opens whose first render is running, by block: a
	// delete, code change or isolate end in that window marks them, and
	// the open then closes what it made instead of keeping it.
	opening  map[string]map[*opening]struct{}
	closed   bool
	tombs    map[string]tomb
	tombRing []string
	ended    map[Reason]uint64
	watchSeq uint64

	opened, events, ticks atomic.Uint64
}

// opening is one open in flight.
type opening struct {
	id, owner string
	code      isolate.Code
	ended     Reason // set when the block's sessions ended meanwhile
}

type tomb struct {
	owner, blockID string
	reason         Reason
}

// sess is one live session. turnMu serialises its turns; every other
// field is guarded by Manager.mu.
type sess struct {
	id, owner, blockID string
	code               isolate.Code
	turnMu             sync.Mutex

	last     isolate.Turn
	logs     []isolate.Log
	active   time.Time
	ended    bool
	tokens   float64
	tokAt    time.Time
	timer    *time.Timer
	gen      uint64
	lastTick time.Time
	watchers map[uint64]func(Update)
}

// New returns a manager over rt; Shutdown it.
func New(rt Runtime, cfg Config) *Manager {
	if cfg.InstanceID == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		cfg.InstanceID = "i-" + hex.EncodeToString(b[:])
	}
	cfg.InstanceID = strings.ReplaceAll(cfg.InstanceID, "~", "-")
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.EventsPerSecond == 0 {
		cfg.EventsPerSecond = DefaultEventsPerSecond
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MinTick <= 0 {
		cfg.MinTick = DefaultMinTick
	}
	if cfg.MaxPerOwner <= 0 {
		cfg.MaxPerOwner = max(cfg.MaxSessions/4, 1)
	}
	m := &Manager{rt: rt, cfg: cfg, logger: cfg.Logger, sessions: map[string]*sess{}, byBlock: map[string]map[string]*sess{},
		tombs: map[string]tomb{}, ended: map[Reason]uint64{}, opening: map[string]map[*opening]struct{}{}}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.wg.Add(1)
	go m.janitor()
	return m
}

// InstanceID is the prefix of this instance's session ids.
func (m *Manager) InstanceID() string { return m.cfg.InstanceID }

// Instance is the instance a session id names ("" for a malformed id).
func Instance(sid string) string {
	inst, rnd, ok := strings.Cut(sid, "~")
	if !ok || inst == "" || rnd == "" {
		return ""
	}
	return inst
}

// Open runs the block as a live page and keeps it as a session of owner.
// A first render that left no live page answers a Turn with Ended set and
// keeps nothing.
func (m *Manager) Open(ctx context.Context, owner, blockID string, code isolate.Code, data []byte, annotate bool) (*isolate.Turn, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	if len(m.sessions)+m.pending >= m.cfg.MaxSessions {
		m.mu.Unlock()
		return nil, fmt.Errorf("%w (%d, MAX_SESSIONS)", ErrSessionLimit, m.cfg.MaxSessions)
	}
	if m.ownedLocked(owner) >= m.cfg.MaxPerOwner {
		m.mu.Unlock()
		return nil, fmt.Errorf("%w (%d, MAX_SESSIONS_PER_TENANT)", ErrOwnerLimit, m.cfg.MaxPerOwner)
	}
	m.pending++
	id := m.newID()
	op := &opening{id: id, owner: owner, code: code}
	if m.opening[blockID] == nil {
		m.opening[blockID] = map[*opening]struct{}{}
	}
	m.opening[blockID][op] = struct{}{}
	m.mu.Unlock()
	turn, err := m.rt.OpenSession(context.WithoutCancel(ctx), blockID, id, code, data, annotate)
	if errors.Is(err, isolate.ErrDead) {
		// The block's isolate ended as the session was opening: once more,
		// on a fresh one.
		turn, err = m.rt.OpenSession(context.WithoutCancel(ctx), blockID, id, code, data, annotate)
	}
	m.mu.Lock()
	m.pending--
	if ops := m.opening[blockID]; ops != nil {
		delete(ops, op)
		if len(ops) == 0 {
			delete(m.opening, blockID)
		}
	}
	if err != nil {
		m.mu.Unlock()
		return nil, err
	}
	turn.SessionID = id
	m.opened.Add(1)
	if r := op.ended; r != "" && !turn.Ended {
		// The block was deleted, its code changed or its isolate ended
		// while this page opened: the page is already stale.
		m.bury(id, owner, blockID, r)
		m.ended[r]++
		m.mu.Unlock()
		if r != ReasonIsolateEnded {
			m.rt.CloseSession(blockID, id)
		}
		return nil, &GoneError{Reason: r}
	}
	if turn.Ended {
		r := reasonOf(turn)
		m.bury(id, owner, blockID, r)
		m.ended[r]++
		m.mu.Unlock()
		return turn, nil
	}
	if m.closed {
		m.mu.Unlock()
		m.rt.CloseSession(blockID, id)
		return nil, ErrClosed
	}
	now := time.Now()
	s := &sess{id: id, owner: owner, blockID: blockID, code: code, last: *turn, active: now, tokAt: now,
		tokens: 2 * m.cfg.EventsPerSecond, watchers: map[uint64]func(Update){}}
	s.logs = appendLogs(nil, turn.Logs)
	m.sessions[id] = s
	if m.byBlock[blockID] == nil {
		m.byBlock[blockID] = map[string]*sess{}
	}
	m.byBlock[blockID][id] = s
	m.scheduleLocked(s, turn.NextTimer)
	m.mu.Unlock()
	return turn, nil
}

// ownedLocked counts owner's sessions, live and opening; m.mu held.
func (m *Manager) ownedLocked(owner string) int {
	n := 0
	for _, s := range m.sessions {
		if s.owner == owner {
			n++
		}
	}
	for _, ops := range m.opening {
		for op := range ops {
			if op.owner == owner {
				n++
			}
		}
	}
	return n
}

func (m *Manager) newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return m.cfg.InstanceID + "~" + base64.RawURLEncoding.EncodeToString(b[:])
}

// lookupLocked finds owner's live session sid of blockID; m.mu held.
func (m *Manager) lookupLocked(owner, blockID, sid string) (*sess, error) {
	inst := Instance(sid)
	if inst == "" {
		return nil, &GoneError{}
	}
	if inst != m.cfg.InstanceID {
		return nil, &MovedError{Instance: inst}
	}
	s := m.sessions[sid]
	if s == nil || s.ended || s.owner != owner || s.blockID != blockID {
		if t, ok := m.tombs[sid]; ok && t.owner == owner && t.blockID == blockID {
			return nil, &GoneError{Reason: t.reason}
		}
		return nil, &GoneError{}
	}
	return s, nil
}

// ValidateEvent checks an event before it costs a turn.
func ValidateEvent(ev isolate.UserEvent) error {
	switch {
	case ev.Type == "" || len(ev.Type) > 40:
		return fmt.Errorf("%w: \"type\" is required: an event type such as click, input, change, submit or keydown", ErrInvalidEvent)
	case strings.IndexFunc(ev.Type, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) >= 0:
		return fmt.Errorf("%w: \"type\" %q is not an event type (letters only)", ErrInvalidEvent, ev.Type)
	case ev.Target == "" && ev.Node <= 0:
		return fmt.Errorf("%w: name the element: \"target\" (a CSS selector) or \"node\" (a data-symposium-node id)", ErrInvalidEvent)
	case len(ev.Target) > 1024:
		return fmt.Errorf("%w: \"target\" is longer than 1024 characters", ErrInvalidEvent)
	case ev.Value != nil && len(*ev.Value) > 256<<10:
		return fmt.Errorf("%w: \"value\" is longer than 256 KiB", ErrInvalidEvent)
	case len(ev.Key) > 64:
		return fmt.Errorf("%w: \"key\" is longer than 64 characters", ErrInvalidEvent)
	}
	return nil
}

// Event runs one user event in owner's session sid of blockID and answers
// the turn (the new page, this turn's logs). A turn that ends the session
// (timeout, memory) answers Ended; the next event is ErrSessionGone.
func (m *Manager) Event(ctx context.Context, owner, blockID, sid string, ev isolate.UserEvent) (*isolate.Turn, error) {
	if err := ValidateEvent(ev); err != nil {
		return nil, err
	}
	m.mu.Lock()
	s, err := m.lookupLocked(owner, blockID, sid)
	if err == nil {
		err = m.takeLocked(s)
	}
	if err != nil {
		m.mu.Unlock()
		return nil, err
	}
	s.active = time.Now()
	m.mu.Unlock()
	m.events.Add(1)

	s.turnMu.Lock()
	defer s.turnMu.Unlock()
	m.mu.Lock()
	if s.ended {
		_, err := m.lookupLocked(owner, blockID, sid)
		m.mu.Unlock()
		return nil, err
	}
	m.mu.Unlock()
	// A client that goes away mid-turn must not end the page for a
	// timeout it did not cause: the turn is bounded by the runtime's
	// execution timeout, not by the request.
	turn, err := m.rt.Dispatch(context.WithoutCancel(ctx), blockID, sid, ev)
	if err != nil {
		if errors.Is(err, isolate.ErrNoSession) {
			m.end(s, ReasonIsolateEnded, nil, true, false)
			return nil, &GoneError{Reason: ReasonIsolateEnded}
		}
		return nil, err
	}
	turn.SessionID = sid
	m.record(s, turn, false)
	return turn, nil
}

// takeLocked takes one token of s's event bucket; m.mu held.
func (m *Manager) takeLocked(s *sess) error {
	rate := m.cfg.EventsPerSecond
	if rate < 0 {
		return nil
	}
	now := time.Now()
	s.tokens = math.Min(2*rate, s.tokens+now.Sub(s.tokAt).Seconds()*rate)
	s.tokAt = now
	if s.tokens >= 1 {
		s.tokens--
		return nil
	}
	wait := time.Duration((1 - s.tokens) / rate * float64(time.Second))
	return &RateError{RetryAfter: wait}
}

// record keeps a turn's outcome, schedules the next timer turn or ends the
// session; push says whether watchers hear of an ending (not when the
// turn's own caller is told). It reports whether the page changed.
func (m *Manager) record(s *sess, turn *isolate.Turn, push bool) bool {
	m.mu.Lock()
	if s.ended {
		m.mu.Unlock()
		return false
	}
	changed := turn.HTML != s.last.HTML && !(turn.Ended && turn.HTML == "")
	if turn.Ended && turn.HTML == "" {
		html, css := s.last.HTML, s.last.CSS
		s.last = *turn
		s.last.HTML, s.last.CSS = html, css
	} else {
		s.last = *turn
	}
	s.logs = appendLogs(s.logs, turn.Logs)
	if !turn.Ended {
		m.scheduleLocked(s, turn.NextTimer)
		m.mu.Unlock()
		return changed
	}
	after := m.endLocked(s, reasonOf(turn), turn, true, push)
	m.mu.Unlock()
	after()
	return changed
}

func appendLogs(have, more []isolate.Log) []isolate.Log {
	have = append(have, more...)
	if n := len(have) - maxLogs; n > 0 {
		have = append(have[:0:0], have[n:]...)
	}
	return have
}

// reasonOf is why a turn ended its session.
func reasonOf(t *isolate.Turn) Reason {
	switch t.Kind {
	case isolate.KindTimeout:
		return ReasonTimeout
	case isolate.KindOOM:
		return ReasonOOM
	case isolate.KindOK, "":
		return ReasonIsolateEnded
	}
	return ReasonCrash
}

// scheduleLocked arms s's timer turn after next (none when next < 0), no
// sooner than MinTick after its last one; m.mu held.
func (m *Manager) scheduleLocked(s *sess, next time.Duration) {
	s.gen++
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if next < 0 || m.closed {
		return
	}
	wait := next
	if soonest := time.Until(s.lastTick.Add(m.cfg.MinTick)); wait < soonest {
		wait = soonest
	}
	gen := s.gen
	s.timer = time.AfterFunc(wait, func() { m.tick(s, gen) })
}

// tick runs s's due timers and tells its watchers what changed.
func (m *Manager) tick(s *sess, gen uint64) {
	if !m.current(s, gen) {
		return
	}
	s.turnMu.Lock()
	defer s.turnMu.Unlock()
	if !m.current(s, gen) {
		return
	}
	m.mu.Lock()
	s.lastTick = time.Now()
	m.mu.Unlock()
	m.ticks.Add(1)
	turn, err := m.rt.Tick(m.ctx, s.blockID, s.id)
	if err != nil {
		switch {
		case errors.Is(err, isolate.ErrNoSession):
			m.end(s, ReasonIsolateEnded, nil, true, true)
		case m.ctx.Err() != nil:
		default:
			// Busy or briefly unavailable: try again shortly.
			m.logger.Warn("session: timer turn failed; retrying", "session", s.id, "err", err)
			m.mu.Lock()
			if !s.ended {
				m.scheduleLocked(s, 250*time.Millisecond)
			}
			m.mu.Unlock()
		}
		return
	}
	turn.SessionID = s.id
	changed := m.record(s, turn, true)
	if turn.Ended || !(changed || len(turn.Logs) > 0 || len(turn.Notices) > 0 || !turn.OK()) {
		return
	}
	m.notify(s, Update{SessionID: s.id, BlockID: s.blockID, Turn: turn, HTMLChanged: changed})
}

func (m *Manager) current(s *sess, gen uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !s.ended && s.gen == gen
}

// notify calls s's watchers (which must not block) outside the lock.
func (m *Manager) notify(s *sess, u Update) {
	m.mu.Lock()
	fns := make([]func(Update), 0, len(s.watchers))
	for _, fn := range s.watchers {
		fns = append(fns, fn)
	}
	m.mu.Unlock()
	for _, fn := range fns {
		fn(u)
	}
}

// end ends s for reason (see endLocked).
func (m *Manager) end(s *sess, reason Reason, turn *isolate.Turn, runtimeGone, push bool) {
	m.mu.Lock()
	after := m.endLocked(s, reason, turn, runtimeGone, push)
	m.mu.Unlock()
	after()
}

// endLocked forgets s and returns what to do once m.mu is released: close
// it in the runtime (unless runtimeGone: the runtime ended it already) and,
// if push, tell its watchers why.
func (m *Manager) endLocked(s *sess, reason Reason, turn *isolate.Turn, runtimeGone, push bool) func() {
	if s.ended {
		return func() {}
	}
	s.ended = true
	s.gen++
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	delete(m.sessions, s.id)
	if bs := m.byBlock[s.blockID]; bs != nil {
		delete(bs, s.id)
		if len(bs) == 0 {
			delete(m.byBlock, s.blockID)
		}
	}
	m.bury(s.id, s.owner, s.blockID, reason)
	m.ended[reason]++
	var fns []func(Update)
	if push {
		for _, fn := range s.watchers {
			fns = append(fns, fn)
		}
	}
	s.watchers = nil
	return func() {
		if !runtimeGone {
			m.rt.CloseSession(s.blockID, s.id)
		}
		u := Update{SessionID: s.id, BlockID: s.blockID, Turn: turn, Ended: true, Reason: reason}
		for _, fn := range fns {
			fn(u)
		}
	}
}

// bury remembers why a session ended, for a while; m.mu held.
func (m *Manager) bury(id, owner, blockID string, r Reason) {
	if _, ok := m.tombs[id]; !ok {
		m.tombRing = append(m.tombRing, id)
		if len(m.tombRing) > maxTombs {
			delete(m.tombs, m.tombRing[0])
			m.tombRing = m.tombRing[1:]
		}
	}
	m.tombs[id] = tomb{owner: owner, blockID: blockID, reason: r}
}

// Get answers owner's session's current state: its last turn's page, with
// the logs of its whole life (the latest 200). It counts as activity.
func (m *Manager) Get(owner, blockID, sid string) (*isolate.Turn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.lookupLocked(owner, blockID, sid)
	if err != nil {
		return nil, err
	}
	s.active = time.Now()
	t := s.last
	t.Logs = append([]isolate.Log(nil), s.logs...)
	return &t, nil
}

// Close ends owner's session (ReasonClosed).
func (m *Manager) Close(owner, blockID, sid string) error {
	m.mu.Lock()
	s, err := m.lookupLocked(owner, blockID, sid)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	after := m.endLocked(s, ReasonClosed, nil, false, true)
	m.mu.Unlock()
	after()
	return nil
}

// Watch calls fn with every timer turn that changed sid's page and with
// its ending; fn must not block. An unknown session is never called.
func (m *Manager) Watch(sid string, fn func(Update)) (cancel func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sessions[sid]
	if s == nil || s.ended {
		return func() {}
	}
	m.watchSeq++
	k := m.watchSeq
	s.watchers[k] = fn
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if s.watchers != nil {
			delete(s.watchers, k)
		}
	}
}

// EndBlock ends every session of blockID, telling their watchers reason.
func (m *Manager) EndBlock(blockID string, reason Reason) {
	m.endWhere(blockID, reason, func(*sess) bool { return true })
}

// CodePatch is a change of a block's code: nil parts are kept (an update
// changes some), an execute sets all three.
type CodePatch struct {
	HTML       *string `json:"html,omitempty"`
	CSS        *string `json:"css,omitempty"`
	JavaScript *string `json:"javascript,omitempty"`
}

// FullCode is the patch that sets all of c.
func FullCode(c isolate.Code) CodePatch {
	return CodePatch{HTML: &c.HTML, CSS: &c.CSS, JavaScript: &c.JavaScript}
}

// Apply is c with the patch applied.
func (p CodePatch) Apply(c isolate.Code) isolate.Code {
	if p.HTML != nil {
		c.HTML = *p.HTML
	}
	if p.CSS != nil {
		c.CSS = *p.CSS
	}
	if p.JavaScript != nil {
		c.JavaScript = *p.JavaScript
	}
	return c
}

// CodeChanged ends the sessions of blockID whose code p changes
// (ReasonCodeChanged); a patch that leaves a session's code as it was
// (a data-only update) ends nothing.
func (m *Manager) CodeChanged(blockID string, p CodePatch) {
	m.endWhere(blockID, ReasonCodeChanged, func(s *sess) bool { return p.Apply(s.code) != s.code })
}

func (m *Manager) endWhere(blockID string, reason Reason, pick func(*sess) bool) {
	m.mu.Lock()
	var afters []func()
	for _, s := range m.byBlock[blockID] {
		if pick(s) {
			afters = append(afters, m.endLocked(s, reason, nil, false, true))
		}
	}
	for op := range m.opening[blockID] {
		if op.ended == "" && pick(&sess{code: op.code}) {
			op.ended = reason
		}
	}
	m.mu.Unlock()
	for _, a := range afters {
		a()
	}
}

// IsolateEnded is isolate.WithSessionsEnded's callback: the sessions died
// with their isolate. It never blocks.
func (m *Manager) IsolateEnded(blockID string, sessionIDs []string, why isolate.EventType) {
	go func() {
		m.mu.Lock()
		var afters []func()
		for _, id := range sessionIDs {
			if s := m.sessions[id]; s != nil && s.blockID == blockID {
				afters = append(afters, m.endLocked(s, ReasonIsolateEnded, nil, true, true))
				continue
			}
			for op := range m.opening[blockID] {
				if op.id == id && op.ended == "" {
					op.ended = ReasonIsolateEnded // its first render finished in an isolate now gone
				}
			}
		}
		m.mu.Unlock()
		if len(afters) > 0 {
			m.logger.Info("session: isolate ended with live sessions", "block", blockID, "sessions", len(afters), "why", why)
		}
		for _, a := range afters {
			a()
		}
	}()
}

// janitor ends sessions idle for longer than IdleTimeout.
func (m *Manager) janitor() {
	defer m.wg.Done()
	every := min(max(m.cfg.IdleTimeout/10, 50*time.Millisecond), 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
		cutoff := time.Now().Add(-m.cfg.IdleTimeout)
		m.mu.Lock()
		var afters []func()
		for _, s := range m.sessions {
			if s.active.Before(cutoff) {
				afters = append(afters, m.endLocked(s, ReasonIdle, nil, false, true))
			}
		}
		m.mu.Unlock()
		for _, a := range afters {
			a()
		}
	}
}

// Stats are the manager's figures now.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := Stats{Open: len(m.sessions), Opened: m.opened.Load(), Events: m.events.Load(), Ticks: m.ticks.Load(),
		Ended: make(map[Reason]uint64, len(m.ended))}
	for r, n := range m.ended {
		st.Ended[r] = n
	}
	return st
}

// Shutdown ends every session (ReasonShutdown) and stops the timers.
func (m *Manager) Shutdown() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	var afters []func()
	for _, s := range m.sessions {
		afters = append(afters, m.endLocked(s, ReasonShutdown, nil, false, true))
	}
	m.mu.Unlock()
	for _, a := range afters {
		a()
	}
	m.cancel()
	m.wg.Wait()
}
