package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/kv"
	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var bucket = []byte("kv")

type options struct {
	maxValueBytes int
	lockTimeout   time.Duration
}

// Opt configures Open.
type Opt func(*options)

// WithMaxValueBytes sets the largest accepted value (default kv.DefaultMaxValueBytes).
func WithMaxValueBytes(n int) Opt { return func(o *options) { o.maxValueBytes = n } }

// WithLockTimeout bounds how long Open waits for another process to release
// the file lock (default 2s).
func WithLockTimeout(d time.Duration) Opt { return func(o *options) { o.lockTimeout = d } }

// Store is a kv.Store backed by one bbolt file.
type Store struct {
	db       *bbolt.DB
	maxValue int
}

var _ kv.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path.
func Open(path string, opts ...Opt) (*Store, error) {
	o := options{maxValueBytes: kv.DefaultMaxValueBytes, lockTimeout: 2 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// NoSync stays false: every commit is fsynced, which is the durability promise.
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: o.lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("initialise %s: %w", path, err)
	}
	return &Store{db: db, maxValue: o.maxValueBytes}, nil
}

// Get implements kv.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := get(tx.Bucket(bucket), []byte(key))
		if v == nil {
			return kv.ErrNotFound
		}
		// bbolt memory is only valid inside the transaction.
		out = append(make([]byte, 0, len(v)), v...)
		return nil
	})
	return out, err
}

// Set implements kv.Store.
func (s *Store) Set(ctx context.Context, key string, value []byte) error {
	if err := s.checkWrite(ctx, key, value); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		return put(tx.Bucket(bucket), []byte(key), value)
	})
}

// SetMany implements kv.Store: one transaction, one sync.
func (s *Store) SetMany(ctx context.Context, entries []kv.Entry) error {
	for _, e := range entries {
		if err := s.checkWrite(ctx, e.Key, e.Value); err != nil {
			return err
		}
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		for _, e := range entries {
			if err := put(b, []byte(e.Key), e.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete implements kv.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		return del(tx.Bucket(bucket), []byte(key))
	})
}

// List implements kv.Store.
func (s *Store) List(ctx context.Context, prefix string) ([]kv.Entry, error) {
	if err := storage.CheckPrefix(prefix); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []kv.Entry
	p := []byte(prefix)
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if v == nil { // an out-of-line value
				v = get(tx.Bucket(bucket), k)
			}
			out = append(out, kv.Entry{Key: string(k), Value: append(make([]byte, 0, len(v)), v...)})
		}
		return nil
	})
	return out, err
}

// CompareAndSet implements kv.Store.
func (s *Store) CompareAndSet(ctx context.Context, key string, expected, value []byte) error {
	if err := s.checkWrite(ctx, key, value); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		cur := get(b, []byte(key))
		if (expected == nil) != (cur == nil) || !bytes.Equal(cur, expected) {
			return fmt.Errorf("%w: key %q", kv.ErrConflict, key)
		}
		return put(b, []byte(key), value)
	})
}

// CompareAndWrite implements kv.Store: the check and the writes are one
// transaction, one sync.
func (s *Store) CompareAndWrite(ctx context.Context, guard string, expected []byte, sets []kv.Entry, deletes []string) error {
	if err := s.checkBatch(ctx, guard, expected, sets, deletes); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		cur := get(b, []byte(guard))
		if (expected == nil) != (cur == nil) || !bytes.Equal(cur, expected) {
			return fmt.Errorf("%w: key %q", kv.ErrConflict, guard)
		}
		for _, k := range deletes {
			if err := del(b, []byte(k)); err != nil {
				return err
			}
		}
		for _, e := range sets {
			if err := put(b, []byte(e.Key), e.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) checkBatch(ctx context.Context, guard string, expected []byte, sets []kv.Entry, deletes []string) error {
	if err := storage.CheckKey(guard); err != nil {
		return err
	}
	if expected == nil && !kv.SetsKey(sets, guard) {
		return kv.ErrGuardNotWritten
	}
	for _, e := range sets {
		if err := s.checkWrite(ctx, e.Key, e.Value); err != nil {
			return err
		}
	}
	for _, k := range deletes {
		if err := storage.CheckKey(k); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Ping implements kv.Store by running a read transaction.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucket) == nil {
			return fmt.Errorf("%w: bucket missing", kv.ErrUnavailable)
		}
		return nil
	})
}

// Close implements kv.Store.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) checkWrite(ctx context.Context, key string, value []byte) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	if err := storage.CheckValue(value, s.maxValue); err != nil {
		return err
	}
	return ctx.Err()
}

// Values over outOfLine bytes live in a nested bucket of their own (one
// entry, "v"), not inline in the shared bucket's leaves. bbolt never splits
// a leaf below four entries, so inline large values share leaves and
// rewriting one rewrote its neighbours too (3.5 bytes to disk per byte
// saved, measured for 60 kB values); out of line, a write costs its own
// pages. Files written before keep their inline values, which stay readable.
const outOfLine = 2048

var valueKey = []byte("v")

// get returns key's value, inline or out of line, or nil.
func get(b *bbolt.Bucket, key []byte) []byte {
	if v := b.Get(key); v != nil {
		return v
	}
	if sub := b.Bucket(key); sub != nil {
		return sub.Get(valueKey)
	}
	return nil
}

// put stores value under key in the form its size calls for.
func put(b *bbolt.Bucket, key, value []byte) error {
	if len(value) <= outOfLine {
		if b.Bucket(key) != nil {
			if err := b.DeleteBucket(key); err != nil {
				return err
			}
		}
		return b.Put(key, value)
	}
	sub := b.Bucket(key)
	if sub == nil {
		if b.Get(key) != nil {
			if err := b.Delete(key); err != nil {
				return err
			}
		}
		var err error
		if sub, err = b.CreateBucket(key); err != nil {
			return err
		}
	}
	return sub.Put(valueKey, value)
}

// del removes key in whichever form it is stored.
func del(b *bbolt.Bucket, key []byte) error {
	if b.Bucket(key) != nil {
		return b.DeleteBucket(key)
	}
	return b.Delete(key)
}
