package blocksvc

import (
	"context"
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
	limits Limits
	render Renderer
	quota  Quota
	usage  usage
	gate   gate

	recentMu sync.Mutex
	recent   map[string]*written // what this instance last wrote per block
}

// New returns a service over rt.
func New(rt Runtime, opts ...Option) *Service {
	s := &Service{rt: rt, recent: map[string]*written{}, limits: DefaultLimits, quota: DefaultQuota}
	for _, o := range opts {
		o(s)
	}
	if s.store == nil {
		s.store = newMemStore()
	}
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
}

// Execute runs the block, then stores it and its output. A new or changed
// block is stored with its output in one write; an unchanged one only if
// its output changed. The block is stored even when its run is refused for
// capacity, so what its author typed is not lost. A block too large to
// store is refused before it runs (ErrTooLarge); an output over a limit is
// answered as isolate.KindOutputTooLarge and only the block is stored. If
// the block is deleted while it runs, nothing is stored and the answer is
// ErrDeleted.
func (s *Service) Execute(ctx context.Context, b Block) (*isolate.Result, error) {
	b.Live = false
	if err := s.checkBlock(b); err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, nil); err != nil {
		return nil, err
	}
	g, epoch := s.gate.enter(b.ID)
	defer s.gate.leave(b.ID, g)
	if b.Name == "" {
		// Keep the display name a rename gave it.
		s.recentMu.Lock()
		w, ok := s.recent[b.ID]
		s.recentMu.Unlock()
		if ok {
			b.Name = w.block.Name
		} else if old, ok, err := s.store.LoadBlock(ctx, b.ID); err == nil && ok {
			b.Name = old.Name
		}
	}
	blockSaved := s.unchanged(b.ID, func(w *written) bool { return w.block.equal(b) && time.Since(w.blockAt) < rewriteAfter })
	res, err := s.rt.Run(ctx, b.ID, b.Code, b.Data)
	if err == nil {
		res = s.boundOutput(res)
		s.renderPage(b.ID, res)
	}
	// The check and the write happen under the block's lock, which Delete
	// holds while it deletes: a delete either precedes this write and is
	// seen, or follows it and removes what was written.
	g.mu.Lock()
	defer g.mu.Unlock()
	if !s.gate.current(g, epoch) {
		return nil, ErrDeleted
	}
	if err != nil || res.Kind == isolate.KindOutputTooLarge {
		if !blockSaved {
			b.UpdatedAt = time.Now().UTC()
			serr := s.store.SaveBlock(ctx, b)
			if serr == nil {
				s.account(b, nil)
				s.remember(b.ID, func(w *written) { w.block, w.blockAt = b, time.Now() })
			} else if err == nil {
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
		if err := s.store.SaveRun(ctx, b, res); err != nil {
			return nil, fmt.Errorf("%w: save block: %w", ErrStorage, err)
		}
		s.account(b, res)
		s.remember(b.ID, func(w *written) { w.block, w.blockAt, w.out, w.outAt = b, time.Now(), res, time.Now() })
	case !s.unchanged(b.ID, func(w *written) bool { return sameOutput(w.out, res) && time.Since(w.outAt) < rewriteAfter }):
		if err := s.store.SaveOutput(ctx, b.ID, res); err != nil {
			return nil, fmt.Errorf("%w: save output: %w", ErrStorage, err)
		}
		s.accountOutput(b.ID, res)
		s.remember(b.ID, func(w *written) { w.out, w.outAt = res, time.Now() })
	}
	return res, nil
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
	return s.Execute(ctx, b)
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
	b, ok, err := s.store.LoadBlock(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: load block: %w", ErrStorage, err)
	}
	if !ok {
		return ErrUnknownBlock
	}
	b.Name = name
	if err := s.store.SaveBlock(ctx, b); err != nil {
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
