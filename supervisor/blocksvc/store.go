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

// FencedStore is a Store that makes a delete win over an execution in
// flight on any instance sharing it: every delete changes the block's
// epoch, an execution notes the epoch before it runs, and its writes
// (the ...At methods) store nothing, answering ErrDeleted (wrapped), once
// the epoch changed. The service uses it when its store implements it;
// without, a delete wins only over executions on the same instance.
type FencedStore interface {
	Store
	// Epoch is the block's delete count (0 if it was never deleted).
	Epoch(ctx context.Context, id string) (uint64, error)
	SaveBlockAt(ctx context.Context, b Block, epoch uint64) error
	SaveRunAt(ctx context.Context, b Block, r *isolate.Result, epoch uint64) error
	SaveOutputAt(ctx context.Context, id string, r *isolate.Result, epoch uint64) error
	// PurgeDeleted removes what an execution that noted epoch left behind
	// the block's delete since (data saved after the delete purged it),
	// unless a newer block is stored; it reports whether it purged.
	PurgeDeleted(ctx context.Context, id string, epoch uint64) (bool, error)
}

// DataSizer is a Store that can say how many bytes a block's saved data
// (symposium.saveData) takes, so the storage quota counts it from the
// start; the counts then follow ReserveData.
type DataSizer interface {
	DataSize(ctx context.Context, id string) (int64, error)
}

// memStore is the in-process Store used when none is configured.
type memStore struct {
	mu     sync.RWMutex
	blocks map[string]Block
	out    map[string]*isolate.Result
	epochs map[string]uint64
}

func newMemStore() *memStore {
	return &memStore{blocks: map[string]Block{}, out: map[string]*isolate.Result{}, epochs: map[string]uint64{}}
}

func (s *memStore) Epoch(_ context.Context, id string) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.epochs[id], nil
}

func (s *memStore) SaveBlockAt(_ context.Context, b Block, epoch uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epochs[b.ID] != epoch {
		return ErrDeleted
	}
	s.blocks[b.ID] = b
	return nil
}

func (s *memStore) SaveRunAt(_ context.Context, b Block, r *isolate.Result, epoch uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epochs[b.ID] != epoch {
		return ErrDeleted
	}
	s.blocks[b.ID] = b
	s.out[b.ID] = r
	return nil
}

func (s *memStore) SaveOutputAt(_ context.Context, id string, r *isolate.Result, epoch uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epochs[id] != epoch {
		return ErrDeleted
	}
	s.out[id] = r
	return nil
}

func (s *memStore) PurgeDeleted(_ context.Context, id string, epoch uint64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blocks[id]; ok || s.epochs[id] == epoch {
		return false, nil
	}
	delete(s.out, id)
	return true, nil
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
	s.epochs[id]++
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
