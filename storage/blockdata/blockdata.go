package blockdata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"unicode"
	"unicode/utf8"

	"github.com/symposium/symposium/storage"
)

// KV is what blockdata needs from a key-value store.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
	CompareAndSet(ctx context.Context, key string, expected, value []byte) error
}

// Limits are the per-block quotas.
type Limits struct {
	MaxKeys       int // default 100
	MaxValueBytes int // one value, default 64 KiB
	MaxTotalBytes int // the block's whole stored record, default 1 MiB
}

// MaxKeyBytes bounds a data key.
const MaxKeyBytes = 256

// casAttempts bounds the optimistic retry loop under contention.
const casAttempts = 32

var blockID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Store is the per-block data API.
type Store struct {
	kv     KV
	limits Limits
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
// MaxTotalBytes (the defaults match: 1 MiB).
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
		return fmt.Errorf("%w: %q (use 1-64 letters, digits, '_' or '-')", ErrInvalidBlockID, id)
	}
	return nil
}

// Save stores value (JSON text) under key for the block.
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
	return s.update(ctx, block, func(m map[string]json.RawMessage) error {
		if _, exists := m[key]; !exists && len(m)+1 > s.limits.MaxKeys {
			return fmt.Errorf("%w: %d keys > %d", ErrQuota, len(m)+1, s.limits.MaxKeys)
		}
		m[key] = json.RawMessage(compact.Bytes())
		return nil
	})
}

// Get returns the JSON value stored under key, or ErrNotFound.
func (s *Store) Get(ctx context.Context, block, key string) (json.RawMessage, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	m, _, err := s.load(ctx, block)
	if err != nil {
		return nil, err
	}
	v, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("%w: no data under key %q", ErrNotFound, key)
	}
	return v, nil
}

// All returns every key and value of the block.
func (s *Store) All(ctx context.Context, block string) (map[string]json.RawMessage, error) {
	m, _, err := s.load(ctx, block)
	return m, err
}

// Delete removes key; deleting an absent key is not an error.
func (s *Store) Delete(ctx context.Context, block, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.update(ctx, block, func(m map[string]json.RawMessage) error {
		delete(m, key)
		return nil
	})
}

// DeleteAll removes all of the block's data.
func (s *Store) DeleteAll(ctx context.Context, block string) error {
	if err := CheckBlockID(block); err != nil {
		return err
	}
	return s.kv.Delete(ctx, recordKey(block))
}

func recordKey(block string) string { return "blockdata/" + block }

// load returns the block's data and the raw record it came from (nil if
// absent), the latter being the compare-and-set expectation.
func (s *Store) load(ctx context.Context, block string) (map[string]json.RawMessage, []byte, error) {
	if err := CheckBlockID(block); err != nil {
		return nil, nil, err
	}
	raw, err := s.kv.Get(ctx, recordKey(block))
	if errors.Is(err, storage.ErrNotFound) {
		return map[string]json.RawMessage{}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("block %s data record is corrupt: %w", block, err)
	}
	return m, raw, nil
}

// update applies change to the block's data and writes it back only if no
// one else wrote in between, retrying on conflict.
func (s *Store) update(ctx context.Context, block string, change func(map[string]json.RawMessage) error) error {
	for range casAttempts {
		m, old, err := s.load(ctx, block)
		if err != nil {
			return err
		}
		if err := change(m); err != nil {
			return err
		}
		if len(m) == 0 && old == nil {
			return nil // nothing stored, nothing to store
		}
		next, err := marshal(m)
		if err != nil {
			return err
		}
		if len(next) > s.limits.MaxTotalBytes {
			return fmt.Errorf("%w: %d bytes > %d", ErrQuota, len(next), s.limits.MaxTotalBytes)
		}
		err = s.kv.CompareAndSet(ctx, recordKey(block), old, next)
		if !errors.Is(err, storage.ErrConflict) {
			return err
		}
	}
	return ErrBusy
}

// marshal encodes without HTML escaping so values read back byte-for-byte
// as saved (after compaction).
func marshal(m map[string]json.RawMessage) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
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
