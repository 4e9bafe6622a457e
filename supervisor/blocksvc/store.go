package blocksvc

import (
	"context"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/symposium/symposium/supervisor/isolate"
)

// Block is a content block as the service knows it.
type Block struct {
	ID        string
	Name      string // display name; defaults to the id
	Code      isolate.Code
	Data      []byte // JSON text, may be empty
	UpdatedAt time.Time
	Live      bool // it has an isolate now (set by List)
}

func (b Block) equal(o Block) bool {
	return b.ID == o.ID && b.Name == o.Name && b.Code == o.Code && string(b.Data) == string(o.Data)
}

// validID is what every storage backend accepts as a block id.
var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidID reports whether id may name a block: 1-64 letters, digits, '_'
// or '-'. Both transports check it.
func ValidID(id string) bool { return validID.MatchString(id) }

// Store keeps blocks and their last output beyond an isolate's life (and,
// with a shared backend, across supervisor instances). The storage layer
// implements it; the service falls back to memory.
type Store interface {
	LoadBlock(ctx context.Context, id string) (Block, bool, error)
	SaveBlock(ctx context.Context, b Block) error
	SaveOutput(ctx context.Context, id string, r *isolate.Result) error
	// SaveRun stores a block and its output in one atomic write.
	SaveRun(ctx context.Context, b Block, r *isolate.Result) error
	LoadOutput(ctx context.Context, id string) (*isolate.Result, bool, error)
	DeleteBlock(ctx context.Context, id string) error
	ListBlocks(ctx context.Context) ([]Block, error)
}

// memStore is the in-process Store used when none is configured.
type memStore struct {
	mu     sync.RWMutex
	blocks map[string]Block
	out    map[string]*isolate.Result
}

func newMemStore() *memStore {
	return &memStore{blocks: map[string]Block{}, out: map[string]*isolate.Result{}}
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

func (s *memStore) SaveOutput(_ context.Context, id string, r *isolate.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out[id] = r
	return nil
}

func (s *memStore) SaveRun(_ context.Context, b Block, r *isolate.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocks[b.ID] = b
	s.out[b.ID] = r
	return nil
}

func (s *memStore) LoadOutput(_ context.Context, id string) (*isolate.Result, bool, error) {
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
