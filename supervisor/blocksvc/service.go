package blocksvc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/symposium/symposium/supervisor/isolate"
)

// Runtime is what the service needs of the isolate runtime.
type Runtime interface {
	Run(ctx context.Context, blockID string, code isolate.Code, data []byte) (*isolate.Result, error)
	End(blockID string) bool
	LiveBlocks() map[string]bool
}

// Option configures a Service.
type Option func(*Service)

// WithStore persists blocks and outputs (default: in memory).
func WithStore(s Store) Option { return func(v *Service) { v.store = s } }

// Service runs blocks in the runtime and keeps them in the store.
type Service struct {
	rt     Runtime
	store  Store
	fenced FencedStore // store, when it can fence writes by epoch; else nil
	limits Limits
	render Renderer
	quota  Quota
	usage  usage
	gate   gate

	tenantOf    func(blockID string) string // nil: no tenants
	tenantQuota TenantQuota
	runs        tenantRuns
	now         func() time.Time

	recentMu sync.Mutex
	recent   map[string]*written // what this instance last wrote per block
}

// New returns a service over rt.
func New(rt Runtime, opts ...Option) *Service {
	s := &Service{rt: rt, recent: map[string]*written{}, limits: DefaultLimits, quota: DefaultQuota,
		tenantQuota: DefaultTenantQuota, now: time.Now,
		runs: tenantRuns{inflight: map[string]int{}, lastRun: map[string]map[string]time.Time{}, buckets: map[string]*bucket{}}}
	for _, o := range opts {
		o(s)
	}
	if s.store == nil {
		s.store = newMemStore()
	}
	s.fenced, _ = s.store.(FencedStore)
	return s
}

// rewriteAfter bounds how long this instance trusts its memory of what it
// wrote: another instance sharing the store may have written since.
const rewriteAfter = 2 * time.Second

// written is what this instance last stored for a block, so that a warm
// re-execution of unchanged code with unchanged output costs no write.
type written struct {
	block   Block
	blockAt time.Time
	out     *isolate.Result
	outAt   time.Time
	epoch   uint64 // the block's store epoch when written
}

// Execute runs the block, then stores it and its output. A new or changed
// block is stored with its output in one write; an unchanged one only if
// its output changed. The block is stored even when its run is refused for
// capacity, so what its author typed is not lost. A block too large to
// store is refused before it runs (ErrTooLarge), as is one past a quota
// (ErrQuota; a tenant's isolate or rate quota as a *QuotaError); an output
// over a limit is answered as isolate.KindOutputTooLarge and only the block
// is stored. If the block is deleted while it runs, on this instance or (with
// a FencedStore) any other, nothing is stored and the answer is ErrDeleted.
func (s *Service) Execute(ctx context.Context, b Block) (*isolate.Result, error) {
	return s.execute(ctx, b, nil)
}

// epochOf is the block's store epoch (0 without a FencedStore).
func (s *Service) epochOf(ctx context.Context, id string) (uint64, error) {
	if s.fenced == nil {
		return 0, nil
	}
	e, err := s.fenced.Epoch(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("%w: read epoch: %w", ErrStorage, err)
	}
	return e, nil
}

// execute is Execute; pinned, when set, is the store epoch the caller
// noted before it read the block (Update), so a delete since then wins.
func (s *Service) execute(ctx context.Context, b Block, pinned *uint64) (*isolate.Result, error) {
	b.Live = false
	if err := s.checkBlock(b); err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, nil); err != nil {
		return nil, err
	}
	done, err := s.startRun(b.ID)
	if err != nil {
		return nil, err
	}
	defer done()
	g, epoch := s.gate.enter(b.ID)
	defer s.gate.leave(b.ID, g)
	var stEpoch uint64
	if pinned != nil {
		stEpoch = *pinned
	} else if stEpoch, err = s.epochOf(ctx, b.ID); err != nil {
		return nil, err
	}
	if b.Name == "" {
		// Keep the display name a rename gave it.
		s.recentMu.Lock()
		w, ok := s.recent[b.ID]
		s.recentMu.Unlock()
		if ok && w.epoch == stEpoch {
			b.Name = w.block.Name
		} else if old, ok, err := s.store.LoadBlock(ctx, b.ID); err == nil && ok {
			b.Name = old.Name
		}
	}
	blockSaved := s.unchanged(b.ID, func(w *written) bool {
		return w.block.equal(b) && w.epoch == stEpoch && time.Since(w.blockAt) < rewriteAfter
	})
	res, err := s.rt.Run(ctx, b.ID, b.Code, b.Data)
	if err == nil {
		res = s.boundOutput(res)
		s.renderPage(b.ID, res)
	}
	// The check and the write happen under the block's lock, which Delete
	// holds while it deletes: a delete either precedes this write and is
	// seen, or follows it and removes what was written. A delete on another
	// instance changes the store epoch, which the write checks.
	g.mu.Lock()
	defer g.mu.Unlock()
	if !s.gate.current(g, epoch) {
		return nil, s.deleted(ctx, b.ID, stEpoch)
	}
	if err != nil || res.Kind == isolate.KindOutputTooLarge {
		if !blockSaved {
			b.UpdatedAt = time.Now().UTC()
			serr := s.saveBlock(ctx, b, stEpoch)
			switch {
			case serr == nil:
				s.account(b, nil)
				s.remember(b.ID, func(w *written) { w.block, w.blockAt, w.epoch = b, time.Now(), stEpoch })
			case errors.Is(serr, ErrDeleted):
				return nil, s.deleted(ctx, b.ID, stEpoch)
			case err == nil:
				return nil, fmt.Errorf("%w: save block: %w", ErrStorage, serr)
			}
		}
		return res, err
	}
	if err := s.admit(ctx, b, res); err != nil {
		return nil, err
	}
	switch {
	case !blockSaved:
		b.UpdatedAt = time.Now().UTC()
		if err := s.saveRun(ctx, b, res, stEpoch); err != nil {
			return nil, s.writeFailed(ctx, b.ID, stEpoch, "save block", err)
		}
		s.account(b, res)
		s.remember(b.ID, func(w *written) {
			w.block, w.blockAt, w.out, w.outAt, w.epoch = b, time.Now(), res, time.Now(), stEpoch
		})
	case !s.unchanged(b.ID, func(w *written) bool { return sameOutput(w.out, res) && time.Since(w.outAt) < rewriteAfter }):
		if err := s.saveOutput(ctx, b.ID, res, stEpoch); err != nil {
			return nil, s.writeFailed(ctx, b.ID, stEpoch, "save output", err)
		}
		s.accountOutput(b.ID, res)
		s.remember(b.ID, func(w *written) { w.out, w.outAt = res, time.Now() })
	}
	return res, nil
}

// The store writes of an execution, fenced by the epoch it noted when the
// store can.
func (s *Service) saveBlock(ctx context.Context, b Block, epoch uint64) error {
	if s.fenced != nil {
		return s.fenced.SaveBlockAt(ctx, b, epoch)
	}
	return s.store.SaveBlock(ctx, b)
}

func (s *Service) saveRun(ctx context.Context, b Block, r *isolate.Result, epoch uint64) error {
	if s.fenced != nil {
		return s.fenced.SaveRunAt(ctx, b, r, epoch)
	}
	return s.store.SaveRun(ctx, b, r)
}

func (s *Service) saveOutput(ctx context.Context, id string, r *isolate.Result, epoch uint64) error {
	if s.fenced != nil {
		return s.fenced.SaveOutputAt(ctx, id, r, epoch)
	}
	return s.store.SaveOutput(ctx, id, r)
}

// writeFailed is the answer to a failed execution write: ErrDeleted when
// the store found the block deleted meanwhile, else ErrStorage.
func (s *Service) writeFailed(ctx context.Context, id string, epoch uint64, what string, err error) error {
	if errors.Is(err, ErrDeleted) {
		return s.deleted(ctx, id, epoch)
	}
	return fmt.Errorf("%w: %s: %w", ErrStorage, what, err)
}

// deleted finishes an execution (that noted store epoch) whose block was
// deleted while it ran: it forgets what it remembered writing and removes
// what the run may have saved behind the delete (data saved after it),
// unless a newer block is stored, so the delete's answer holds; this
// instance's tally then forgets the block too. It returns ErrDeleted.
func (s *Service) deleted(ctx context.Context, id string, epoch uint64) error {
	s.forget(id)
	if s.fenced == nil {
		return ErrDeleted
	}
	if purged, err := s.fenced.PurgeDeleted(ctx, id, epoch); err == nil && purged {
		s.accountDelete(id)
	}
	return ErrDeleted
}

func sameOutput(a, b *isolate.Result) bool {
	if a == nil || b == nil || a.HTML != b.HTML || a.CSS != b.CSS || a.Kind != b.Kind || a.Message != b.Message ||
		len(a.Logs) != len(b.Logs) || len(a.Notices) != len(b.Notices) {
		return false
	}
	for i := range a.Logs {
		if a.Logs[i] != b.Logs[i] {
			return false
		}
	}
	for i := range a.Notices {
		if a.Notices[i] != b.Notices[i] {
			return false
		}
	}
	return true
}

func (s *Service) unchanged(id string, same func(*written) bool) bool {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	w, ok := s.recent[id]
	return ok && same(w)
}

func (s *Service) remember(id string, set func(*written)) {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	w, ok := s.recent[id]
	if !ok {
		w = &written{}
		s.recent[id] = w
	}
	set(w)
}

func (s *Service) forget(id string) {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	delete(s.recent, id)
}

// Patch is a partial update of a block; nil fields keep their value.
type Patch struct {
	HTML, CSS, JavaScript *string
	Data                  []byte
}

// Update merges a partial change into a known block and re-executes it.
func (s *Service) Update(ctx context.Context, id string, p Patch) (*isolate.Result, error) {
	epoch, err := s.epochOf(ctx, id) // before the read: a delete after it wins
	if err != nil {
		return nil, err
	}
	b, ok, err := s.store.LoadBlock(ctx, id)
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
	return s.execute(ctx, b, &epoch)
}

// Delete ends the block's isolate and forgets the block, its data and its
// output. It returns ErrUnknownBlock if there was nothing to delete.
func (s *Service) Delete(ctx context.Context, id string) error {
	g, _ := s.gate.enter(id)
	defer s.gate.leave(id, g)
	// Executions in flight see the bump and store nothing; the lock makes
	// the delete wait for a store step already under way, then remove it.
	s.gate.bump(g)
	g.mu.Lock()
	defer g.mu.Unlock()
	_, known, err := s.store.LoadBlock(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: load block: %w", ErrStorage, err)
	}
	live := s.rt.End(id)
	// An execution that entered after the first bump may have been running
	// in the isolate End just killed: bump again so it too answers
	// ErrDeleted rather than a crash.
	s.gate.bump(g)
	if !live && !known {
		return ErrUnknownBlock
	}
	s.forget(id)
	if err := s.store.DeleteBlock(ctx, id); err != nil {
		return fmt.Errorf("%w: delete block: %w", ErrStorage, err)
	}
	s.accountDelete(id)
	return nil
}

// List lists the known blocks, each marked live if it has an isolate now.
func (s *Service) List(ctx context.Context) ([]Block, error) {
	b, err := s.store.ListBlocks(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: list blocks: %w", ErrStorage, err)
	}
	live := s.rt.LiveBlocks()
	for i := range b {
		b[i].Live = live[b[i].ID]
	}
	return b, nil
}

// Rename sets a block's display name without running it.
func (s *Service) Rename(ctx context.Context, id, name string) error {
	g, _ := s.gate.enter(id)
	defer s.gate.leave(id, g)
	g.mu.Lock() // so a rename cannot bring back a block deleted meanwhile
	defer g.mu.Unlock()
	epoch, err := s.epochOf(ctx, id) // nor one deleted on another instance
	if err != nil {
		return err
	}
	b, ok, err := s.store.LoadBlock(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: load block: %w", ErrStorage, err)
	}
	if !ok {
		return ErrUnknownBlock
	}
	b.Name = name
	if err := s.saveBlock(ctx, b, epoch); errors.Is(err, ErrDeleted) {
		return ErrUnknownBlock
	} else if err != nil {
		return fmt.Errorf("%w: save block: %w", ErrStorage, err)
	}
	s.account(b, nil)
	s.forget(id)
	return nil
}

// Output returns the last result of a block.
func (s *Service) Output(ctx context.Context, id string) (*isolate.Result, error) {
	r, ok, err := s.store.LoadOutput(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%w: load output: %w", ErrStorage, err)
	}
	if !ok {
		return nil, ErrUnknownBlock
	}
	return r, nil
}
