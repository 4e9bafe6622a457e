package isolate

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/symposium/symposium/ipc"
	"github.com/symposium/symposium/supervisor/cgroup"
)

// Config sets the runtime's limits. Zero values take the defaults.
type Config struct {
	RunnerPath  string        // the sandbox-runner binary
	RunDir      string        // shared by every instance on the host; each owns RunDir/<instance>; default /run/symposium
	InstanceID  string        // this supervisor's id ("i-..."); default: made up at start
	MaxIsolates int           // live isolates bound to blocks; default 10
	PoolSize    int           // pre-started runners kept at least; default 2, 0 keeps none when NoPool
	PoolMax     int           // the pool grows with the rate of new blocks up to this; default max(4*PoolSize, 8)
	NoPool      bool          // start every isolate on demand
	IdleTimeout time.Duration // an unused isolate is ended after this; default 5m
	ExecTimeout time.Duration // per execution, and per turn of a live session; default 5s
	// MaxSessionsPerIsolate bounds the live sessions one block's isolate
	// holds (each is a whole runtime in it); default 16, ErrSessionLimit
	// beyond. The runner's own cap (ipc.MaxRunnerSessions) is above it.
	MaxSessionsPerIsolate int
	// Locale and TimeZone are the blocks' defaults for Intl (BLOCK_LOCALE,
	// BLOCK_TIME_ZONE), sent with every execution; empty: en-US, UTC.
	Locale, TimeZone string
	// HealthInterval: health is ok only if a runner was started or served
	// within it; when idle the runtime starts one to find out. Default 30s.
	HealthInterval time.Duration
	SampleInterval time.Duration // how old a Sample may be; default 1s
	Limits         cgroup.Limits // per isolate
}

func (c *Config) defaults() {
	if c.RunDir == "" {
		c.RunDir = "/run/symposium"
	}
	if c.MaxIsolates <= 0 {
		c.MaxIsolates = 10
	}
	if c.PoolSize <= 0 && !c.NoPool {
		c.PoolSize = 2
	}
	if c.NoPool {
		c.PoolSize, c.PoolMax = 0, 0
	} else if c.PoolMax < c.PoolSize {
		c.PoolMax = max(4*c.PoolSize, 8)
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 5 * time.Minute
	}
	if c.ExecTimeout <= 0 {
		c.ExecTimeout = 5 * time.Second
	}
	if c.MaxSessionsPerIsolate <= 0 {
		c.MaxSessionsPerIsolate = 16
	}
	if c.HealthInterval <= 0 {
		c.HealthInterval = 30 * time.Second
	}
	if c.SampleInterval <= 0 {
		c.SampleInterval = time.Second
	}
}

// EventType names an isolate lifecycle event.
type EventType string

const (
	EventCreated    EventType = "isolate.created"
	EventExecuted   EventType = "isolate.executed"
	EventTerminated EventType = "isolate.terminated"
	EventDied       EventType = "isolate.died"
	EventIdle       EventType = "isolate.idle-timeout"
	// EventEvicted: the table was full and a new block took the place of
	// this least recently used one; its block gets a new isolate next time.
	EventEvicted EventType = "isolate.evicted"
)

// Event is one lifecycle event, for live views.
type Event struct {
	Type      EventType `json:"type"`
	IsolateID string    `json:"isolateId"`
	BlockID   string    `json:"blockId,omitempty"`
	Kind      Kind      `json:"kind,omitempty"`
	Message   string    `json:"message,omitempty"`
	Time      time.Time `json:"time"`
}

// HostFactory returns the Host service an isolate bound to blockID may call.
type HostFactory func(blockID string) ipc.HostServer

// Option configures a Runtime.
type Option func(*Runtime)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(r *Runtime) { r.logger = l } }

// WithHost offers scripts host capabilities (block data, fetch).
func WithHost(f HostFactory) Option { return func(r *Runtime) { r.host = f } }

// WithEvents receives lifecycle events. fn must not block.
func WithEvents(fn func(Event)) Option { return func(r *Runtime) { r.events = fn } }

// Runtime is the isolate runtime: it acquires an isolate for a block (from
// its table, or a pooled runner, evicting the least recently used idle one
// when the table is full), runs the block and releases it; it keeps the
// pool, classifies outcomes, samples the kernel's figures once for every
// reader, and knows whether it can start runners at all.
type Runtime struct {
	cfg    Config
	logger *slog.Logger
	host   HostFactory
	events func(Event)
	// sessionsEnded is told which live sessions ended with their isolate.
	sessionsEnded func(blockID string, sessionIDs []string, why EventType)
	spawn         func(context.Context) (*Isolate, error) // spawnWatched, or a fake in unit tests
	sp            *spawner                                // nil with a fake spawn
	inst          *instance                               // nil with a fake spawn
	cg            *cgroup.Manager                         // our own subtree; nil with a fake spawn
	pool          *pool

	mu    sync.Mutex
	table map[string]*slot
	ver   uint64 // bumped on every bind and unbind, for the sampler
	// clock orders uses for eviction: a counter, not wall time, whose
	// resolution can be coarse enough (a guest kernel's) to tie.
	clock  uint64
	closed bool

	outcomes outcomes
	health   health
	sampler  sampler

	stop chan struct{}
	wg   sync.WaitGroup
}

// slot is a block's place in the table; ready is closed once iso or err is
// set, so concurrent first requests for one block share one spawn.
type slot struct {
	block string
	ready chan struct{}
	iso   *Isolate
	err   error
	busy  int    // executions in flight or waiting for the isolate; under Runtime.mu
	used  uint64 // Runtime.clock at the last acquire or release; under Runtime.mu
	// execution is the host server's per-execution budget, if it has one;
	// set before ready is closed.
	execution interface{ BeginExecution() }
	// sessions are the live sessions in iso, by id; under Runtime.mu. They
	// end with the slot: whoever takes it out of the table takes them.
	sessions map[string]*session
	gone     bool // out of the table; under Runtime.mu
}

func (s *slot) isReady() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}

// New claims this instance's run directory and cgroup subtree under cg,
// reaps what dead instances left, and starts the pool. Close it to leave no
// runner, cgroup or directory behind.
func New(cfg Config, cg *cgroup.Manager, opts ...Option) (*Runtime, error) {
	cfg.defaults()
	if _, err := os.Stat(cfg.RunnerPath); err != nil {
		return nil, fmt.Errorf("%w: runner binary: %v", ErrSpawn, err)
	}
	r := newRuntime(cfg, opts...)
	inst, err := claimInstance(cfg.RunDir, cfg.InstanceID, r.logger)
	if err != nil {
		return nil, err
	}
	sub, err := cg.Sub(inst.id)
	if err != nil {
		_ = inst.release()
		return nil, fmt.Errorf("%w: cgroup subtree: %w", ErrSpawn, err)
	}
	reapOrphans(cfg.RunDir, inst.id, cg, r.logger)
	r.inst, r.cg, r.cfg.InstanceID = inst, sub, inst.id
	r.sp = &spawner{runnerPath: cfg.RunnerPath, cgroups: sub, limits: cfg.Limits, logger: r.logger,
		runDir: func() (string, error) { return inst.dir(), inst.ensure() }}
	r.sp.ns.logger = r.logger
	r.spawn = r.spawnWatched
	r.logger.Info("isolate runtime", "instance", inst.id, "runDir", inst.dir(), "maxIsolates", cfg.MaxIsolates, "pool", cfg.PoolSize, "poolMax", cfg.PoolMax)
	r.start()
	return r, nil
}

// newRuntime builds a runtime without starting it; New and unit tests
// (with a fake spawn) finish it.
func newRuntime(cfg Config, opts ...Option) *Runtime {
	r := &Runtime{cfg: cfg, logger: slog.New(slog.DiscardHandler), table: map[string]*slot{}, stop: make(chan struct{})}
	for _, o := range opts {
		o(r)
	}
	if r.events == nil {
		r.events = func(Event) {}
	}
	if r.sessionsEnded == nil {
		r.sessionsEnded = func(string, []string, EventType) {}
	}
	r.outcomes.init()
	return r
}

func (r *Runtime) start() {
	r.health.started = time.Now()
	r.pool = newPool(r.cfg.PoolSize, r.cfg.PoolMax, r.spawn, r.logger, &r.health)
	r.wg.Add(2)
	go r.reapIdle()
	go r.watchHealth()
}

// Config returns the effective configuration.
func (r *Runtime) Config() Config { return r.cfg }

// spawnWatched starts an isolate and a goroutine that notices its death.
func (r *Runtime) spawnWatched(ctx context.Context) (*Isolate, error) {
	iso, err := r.sp.spawn(ctx)
	if err != nil {
		r.health.failed(err)
		return nil, err
	}
	r.health.startedOne()
	go func() {
		<-iso.proc.Done()
		iso.readDeath()
		r.onDeath(iso)
	}()
	r.events(Event{Type: EventCreated, IsolateID: iso.ID, Time: time.Now()})
	return iso, nil
}

// Selftest starts a runner exactly as in service (namespaces, user, cgroup)
// in selftest mode and returns its JSON report.
func (r *Runtime) Selftest(ctx context.Context) ([]byte, error) {
	if r.sp == nil {
		return nil, fmt.Errorf("%w: no runner in this runtime", ErrSpawn)
	}
	return r.sp.selftest(ctx)
}

func (r *Runtime) onDeath(iso *Isolate) {
	var ended []string
	if b := iso.BlockID(); b != "" {
		r.mu.Lock()
		if s, ok := r.table[b]; ok && s.iso == iso {
			ended = r.dropLocked(s)
		}
		r.mu.Unlock()
	}
	defer r.endSessions(iso.BlockID(), ended, EventDied)
	killed := iso.killedBy.Load()
	iso.destroy()
	if killed == nil || *killed == KindTimeout {
		// Not a death we asked for (or a timeout kill): say so.
		r.logger.Warn("isolate died", "isolate", iso.ID, "block", iso.BlockID(), "kind", iso.deathKind, "reason", iso.deathMsg)
		r.events(Event{Type: EventDied, IsolateID: iso.ID, BlockID: iso.BlockID(), Kind: iso.deathKind, Message: iso.deathMsg, Time: time.Now()})
	}
	if r.pool != nil {
		r.pool.refill()
	}
}

// Run executes a block in its isolate, binding one first if the block has
// none. ErrCapacity means every isolate is executing right now.
func (r *Runtime) Run(ctx context.Context, blockID string, code Code, data []byte) (*Result, error) {
	s, err := r.acquire(ctx, blockID)
	if err != nil {
		return nil, err
	}
	if s.execution != nil {
		// Host-call bounds count per execution, not per time window.
		s.execution.BeginExecution()
	}
	res := s.iso.execute(ctx, ipc.Request{BlockID: blockID, Code: code, Data: data, Timeout: r.cfg.ExecTimeout, Locale: r.cfg.Locale, TimeZone: r.cfg.TimeZone})
	r.release(s)
	r.outcomes.observe(res)
	if res.Kind != KindCrash {
		r.health.servedOne()
	}
	r.events(Event{Type: EventExecuted, IsolateID: s.iso.ID, BlockID: blockID, Kind: res.Kind, Time: time.Now()})
	return res, nil
}

// acquire returns the block's slot with its isolate, marked busy.
func (r *Runtime) acquire(ctx context.Context, blockID string) (*slot, error) {
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, ErrClosed
		}
		r.clock++
		now := r.clock
		if s, ok := r.table[blockID]; ok {
			s.busy++
			s.used = now
			r.mu.Unlock()
			<-s.ready
			if s.err == nil && !s.iso.Dead() {
				return s, nil
			}
			r.mu.Lock()
			s.busy--
			ended := r.dropLocked(s)
			r.mu.Unlock()
			r.endSessions(blockID, ended, EventDied)
			if s.err != nil {
				return nil, s.err
			}
			continue // it died: bind a new one
		}
		var victim *slot
		var evicted []string
		if len(r.table) >= r.cfg.MaxIsolates {
			if victim = r.leastRecentIdle(); victim == nil {
				r.mu.Unlock()
				return nil, ErrCapacity
			}
			evicted = r.dropLocked(victim)
		}
		s := &slot{block: blockID, ready: make(chan struct{}), busy: 1, used: now}
		r.table[blockID] = s
		r.ver++
		r.mu.Unlock()
		if victim != nil {
			r.evict(victim.iso)
			r.endSessions(victim.block, evicted, EventEvicted)
		}

		iso, err := r.pool.get(ctx)
		if err == nil {
			if r.host != nil {
				h := r.host(blockID)
				iso.sb.ServeHost(h)
				s.execution, _ = h.(interface{ BeginExecution() })
			}
			iso.blockID.Store(&blockID)
		}
		// Under the lock: onDeath compares s.iso while holding it, and a
		// runner may die before ready is closed. Becoming ready changes
		// what the table shows, so the sampler's cached view is renewed.
		r.mu.Lock()
		s.iso, s.err = iso, err
		close(s.ready)
		r.ver++
		r.mu.Unlock()
		if err != nil {
			r.mu.Lock()
			s.busy--
			r.dropLocked(s) // it never held a session
			r.mu.Unlock()
			return nil, err
		}
		return s, nil
	}
}

// leastRecentIdle picks the slot to evict: a dead isolate first, else the
// least recently used that is neither executing nor starting, one without
// live sessions before one with (evicting that ends its viewers' pages).
// Called with r.mu held.
func (r *Runtime) leastRecentIdle() *slot {
	var best, bestLive *slot
	for _, s := range r.table {
		if s.busy > 0 || !s.isReady() {
			continue
		}
		if s.err != nil || s.iso.Dead() {
			return s
		}
		if len(s.sessions) > 0 {
			if bestLive == nil || s.used < bestLive.used {
				bestLive = s
			}
			continue
		}
		if best == nil || s.used < best.used {
			best = s
		}
	}
	if best == nil {
		return bestLive
	}
	return best
}

// dropLocked takes s out of the table, if it is still there, and hands over
// the sessions it held (each exactly once) for endSessions once r.mu is
// released. Called with r.mu held.
func (r *Runtime) dropLocked(s *slot) []string {
	if cur, ok := r.table[s.block]; ok && cur == s {
		delete(r.table, s.block)
		r.ver++
	}
	s.gone = true
	if len(s.sessions) == 0 {
		return nil
	}
	ids := make([]string, 0, len(s.sessions))
	for id := range s.sessions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	s.sessions = nil
	if s.iso != nil {
		s.iso.sessions.Store(0)
	}
	return ids
}

// endSessions tells WithSessionsEnded's function, if any sessions ended.
func (r *Runtime) endSessions(blockID string, ids []string, why EventType) {
	if len(ids) == 0 {
		return
	}
	r.logger.Info("live sessions ended with their isolate", "block", blockID, "sessions", len(ids), "why", why)
	r.sessionsEnded(blockID, ids, why)
}

func (r *Runtime) release(s *slot) {
	r.mu.Lock()
	s.busy--
	r.clock++
	s.used = r.clock
	r.mu.Unlock()
}

// End ends the block's isolate, if it has one; it reports whether it had.
// An execution in flight in it ends as a crash.
// Its live sessions end (WithSessionsEnded, EventTerminated).
func (r *Runtime) End(blockID string) bool {
	iso, ended := r.unbind(blockID, false)
	r.retire(iso, EventTerminated)
	r.endSessions(blockID, ended, EventTerminated)
	return iso != nil
}

// EndIdle ends the block's isolate only if it is neither executing nor
// holding live sessions (a tenant's isolate quota makes room this way
// without cutting a viewer's page off); it reports whether it ended one.
func (r *Runtime) EndIdle(blockID string) bool {
	iso, _ := r.unbind(blockID, true)
	r.retire(iso, EventEvicted)
	return iso != nil
}

// unbind takes the block's ready isolate out of the table, with the
// sessions it held; onlyIdle keeps one that is executing or holds sessions.
func (r *Runtime) unbind(blockID string, onlyIdle bool) (*Isolate, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.table[blockID]
	if !ok || !s.isReady() || s.err != nil || (onlyIdle && (s.busy > 0 || len(s.sessions) > 0)) {
		return nil, nil // absent, or still starting: the idle reaper gets it later
	}
	return s.iso, r.dropLocked(s)
}

// evict ends an idle isolate to make room. Its runner gets SIGKILL now (one
// syscall: seccomp lets it have no child processes); its death watcher then
// removes its cgroup off this request's path, as for any death.
func (r *Runtime) evict(iso *Isolate) {
	k := KindOK
	iso.killedBy.CompareAndSwap(nil, &k)
	r.events(Event{Type: EventEvicted, IsolateID: iso.ID, BlockID: iso.BlockID(), Time: time.Now()})
	if iso.proc == nil || iso.proc.SendKill() != nil {
		go iso.destroy()
	}
}

// retire ends an isolate on purpose.
func (r *Runtime) retire(iso *Isolate, why EventType) {
	if iso == nil {
		return
	}
	k := KindOK
	iso.killedBy.CompareAndSwap(nil, &k)
	iso.destroy()
	r.events(Event{Type: why, IsolateID: iso.ID, BlockID: iso.BlockID(), Time: time.Now()})
}

// Live reports whether the block has a live isolate now.
func (r *Runtime) Live(blockID string) bool {
	r.mu.Lock()
	s, ok := r.table[blockID]
	r.mu.Unlock()
	return ok && s.isReady() && s.err == nil && !s.iso.Dead()
}

// LiveBlocks is the set of blocks with a live isolate now.
func (r *Runtime) LiveBlocks() map[string]bool {
	out := map[string]bool{}
	for _, iso := range r.isolates() {
		out[iso.BlockID()] = true
	}
	return out
}

// isolates lists the live isolates bound to blocks, by block id.
func (r *Runtime) isolates() []*Isolate {
	r.mu.Lock()
	out := make([]*Isolate, 0, len(r.table))
	for _, s := range r.table {
		if s.isReady() && s.iso != nil && !s.iso.Dead() {
			out = append(out, s.iso)
		}
	}
	r.mu.Unlock()
	sort.Slice(out, func(a, b int) bool { return out[a].BlockID() < out[b].BlockID() })
	return out
}

// find returns the live isolate bound to a block id, or with that isolate id.
func (r *Runtime) find(id string) (*Isolate, bool) {
	for _, iso := range r.isolates() {
		if iso.BlockID() == id || iso.ID == id {
			return iso, true
		}
	}
	return nil, false
}

// reapIdle ends isolates nobody has used for IdleTimeout. One holding live
// sessions is never idle: the sessions' own idle timeout (the session
// manager's) ends them first.
func (r *Runtime) reapIdle() {
	defer r.wg.Done()
	every := min(r.cfg.IdleTimeout/4, 30*time.Second)
	t := time.NewTicker(max(every, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		cutoff := time.Now().Add(-r.cfg.IdleTimeout)
		for _, iso := range r.isolates() {
			if iso.inflight.Load() == 0 && iso.Sessions() == 0 && iso.LastUsed().Before(cutoff) {
				if got, _ := r.unbind(iso.BlockID(), true); got == iso {
					r.logger.Info("isolate idle, ending it", "isolate", iso.ID, "block", iso.BlockID())
					r.retire(iso, EventIdle)
				}
			}
		}
	}
}

// Close ends every isolate and removes this instance's cgroups and run
// directory. New executions fail with ErrClosed; live sessions end
// (WithSessionsEnded, EventTerminated).
func (r *Runtime) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	slots := make([]*slot, 0, len(r.table))
	for _, s := range r.table {
		slots = append(slots, s)
	}
	ended := map[string][]string{}
	for _, s := range slots {
		if ids := r.dropLocked(s); len(ids) > 0 {
			ended[s.block] = ids
		}
	}
	r.table = map[string]*slot{}
	r.mu.Unlock()
	defer func() {
		for b, ids := range ended {
			r.endSessions(b, ids, EventTerminated)
		}
	}()
	close(r.stop)
	r.pool.close()
	var wg sync.WaitGroup
	for _, s := range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-s.ready
			r.retire(s.iso, EventTerminated)
		}()
	}
	wg.Wait()
	r.wg.Wait()
	var err error
	if r.cg != nil {
		err = r.cg.Close()
	}
	if r.inst != nil {
		if e := r.inst.release(); e != nil && err == nil {
			err = e
		}
	}
	return err
}
