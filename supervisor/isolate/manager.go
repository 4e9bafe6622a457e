package isolate

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/symposium/symposium/ipc/sandboxpb"
	"github.com/symposium/symposium/supervisor/cgroup"
)

// Config sets the manager's limits. Zero values take the defaults.
type Config struct {
	RunnerPath  string        // the sandbox-runner binary
	RunDir      string        // where runners' socket directories live; default /run/symposium
	MaxIsolates int           // isolates bound to blocks at once; default 10
	PoolSize    int           // pre-started runners; default 2, 0 keeps none when NoPool
	NoPool      bool          // start every isolate on demand
	IdleTimeout time.Duration // an unused isolate is ended after this; default 5m
	ExecTimeout time.Duration // per execution; default 5s
	Limits      cgroup.Limits // per isolate
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
		c.PoolSize = 0
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 5 * time.Minute
	}
	if c.ExecTimeout <= 0 {
		c.ExecTimeout = 5 * time.Second
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
type HostFactory func(blockID string) sandboxpb.HostServer

// Option configures a Manager.
type Option func(*Manager)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(m *Manager) { m.logger = l } }

// WithBlockStore persists blocks and outputs.
func WithBlockStore(s BlockStore) Option { return func(m *Manager) { m.store = s } }

// WithHost offers scripts host capabilities (block data, fetch).
func WithHost(f HostFactory) Option { return func(m *Manager) { m.host = f } }

// WithEvents receives lifecycle events. fn must not block.
func WithEvents(fn func(Event)) Option { return func(m *Manager) { m.events = fn } }

// Manager keeps one isolate per content block.
type Manager struct {
	cfg    Config
	logger *slog.Logger
	store  BlockStore
	host   HostFactory
	events func(Event)
	sp     *spawner
	pool   *pool

	mu      sync.Mutex
	byBlock map[string]*slot
	closed  bool

	recentMu sync.Mutex
	recent   map[string]*written // what this instance last wrote per block

	stop chan struct{}
	wg   sync.WaitGroup
}

// slot is a block's place in the table; ready is closed once iso or err is set,
// so concurrent first requests for one block share one spawn.
type slot struct {
	ready chan struct{}
	iso   *Isolate
	err   error
}

// NewManager starts the pool and the idle reaper. Close it to leave no runner
// and no cgroup behind.
func NewManager(cfg Config, cg *cgroup.Manager, opts ...Option) (*Manager, error) {
	cfg.defaults()
	if _, err := os.Stat(cfg.RunnerPath); err != nil {
		return nil, fmt.Errorf("%w: runner binary: %v", ErrSpawn, err)
	}
	m := &Manager{cfg: cfg, logger: slog.New(slog.DiscardHandler), byBlock: map[string]*slot{}, recent: map[string]*written{}, stop: make(chan struct{})}
	for _, o := range opts {
		o(m)
	}
	if m.store == nil {
		m.store = newMemStore()
	}
	if m.events == nil {
		m.events = func(Event) {}
	}
	// Socket directories of a previous run are stale: their runners died with it.
	_ = os.RemoveAll(cfg.RunDir)
	if err := os.MkdirAll(cfg.RunDir, 0o711); err != nil {
		return nil, fmt.Errorf("%w: run dir: %v", ErrSpawn, err)
	}
	m.sp = &spawner{runnerPath: cfg.RunnerPath, runDir: cfg.RunDir, cgroups: cg, limits: cfg.Limits, logger: m.logger}
	m.pool = newPool(cfg.PoolSize, m.spawnWatched, m.logger)
	m.wg.Add(1)
	go m.reapIdle()
	return m, nil
}

// Config returns the effective configuration.
func (m *Manager) Config() Config { return m.cfg }

// spawnWatched starts an isolate and a goroutine that notices its death.
func (m *Manager) spawnWatched(ctx context.Context) (*Isolate, error) {
	iso, err := m.sp.spawn(ctx)
	if err != nil {
		return nil, err
	}
	go func() {
		<-iso.proc.Done()
		iso.readDeath()
		m.onDeath(iso)
	}()
	m.events(Event{Type: EventCreated, IsolateID: iso.ID, Time: time.Now()})
	return iso, nil
}

// Selftest starts a runner exactly as in service (namespaces, user, cgroup)
// in selftest mode and returns its JSON report.
func (m *Manager) Selftest(ctx context.Context) ([]byte, error) {
	return m.sp.selftest(ctx)
}

func (m *Manager) onDeath(iso *Isolate) {
	if b := iso.BlockID(); b != "" {
		m.mu.Lock()
		if s, ok := m.byBlock[b]; ok && s.iso == iso {
			delete(m.byBlock, b)
		}
		m.mu.Unlock()
	}
	killed := iso.killedBy.Load()
	iso.destroy()
	if killed == nil || *killed == KindTimeout {
		// Not a death we asked for (or a timeout kill): say so.
		m.logger.Warn("isolate died", "isolate", iso.ID, "block", iso.BlockID(), "kind", iso.deathKind, "reason", iso.deathMsg)
		m.events(Event{Type: EventDied, IsolateID: iso.ID, BlockID: iso.BlockID(), Kind: iso.deathKind, Message: iso.deathMsg, Time: time.Now()})
	}
	m.pool.refill()
}

// Execute runs the block in its isolate, creating one if needed, then
// stores the block and its output. A new or changed block is stored with its
// output in one write; an unchanged one only if its output changed.
func (m *Manager) Execute(ctx context.Context, b Block) (*Result, error) {
	if b.Name == "" {
		// Keep the display name a rename gave it.
		m.recentMu.Lock()
		w, ok := m.recent[b.ID]
		m.recentMu.Unlock()
		if ok {
			b.Name = w.block.Name
		} else if old, ok, err := m.store.LoadBlock(ctx, b.ID); err == nil && ok {
			b.Name = old.Name
		}
	}
	blockSaved := m.unchanged(b.ID, func(w *written) bool { return w.block.equal(b) && time.Since(w.blockAt) < rewriteAfter })
	res, err := m.run(ctx, b)
	if err != nil {
		return nil, err
	}
	switch {
	case !blockSaved:
		b.UpdatedAt = time.Now().UTC()
		if err := m.store.SaveRun(ctx, b, res); err != nil {
			return nil, fmt.Errorf("%w: save block: %w", ErrStorage, err)
		}
		m.remember(b.ID, func(w *written) { w.block, w.blockAt, w.out, w.outAt = b, time.Now(), res, time.Now() })
	case !m.unchanged(b.ID, func(w *written) bool { return sameOutput(w.out, res) && time.Since(w.outAt) < rewriteAfter }):
		if err := m.store.SaveOutput(ctx, b.ID, res); err != nil {
			return nil, fmt.Errorf("%w: save output: %w", ErrStorage, err)
		}
		m.remember(b.ID, func(w *written) { w.out, w.outAt = res, time.Now() })
	}
	return res, nil
}

// rewriteAfter bounds how long this instance trusts its memory of what it
// wrote: another instance sharing the store may have written since.
const rewriteAfter = 2 * time.Second

// written is what this instance last stored for a block, so that a warm
// re-execution of unchanged code with unchanged output costs no write.
type written struct {
	block   Block
	blockAt time.Time
	out     *Result
	outAt   time.Time
}

func (b Block) equal(o Block) bool {
	return b.ID == o.ID && b.Name == o.Name && b.Code == o.Code && string(b.Data) == string(o.Data)
}

func sameOutput(a, b *Result) bool {
	if a == nil || b == nil || a.HTML != b.HTML || a.CSS != b.CSS || a.Kind != b.Kind || a.Message != b.Message || len(a.Logs) != len(b.Logs) {
		return false
	}
	for i := range a.Logs {
		if a.Logs[i] != b.Logs[i] {
			return false
		}
	}
	return true
}

func (m *Manager) unchanged(id string, same func(*written) bool) bool {
	m.recentMu.Lock()
	defer m.recentMu.Unlock()
	w, ok := m.recent[id]
	return ok && same(w)
}

func (m *Manager) remember(id string, set func(*written)) {
	m.recentMu.Lock()
	defer m.recentMu.Unlock()
	w, ok := m.recent[id]
	if !ok {
		w = &written{}
		m.recent[id] = w
	}
	set(w)
}

func (m *Manager) forget(id string) {
	m.recentMu.Lock()
	defer m.recentMu.Unlock()
	delete(m.recent, id)
}

// Patch is a partial update of a block; nil fields keep their value.
type Patch struct {
	HTML, CSS, JavaScript *string
	Data                  []byte
}

// Update merges a partial change into a known block and re-executes it in
// the same isolate.
func (m *Manager) Update(ctx context.Context, id string, p Patch) (*Result, error) {
	b, ok, err := m.store.LoadBlock(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%w: load block: %w", ErrStorage, err)
	}
	if !ok {
		return nil, ErrUnknownBlock
	}
	if p.HTML != nil {
		b.Code.HTML = *p.HTML
	}
	if p.CSS != nil {
		b.Code.CSS = *p.CSS
	}
	if p.JavaScript != nil {
		b.Code.JavaScript = *p.JavaScript
	}
	if p.Data != nil {
		b.Data = p.Data
	}
	return m.Execute(ctx, b)
}

func (m *Manager) run(ctx context.Context, b Block) (*Result, error) {
	iso, err := m.isolateFor(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	res := iso.execute(ctx, b.ID, b.Code, b.Data, m.cfg.ExecTimeout)
	m.events(Event{Type: EventExecuted, IsolateID: iso.ID, BlockID: b.ID, Kind: res.Kind, Time: time.Now()})
	return res, nil
}

// isolateFor returns the block's live isolate, or binds a new one.
func (m *Manager) isolateFor(ctx context.Context, blockID string) (*Isolate, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	if s, ok := m.byBlock[blockID]; ok {
		m.mu.Unlock()
		<-s.ready
		if s.err == nil && !s.iso.Dead() {
			return s.iso, nil
		}
		m.mu.Lock()
		if cur, ok := m.byBlock[blockID]; ok && cur == s {
			delete(m.byBlock, blockID)
		}
		m.mu.Unlock()
		if s.err != nil {
			return nil, s.err
		}
		return m.isolateFor(ctx, blockID)
	}
	if len(m.byBlock) >= m.cfg.MaxIsolates {
		m.mu.Unlock()
		return nil, ErrCapacity
	}
	s := &slot{ready: make(chan struct{})}
	m.byBlock[blockID] = s
	m.mu.Unlock()

	iso, err := m.pool.get(ctx)
	if err == nil {
		if h := m.host; h != nil {
			iso.sb.ServeHost(h(blockID))
		}
		iso.blockID.Store(&blockID)
	}
	s.iso, s.err = iso, err
	close(s.ready)
	if err != nil {
		m.mu.Lock()
		if cur, ok := m.byBlock[blockID]; ok && cur == s {
			delete(m.byBlock, blockID)
		}
		m.mu.Unlock()
		return nil, err
	}
	return iso, nil
}

// Terminate ends the block's isolate and forgets the block, its data and its
// output. It returns ErrUnknownBlock if there was nothing to delete.
func (m *Manager) Terminate(ctx context.Context, blockID string) error {
	iso := m.unbind(blockID)
	_, known, err := m.store.LoadBlock(ctx, blockID)
	if err != nil {
		return fmt.Errorf("%w: load block: %w", ErrStorage, err)
	}
	if iso == nil && !known {
		return ErrUnknownBlock
	}
	if iso != nil {
		m.retire(iso, EventTerminated)
	}
	m.forget(blockID)
	if err := m.store.DeleteBlock(ctx, blockID); err != nil {
		return fmt.Errorf("%w: delete block: %w", ErrStorage, err)
	}
	return nil
}

func (m *Manager) unbind(blockID string) *Isolate {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.byBlock[blockID]
	if !ok {
		return nil
	}
	select {
	case <-s.ready:
	default:
		return nil // still starting; the idle reaper will get it
	}
	delete(m.byBlock, blockID)
	return s.iso
}

// retire ends an isolate on purpose.
func (m *Manager) retire(iso *Isolate, why EventType) {
	if iso == nil {
		return
	}
	k := KindOK
	iso.killedBy.CompareAndSwap(nil, &k)
	iso.destroy()
	m.events(Event{Type: why, IsolateID: iso.ID, BlockID: iso.BlockID(), Time: time.Now()})
}

// Blocks lists the known blocks.
func (m *Manager) Blocks(ctx context.Context) ([]Block, error) {
	b, err := m.store.ListBlocks(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: list blocks: %w", ErrStorage, err)
	}
	return b, nil
}

// Rename sets a block's display name without running it.
func (m *Manager) Rename(ctx context.Context, id, name string) error {
	b, ok, err := m.store.LoadBlock(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: load block: %w", ErrStorage, err)
	}
	if !ok {
		return ErrUnknownBlock
	}
	b.Name = name
	if err := m.store.SaveBlock(ctx, b); err != nil {
		return fmt.Errorf("%w: save block: %w", ErrStorage, err)
	}
	m.forget(id)
	return nil
}

// Output returns the last result of a block.
func (m *Manager) Output(ctx context.Context, blockID string) (*Result, error) {
	r, ok, err := m.store.LoadOutput(ctx, blockID)
	if err != nil {
		return nil, fmt.Errorf("%w: load output: %w", ErrStorage, err)
	}
	if !ok {
		return nil, ErrUnknownBlock
	}
	return r, nil
}

// Isolates lists the live isolates bound to blocks, by block id.
func (m *Manager) Isolates() []*Isolate {
	m.mu.Lock()
	out := make([]*Isolate, 0, len(m.byBlock))
	for _, s := range m.byBlock {
		select {
		case <-s.ready:
			if s.iso != nil && !s.iso.Dead() {
				out = append(out, s.iso)
			}
		default:
		}
	}
	m.mu.Unlock()
	sort.Slice(out, func(a, b int) bool { return out[a].BlockID() < out[b].BlockID() })
	return out
}

// Pooled lists the pre-started isolates waiting for a block.
func (m *Manager) Pooled() []*Isolate { return m.pool.list() }

// Find returns the isolate bound to a block id, or with that isolate id.
func (m *Manager) Find(id string) (*Isolate, bool) {
	for _, iso := range m.Isolates() {
		if iso.BlockID() == id || iso.ID == id {
			return iso, true
		}
	}
	return nil, false
}

// reapIdle ends isolates nobody has used for IdleTimeout.
func (m *Manager) reapIdle() {
	defer m.wg.Done()
	every := min(m.cfg.IdleTimeout/4, 30*time.Second)
	t := time.NewTicker(max(every, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		cutoff := time.Now().Add(-m.cfg.IdleTimeout)
		for _, iso := range m.Isolates() {
			if iso.inflight.Load() == 0 && iso.LastUsed().Before(cutoff) {
				if m.unbind(iso.BlockID()) == iso {
					m.logger.Info("isolate idle, ending it", "isolate", iso.ID, "block", iso.BlockID())
					m.retire(iso, EventIdle)
					m.forget(iso.BlockID())
				}
			}
		}
	}
}

// Close ends every isolate and removes their cgroups. New executions fail
// with ErrClosed.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	slots := m.byBlock
	m.byBlock = map[string]*slot{}
	m.mu.Unlock()
	close(m.stop)
	m.pool.close()
	var wg sync.WaitGroup
	for _, s := range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-s.ready
			m.retire(s.iso, EventTerminated)
		}()
	}
	wg.Wait()
	m.wg.Wait()
	return os.RemoveAll(filepath.Clean(m.cfg.RunDir))
}
