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
	Bytes  int64 // code, saved data and outputs (HTML, CSS, logs, page) of every block; 0 = no bound
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

// TenantQuota bounds each tenant (WithTenantOf) within the global quota,
// so one tenant cannot take the whole store or the whole runtime.
type TenantQuota struct {
	Blocks int   // the tenant's stored blocks; 0 = no bound
	Bytes  int64 // code, saved data and outputs of its blocks; 0 = no bound
	// Isolates bounds the live isolates of its blocks on this instance:
	// a new block ends the tenant's least recently run idle isolate, and
	// is refused (ErrTenantIsolates) while all of them are executing.
	Isolates int
	// ExecutionsPerMinute bounds its executions on this instance (a
	// bucket of that many, refilled evenly over the minute).
	ExecutionsPerMinute int
}

// DefaultTenantQuota: 100 blocks, 100 MiB, 4 isolates and 300 executions
// a minute per tenant.
var DefaultTenantQuota = TenantQuota{Blocks: 100, Bytes: 100 << 20, Isolates: 4, ExecutionsPerMinute: 300}

// WithTenantOf names the tenant a block id belongs to, which turns on the
// per-tenant quotas (default: none; the store is one tenant's).
func WithTenantOf(f func(blockID string) string) Option {
	return func(s *Service) { s.tenantOf = f }
}

// WithTenantQuota sets each tenant's quota; zero fields keep the
// defaults, and a negative field means no bound.
func WithTenantQuota(q TenantQuota) Option {
	return func(s *Service) {
		set := func(dst *int, v int) {
			if v != 0 {
				*dst = max(v, 0)
			}
		}
		set(&s.tenantQuota.Blocks, q.Blocks)
		set(&s.tenantQuota.Isolates, q.Isolates)
		set(&s.tenantQuota.ExecutionsPerMinute, q.ExecutionsPerMinute)
		if q.Bytes != 0 {
			s.tenantQuota.Bytes = max(q.Bytes, 0)
		}
	}
}

// Usage is what the stored blocks take now, against the quota.
type Usage struct {
	Blocks    int   `json:"blocks"`
	Bytes     int64 `json:"bytes"`
	MaxBlocks int   `json:"maxBlocks"` // 0: no bound
	MaxBytes  int64 `json:"maxBytes"`  // 0: no bound
	// Tenants is each tenant's share (with WithTenantOf): the admin's view.
	Tenants map[string]TenantUse `json:"tenants,omitempty"`
}

// TenantUse is one tenant's share of the store.
type TenantUse struct {
	Blocks int   `json:"blocks"`
	Bytes  int64 `json:"bytes"`
}

// TenantUsage is one tenant's use against its quota: what /api/metrics
// shows that tenant.
type TenantUsage struct {
	Blocks              int   `json:"blocks"`
	Bytes               int64 `json:"bytes"`
	Isolates            int   `json:"isolates"`       // live or executing on this instance
	ExecutionsLeft      int   `json:"executionsLeft"` // may start now on this instance; -1: no bound
	MaxBlocks           int   `json:"maxBlocks"`      // 0: no bound
	MaxBytes            int64 `json:"maxBytes"`
	MaxIsolates         int   `json:"maxIsolates"`
	ExecutionsPerMinute int   `json:"executionsPerMinute"`
}

// usage tallies the store's contents as this instance knows them: read
// from the store once, then kept with every write and delete (and every
// data save, through ReserveData). Another instance sharing the store is
// seen at the next start, or when a write finds a block deleted there.
type usage struct {
	mu      sync.Mutex
	loaded  bool
	blocks  map[string]blockUse // ids with bytes stored: a block, or data saved before its block was
	stored  int                 // stored blocks
	bytes   int64
	tenants map[string]*TenantUse
}

type blockUse struct {
	block, output, data int64
	stored              bool // the block's record is stored
}

func (u blockUse) total() int64 { return u.block + u.output + u.data }

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

// quotaOn reports whether any storage quota needs the tally.
func (s *Service) quotaOn() bool {
	return s.quota.Blocks > 0 || s.quota.Bytes > 0 ||
		s.tenantOf != nil && (s.tenantQuota.Blocks > 0 || s.tenantQuota.Bytes > 0)
}

// loadUsage reads the tallies from the store the first time they are
// needed. Called with u.mu held.
func (s *Service) loadUsage(ctx context.Context) error {
	u := &s.usage
	if u.loaded {
		return nil
	}
	list, err := s.store.ListBlocks(ctx)
	if err != nil {
		return fmt.Errorf("%w: list blocks: %w", ErrStorage, err)
	}
	sizer, _ := s.store.(DataSizer)
	u.blocks, u.stored, u.bytes, u.tenants = make(map[string]blockUse, len(list)), 0, 0, map[string]*TenantUse{}
	for _, b := range list {
		out, _, err := s.store.LoadOutput(ctx, b.ID)
		if err != nil {
			return fmt.Errorf("%w: load output: %w", ErrStorage, err)
		}
		bu := blockUse{block: int64(StoredSize(b)), output: outputSize(out), stored: true}
		if sizer != nil {
			if bu.data, err = sizer.DataSize(ctx, b.ID); err != nil {
				return fmt.Errorf("%w: data size: %w", ErrStorage, err)
			}
		}
		s.setUse(b.ID, bu)
	}
	u.loaded = true
	return nil
}

// setUse records next as the block's use, keeping the totals and the
// tenant's share. Called with u.mu held.
func (s *Service) setUse(id string, next blockUse) {
	u := &s.usage
	old := u.blocks[id]
	bytes := next.total() - old.total()
	blocks := 0
	if next.stored != old.stored {
		blocks = map[bool]int{true: 1, false: -1}[next.stored]
	}
	u.bytes += bytes
	u.stored += blocks
	if s.tenantOf != nil {
		t := s.tenantOf(id)
		tu := u.tenants[t]
		if tu == nil {
			tu = &TenantUse{}
			u.tenants[t] = tu
		}
		tu.Blocks += blocks
		tu.Bytes += bytes
		if *tu == (TenantUse{}) {
			delete(u.tenants, t)
		}
	}
	if next == (blockUse{}) {
		delete(u.blocks, id)
	} else {
		u.blocks[id] = next
	}
}

// fits refuses a change of one block's use from old to next that would
// pass a quota: a new block past a block count, or growth past a byte
// quota (shrinking always fits). what names the change for the message.
// Called with u.mu held.
func (s *Service) fits(id string, old, next blockUse, what string) error {
	u := &s.usage
	newBlock := next.stored && !old.stored
	grow := next.total() - old.total()
	if newBlock && s.quota.Blocks > 0 && u.stored >= s.quota.Blocks {
		return fmt.Errorf("%w: %d blocks are stored, the most allowed (MAX_BLOCKS); delete one first", ErrQuota, u.stored)
	}
	if grow > 0 && s.quota.Bytes > 0 && u.bytes+grow > s.quota.Bytes {
		return fmt.Errorf("%w: storing %s would take %d bytes in all, over the quota of %d bytes (MAX_STORAGE_MB); delete blocks or store less",
			ErrQuota, what, u.bytes+grow, s.quota.Bytes)
	}
	if s.tenantOf == nil {
		return nil
	}
	var tu TenantUse
	if p := u.tenants[s.tenantOf(id)]; p != nil {
		tu = *p
	}
	if q := s.tenantQuota.Blocks; newBlock && q > 0 && tu.Blocks >= q {
		return fmt.Errorf("%w: your tenant stores %d blocks, the most it may (TENANT_MAX_BLOCKS); delete one first", ErrQuota, tu.Blocks)
	}
	if q := s.tenantQuota.Bytes; grow > 0 && q > 0 && tu.Bytes+grow > q {
		return fmt.Errorf("%w: storing %s would take your tenant's blocks to %d bytes, over its quota of %d bytes (TENANT_MAX_STORAGE_MB); delete blocks or store less",
			ErrQuota, what, tu.Bytes+grow, q)
	}
	return nil
}

// admit refuses a block that would pass a quota: a new block past a
// block count, or any block whose code and output (out; nil: its last
// output's size) would take a total past a byte quota.
func (s *Service) admit(ctx context.Context, b Block, out *isolate.Result) error {
	if !s.quotaOn() {
		return nil
	}
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := s.loadUsage(ctx); err != nil {
		return err
	}
	old := u.blocks[b.ID]
	next := old
	next.block, next.stored = int64(StoredSize(b)), true
	if out != nil {
		next.output = outputSize(out)
	}
	return s.fits(b.ID, old, next, "this block")
}

// ReserveData counts delta bytes of saved data for a block (its
// blockdata.Accountant side) against the storage quotas, refusing growth
// that would pass one; release undoes the count for a write not made. So
// data saved by a script counts in the global and the tenant's bytes, and
// a storm of saves cannot pass them.
func (s *Service) ReserveData(ctx context.Context, blockID string, delta int64) (release func(), err error) {
	if !s.quotaOn() {
		return func() {}, nil
	}
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if s.loadUsage(ctx) != nil {
		// The store does not answer a listing: nothing is tallied yet, and
		// the tally, once loaded, reads whatever this write stored. The
		// write itself meets the same store.
		return func() {}, nil
	}
	old := u.blocks[blockID]
	next := old
	next.data = max(0, old.data+delta)
	if err := s.fits(blockID, old, next, "this data"); err != nil {
		return nil, err
	}
	applied := next.data - old.data
	s.setUse(blockID, next)
	return func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		if !u.loaded {
			return
		}
		cur := u.blocks[blockID]
		cur.data = max(0, cur.data-applied)
		s.setUse(blockID, cur)
	}, nil
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
	next := u.blocks[b.ID]
	next.block, next.stored = int64(StoredSize(b)), true
	if out != nil {
		next.output = outputSize(out)
	}
	s.setUse(b.ID, next)
}

func (s *Service) accountOutput(id string, out *isolate.Result) {
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	next, ok := u.blocks[id]
	if !u.loaded || !ok || !next.stored {
		return
	}
	next.output = outputSize(out)
	s.setUse(id, next)
}

// accountDelete forgets all of a block's use.
func (s *Service) accountDelete(id string) {
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.loaded {
		s.setUse(id, blockUse{})
	}
}

// Usage reports what the stored blocks take against the quota, for
// /api/metrics (the admin's view).
func (s *Service) Usage(ctx context.Context) (Usage, error) {
	u := &s.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := s.loadUsage(ctx); err != nil {
		return Usage{}, err
	}
	out := Usage{Blocks: u.stored, Bytes: u.bytes, MaxBlocks: s.quota.Blocks, MaxBytes: s.quota.Bytes}
	if s.tenantOf != nil {
		out.Tenants = make(map[string]TenantUse, len(u.tenants))
		for t, tu := range u.tenants {
			out.Tenants[t] = *tu
		}
	}
	return out, nil
}

// TenantUsage reports one tenant's use against its quota, for the
// tenant's own /api/metrics. Without WithTenantOf the whole store is the
// tenant's and only the global bounds apply.
func (s *Service) TenantUsage(ctx context.Context, tenant string) (TenantUsage, error) {
	u := &s.usage
	u.mu.Lock()
	if err := s.loadUsage(ctx); err != nil {
		u.mu.Unlock()
		return TenantUsage{}, err
	}
	var out TenantUsage
	if s.tenantOf == nil {
		out = TenantUsage{Blocks: u.stored, Bytes: u.bytes, MaxBlocks: s.quota.Blocks, MaxBytes: s.quota.Bytes, ExecutionsLeft: -1}
	} else {
		if tu := u.tenants[tenant]; tu != nil {
			out.Blocks, out.Bytes = tu.Blocks, tu.Bytes
		}
		q := s.tenantQuota
		out.MaxBlocks, out.MaxBytes, out.MaxIsolates, out.ExecutionsPerMinute = q.Blocks, q.Bytes, q.Isolates, q.ExecutionsPerMinute
	}
	u.mu.Unlock()
	if s.tenantOf != nil {
		out.Isolates = s.heldCount(tenant)
		out.ExecutionsLeft = s.executionsLeft(tenant)
	}
	return out, nil
}
