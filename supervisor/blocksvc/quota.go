package blocksvc

import (
	"context"
	"fmt"
	"sync"

	"github.com/symposium/symposium/supervisor/isolate"
)

// Quota bounds what all blocks together may keep in the store.
type Quota struct {
	Blocks int   // stored blocks; 0 = no bound
	Bytes  int64 // code, data and outputs (HTML, CSS, logs, page) of every block; 0 = no bound
}

// DefaultQuota: 1,000 blocks and 1 GiB.
var DefaultQuota = Quota{Blocks: 1000, Bytes: 1 << 30}

// WithQuota sets the storage quota; zero fields keep the defaults, and
// a negative field means no bound.
func WithQuota(q Quota) Option {
	return func(s *Service) {
		if q.Blocks != 0 {
			s.quota.Blocks = max(q.Blocks, 0)
		}
		if q.Bytes != 0 {
			s.quota.Bytes = max(q.Bytes, 0)
		}
	}
}

// Usage is what the stored blocks take now, against the quota.
type Usage struct {
	Blocks    int   `json:"blocks"`
	Bytes     int64 `json:"bytes"`
	MaxBlocks int   `json:"maxBlocks"` // 0: no bound
	MaxBytes  int64 `json:"maxBytes"`  // 0: no bound
}

// usage tallies the store's contents as this instance knows them: read
// from the store once, then kept with every write and delete. Another
// instance sharing the store is seen at the next start.
type usage struct {
	mu     sync.Mutex
	loaded bool
	blocks map[string]blockUse
	bytes  int64
}

type blockUse struct{ block, output int64 }

func (u blockUse) total() int64 { return u.block + u.output }

func outputSize(r *isolate.Result) int64 {
	if r == nil {
		return 0
	}
	n := len(r.HTML) + len(r.CSS) + len(r.Page) + len(r.Message) + len(r.Stack)
	for _, l := range r.Logs {
		n += len(l.Level) + len(l.Message)
	}
	return int64(n)
}

// load reads the tallies from the store the first time they are needed.
// Called with u.mu held.
func (s *Service) loadUsage(ctx context.Context) error {
	u := &s.usage
	if u.loaded {
		return nil
	}
	list, err := s.store.ListBlocks(ctx)
	if err != nil {
		return fmt.Errorf("%w: list blocks: %w", ErrStorage, err)
	}
	u.blocks, u.bytes = make(map[string]blockUse, len(list)), 0
	for _, b := range list {
		out, _, err := s.store.LoadOutput(ctx, b.ID)
		if err != nil {
			return fmt.Errorf("%w: load output: %w", ErrStorage, err)
		}
		bu := blockUse{block: int64(StoredSize(b)), output: outputSize(out)}
		u.blocks[b.ID] = bu
		u.bytes += bu.total()
	}
	u.loaded = true
	return nil
}

// admit refuses a block that would pass the quota: a new block past
// Quota.Blocks, or any block whose code and output (out; nil: its last
// output's size) would take the total past Quota.Bytes.
func (s *Service) admit(ctx context.Context, b Block, out *isolate.Result) error {
	if s.quota.Blocks == 0 && s.quota.Bytes == 0 {
		return nil
	}
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := s.loadUsage(ctx); err != nil {
		return err
	}
	old, known := u.blocks[b.ID]
	if !known && s.quota.Blocks > 0 && len(u.blocks) >= s.quota.Blocks {
		return fmt.Errorf("%w: %d blocks are stored, the most allowed (MAX_BLOCKS); delete one first", ErrQuota, len(u.blocks))
	}
	next := blockUse{block: int64(StoredSize(b)), output: old.output}
	if out != nil {
		next.output = outputSize(out)
	}
	if total := u.bytes - old.total() + next.total(); s.quota.Bytes > 0 && total > s.quota.Bytes && next.total() > old.total() {
		return fmt.Errorf("%w: storing this block would take %d bytes in all, over the quota of %d bytes (MAX_STORAGE_BYTES); delete blocks or make this one smaller",
			ErrQuota, total, s.quota.Bytes)
	}
	return nil
}

// account records what a write stored for a block (out nil: the output
// is unchanged).
func (s *Service) account(b Block, out *isolate.Result) {
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.loaded {
		return
	}
	old := u.blocks[b.ID]
	next := blockUse{block: int64(StoredSize(b)), output: old.output}
	if out != nil {
		next.output = outputSize(out)
	}
	u.blocks[b.ID] = next
	u.bytes += next.total() - old.total()
}

func (s *Service) accountOutput(id string, out *isolate.Result) {
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	old, ok := u.blocks[id]
	if !u.loaded || !ok {
		return
	}
	u.bytes += outputSize(out) - old.output
	old.output = outputSize(out)
	u.blocks[id] = old
}

func (s *Service) accountDelete(id string) {
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if old, ok := u.blocks[id]; ok {
		u.bytes -= old.total()
		delete(u.blocks, id)
	}
}

// Usage reports what the stored blocks take against the quota, for
// /api/metrics.
func (s *Service) Usage(ctx context.Context) (Usage, error) {
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := s.loadUsage(ctx); err != nil {
		return Usage{}, err
	}
	return Usage{Blocks: len(u.blocks), Bytes: u.bytes, MaxBlocks: s.quota.Blocks, MaxBytes: s.quota.Bytes}, nil
}
