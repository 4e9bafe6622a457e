package blockdata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/kv"
)

// KV is what blockdata needs from a key-value store.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, prefix string) ([]kv.Entry, error)
	CompareAndWrite(ctx context.Context, guard string, expected []byte, sets []kv.Entry, deletes []string) error
}

// Limits are the per-block quotas.
type Limits struct {
	MaxKeys       int // default 100
	MaxValueBytes int // one value, default 64 KiB
	MaxTotalBytes int // the block's keys and values together, default 1 MiB
}

// MaxKeyBytes bounds a data key.
const MaxKeyBytes = 256

// casAttempts bounds the optimistic retry loop under contention.
const casAttempts = 32

// A tenant's block is "<tenant>.<id>" (the web layer's internal id; the
// local tenant's has no prefix).
var blockID = regexp.MustCompile(`^([a-z0-9-]{1,64}\.)?[A-Za-z0-9_-]{1,64}$`)

// Store is the per-block data API.
type Store struct {
	kv      KV
	limits  Limits
	account atomic.Pointer[accountant]
}

// Accountant is told how much a write changes a block's data before it is
// made, so a quota over many blocks (the block service's storage quotas,
// global and per tenant) can refuse it in the same step: a storm of saves
// cannot pass it, each having reserved its bytes first.
type Accountant interface {
	// ReserveData counts delta more bytes (fewer when negative) for the
	// block's data, or refuses with an error; release undoes the count when
	// the write is then not made.
	ReserveData(ctx context.Context, block string, delta int64) (release func(), err error)
}

type accountant struct{ a Accountant }

// SetAccountant makes every later Save and Delete reserve its size change
// with a (nil: none). The wiring calls it once the block service exists;
// DeleteAll is not counted, since the block's owner forgets the block's
// whole use when it deletes it.
func (s *Store) SetAccountant(a Accountant) {
	if a == nil {
		s.account.Store(nil)
		return
	}
	s.account.Store(&accountant{a})
}

// reserve asks the accountant to count delta bytes for block.
func (s *Store) reserve(ctx context.Context, block string, delta int) (func(), error) {
	acc := s.account.Load()
	if acc == nil || delta == 0 {
		return func() {}, nil
	}
	release, err := acc.a.ReserveData(ctx, block, int64(delta))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrQuota, err)
	}
	return release, nil
}

// Size is the bytes the block's data takes as its quota counts them: each
// key and its compact JSON value.
func (s *Store) Size(ctx context.Context, block string) (int, error) {
	ix, err := s.loadIndex(ctx, block)
	if err != nil {
		return 0, err
	}
	return ix.usage(), nil
}

// Opt configures New.
type Opt func(*Store)

// WithLimits replaces the default quotas; zero fields keep their default.
func WithLimits(l Limits) Opt {
	return func(s *Store) {
		if l.MaxKeys > 0 {
			s.limits.MaxKeys = l.MaxKeys
		}
		if l.MaxValueBytes > 0 {
			s.limits.MaxValueBytes = l.MaxValueBytes
		}
		if l.MaxTotalBytes > 0 {
			s.limits.MaxTotalBytes = l.MaxTotalBytes
		}
	}
}

// New returns a Store over kv. The kv value limit must be at least
// MaxValueBytes (the defaults: 1 MiB and 64 KiB).
func New(kv KV, opts ...Opt) *Store {
	s := &Store{kv: kv, limits: Limits{MaxKeys: 100, MaxValueBytes: 64 << 10, MaxTotalBytes: 1 << 20}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// CheckBlockID validates a block id (shared with the blocks package).
func CheckBlockID(id string) error {
	if !blockID.MatchString(id) {
		return fmt.Errorf("%w: %q (use 1-64 letters, digits, '_' or '-', optionally after a tenant and '.')", ErrInvalidBlockID, id)
	}
	return nil
}

// Save stores value (JSON text) under key for the block. It writes the
// value's own row and the block's small index in one conditional write, so
// its cost follows the value, not the block's whole data.
func (s *Store) Save(ctx context.Context, block, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if !utf8.Valid(value) || !json.Valid(value) {
		return fmt.Errorf("%w (key %q)", ErrInvalidJSON, key)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, value); err != nil {
		return fmt.Errorf("%w (key %q)", ErrInvalidJSON, key)
	}
	if n := compact.Len(); n > s.limits.MaxValueBytes {
		return fmt.Errorf("%w: value for key %q is %d bytes > %d", ErrQuota, key, n, s.limits.MaxValueBytes)
	}
	v := compact.Bytes()
	return s.update(ctx, block, func(ix *index) ([]kv.Entry, []string, error) {
		old, exists := ix.Keys[key]
		if !exists && len(ix.Keys)+1 > s.limits.MaxKeys {
			return nil, nil, fmt.Errorf("%w: %d keys > %d", ErrQuota, len(ix.Keys)+1, s.limits.MaxKeys)
		}
		total := ix.usage() + len(v)
		if exists {
			total -= old
		} else {
			total += len(key)
		}
		if total > s.limits.MaxTotalBytes {
			return nil, nil, fmt.Errorf("%w: %d bytes > %d", ErrQuota, total, s.limits.MaxTotalBytes)
		}
		ix.Keys[key] = len(v)
		return []kv.Entry{{Key: rowKey(block, key), Value: v}}, nil, nil
	})
}

// Get returns the JSON value stored under key, or ErrNotFound: one read of
// the value's row (a miss also reads the index, to migrate old data).
func (s *Store) Get(ctx context.Context, block, key string) (json.RawMessage, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := CheckBlockID(block); err != nil {
		return nil, err
	}
	v, err := s.kv.Get(ctx, rowKey(block, key))
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	migrated, err := s.loadIndex(ctx, block)
	if err != nil {
		return nil, err
	}
	if migrated.raw != nil && migrated.fresh {
		// Just migrated from the old single record: the row exists now if
		// the key did.
		if v, err := s.kv.Get(ctx, rowKey(block, key)); err == nil {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%w: no data under key %q", ErrNotFound, key)
}

// All returns every key and value of the block.
func (s *Store) All(ctx context.Context, block string) (map[string]json.RawMessage, error) {
	if _, err := s.loadIndex(ctx, block); err != nil {
		return nil, err
	}
	prefix := rowPrefix(block)
	rows, err := s.kv.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	m := make(map[string]json.RawMessage, len(rows))
	for _, r := range rows {
		m[strings.TrimPrefix(r.Key, prefix)] = r.Value
	}
	return m, nil
}

// Delete removes key; deleting an absent key is not an error.
func (s *Store) Delete(ctx context.Context, block, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.update(ctx, block, func(ix *index) ([]kv.Entry, []string, error) {
		if _, ok := ix.Keys[key]; !ok {
			return nil, nil, errUnchanged
		}
		delete(ix.Keys, key)
		return nil, []string{rowKey(block, key)}, nil
	})
}

// DeleteAll removes all of the block's data: its rows, its index and any
// record left in the old single-record format, in one conditional write.
func (s *Store) DeleteAll(ctx context.Context, block string) error {
	if err := CheckBlockID(block); err != nil {
		return err
	}
	for range casAttempts {
		raw, err := s.kv.Get(ctx, indexKey(block))
		if errors.Is(err, storage.ErrNotFound) {
			// No index: at most an old record, which nothing writes any more
			// except a migration, which would then have created the index.
			if err := s.kv.Delete(ctx, legacyKey(block)); err != nil {
				return err
			}
			if _, err := s.kv.Get(ctx, indexKey(block)); errors.Is(err, storage.ErrNotFound) {
				return nil
			}
			continue
		}
		if err != nil {
			return err
		}
		rows, err := s.kv.List(ctx, blockPrefix(block))
		if err != nil {
			return err
		}
		deletes := []string{legacyKey(block)}
		for _, r := range rows {
			deletes = append(deletes, r.Key)
		}
		err = s.kv.CompareAndWrite(ctx, indexKey(block), raw, nil, deletes)
		if !errors.Is(err, storage.ErrConflict) {
			return err
		}
	}
	return ErrBusy
}

// Storage layout: the block's values one row each, under a prefix only that
// block id can produce (ids have no '/'), and a small index of key sizes
// that guards every write and carries the quota figures.
func legacyKey(block string) string   { return "blockdata/" + block }
func blockPrefix(block string) string { return "blockdata/" + block + "/" }
func indexKey(block string) string    { return blockPrefix(block) + "i" }
func rowPrefix(block string) string   { return blockPrefix(block) + "v/" }
func rowKey(block, key string) string { return rowPrefix(block) + key }

// index is the per-block record every write compare-and-sets: key sizes for
// the quotas and a generation so two equal-looking states never compare
// equal by accident.
type index struct {
	Gen  uint64         `json:"g"`
	Keys map[string]int `json:"k"`

	raw   []byte // as read; nil when absent (the CAS expectation)
	fresh bool   // created just now by a migration
}

func (ix *index) usage() int {
	n := 0
	for k, size := range ix.Keys {
		n += len(k) + size
	}
	return n
}

// errUnchanged lets a change say there is nothing to write.
var errUnchanged = errors.New("unchanged")

// loadIndex reads the block's index, migrating data stored in the old
// single-record format (one JSON object rewritten on every save) first.
func (s *Store) loadIndex(ctx context.Context, block string) (*index, error) {
	if err := CheckBlockID(block); err != nil {
		return nil, err
	}
	for range casAttempts {
		raw, err := s.kv.Get(ctx, indexKey(block))
		if err == nil {
			ix := &index{raw: raw}
			if err := json.Unmarshal(raw, ix); err != nil {
				return nil, fmt.Errorf("block %s data index is corrupt: %w", block, err)
			}
			if ix.Keys == nil {
				ix.Keys = map[string]int{}
			}
			return ix, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		ix, err := s.migrate(ctx, block)
		if !errors.Is(err, storage.ErrConflict) {
			return ix, err
		}
	}
	return nil, ErrBusy
}

// migrate turns an old single record into rows and an index, in one write
// that also removes the old record. Without an old record the block has no
// data: an empty index with no raw form.
func (s *Store) migrate(ctx context.Context, block string) (*index, error) {
	old, err := s.kv.Get(ctx, legacyKey(block))
	if errors.Is(err, storage.ErrNotFound) {
		return &index{Keys: map[string]int{}}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(old, &m); err != nil {
		return nil, fmt.Errorf("block %s data record is corrupt: %w", block, err)
	}
	ix := &index{Gen: 1, Keys: make(map[string]int, len(m)), fresh: true}
	sets := make([]kv.Entry, 0, len(m)+1)
	for k, v := range m {
		ix.Keys[k] = len(v)
		sets = append(sets, kv.Entry{Key: rowKey(block, k), Value: v})
	}
	raw, err := json.Marshal(ix)
	if err != nil {
		return nil, err
	}
	sets = append(sets, kv.Entry{Key: indexKey(block), Value: raw})
	if err := s.kv.CompareAndWrite(ctx, indexKey(block), nil, sets, []string{legacyKey(block)}); err != nil {
		return nil, err
	}
	ix.raw = raw
	return ix, nil
}

// update applies change to the block's index and writes the new index
// together with the rows change returns, only if no one else wrote the
// index in between, retrying on conflict.
func (s *Store) update(ctx context.Context, block string, change func(*index) (sets []kv.Entry, deletes []string, err error)) error {
	for range casAttempts {
		ix, err := s.loadIndex(ctx, block)
		if err != nil {
			return err
		}
		before := ix.usage()
		sets, deletes, err := change(ix)
		if errors.Is(err, errUnchanged) {
			return nil
		}
		if err != nil {
			return err
		}
		ix.Gen++
		next, err := json.Marshal(ix)
		if err != nil {
			return err
		}
		sets = append(sets, kv.Entry{Key: indexKey(block), Value: next})
		release, err := s.reserve(ctx, block, ix.usage()-before)
		if err != nil {
			return err
		}
		err = s.kv.CompareAndWrite(ctx, indexKey(block), ix.raw, sets, deletes)
		if err != nil {
			release()
		}
		if !errors.Is(err, storage.ErrConflict) {
			return err
		}
	}
	return ErrBusy
}

func checkKey(key string) error {
	if key == "" || len(key) > MaxKeyBytes || !utf8.ValidString(key) {
		return fmt.Errorf("%w: data keys are 1-%d bytes of UTF-8", ErrInvalidKey, MaxKeyBytes)
	}
	for _, r := range key {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: data key %q has a control character", ErrInvalidKey, key)
		}
	}
	return nil
}
