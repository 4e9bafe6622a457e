package isolate

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Block is a content block as the manager knows it.
type Block struct {
	ID        string
	Name      string // display name; defaults to the id
	Code      Code
	Data      []byte // JSON text, may be empty
	UpdatedAt time.Time
}

// BlockStore keeps blocks and their last output beyond an isolate's life
// (and, with a shared backend, across supervisor instances). The storage
// layer implements it; the manager falls back to memory.
type BlockStore interface {
	LoadBlock(ctx context.Context, id string) (Block, bool, error)
	SaveBlock(ctx context.Context, b Block) error
	SaveOutput(ctx context.Context, id string, r *Result) error
	// SaveRun stores a block and its output in one atomic write.
	SaveRun(ctx context.Context, b Block, r *Result) error
	LoadOutput(ctx context.Context, id string) (*Result, bool, error)
	DeleteBlock(ctx context.Context, id string) error
	ListBlocks(ctx context.Context) ([]Block, error)
}

// memStore is the in-process BlockStore used when none is configured.
type memStore struct {
	mu     sync.RWMutex
	blocks map[string]Block
	out    map[string]*Result
}

func newMemStore() *memStore {
	return &memStore{blocks: map[string]Block{}, out: map[string]*Result{}}
}

func (s *memStore) LoadBlock(_ context.Context, id string) (Block, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.blocks[id]
	return b, ok, nil
}

func (s *memStore) SaveBlock(_ context.Context, b Block) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocks[b.ID] = b
	return nil
}

func (s *memStore) SaveOutput(_ context.Context, id string, r *Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out[id] = r
	return nil
}

func (s *memStore) SaveRun(_ context.Context, b Block, r *Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocks[b.ID] = b
	s.out[b.ID] = r
	return nil
}

func (s *memStore) LoadOutput(_ context.Context, id string) (*Result, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.out[id]
	return r, ok, nil
}

func (s *memStore) DeleteBlock(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocks, id)
	delete(s.out, id)
	return nil
}

func (s *memStore) ListBlocks(_ context.Context) ([]Block, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Block, 0, len(s.blocks))
	for _, b := range s.blocks {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
