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
		v := tx.Bucket(bucket).Get([]byte(key))
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
		return tx.Bucket(bucket).Put([]byte(key), value)
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
			if err := b.Put([]byte(e.Key), e.Value); err != nil {
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
		return tx.Bucket(bucket).Delete([]byte(key))
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
		cur := b.Get([]byte(key))
		if (expected == nil) != (cur == nil) || !bytes.Equal(cur, expected) {
			return fmt.Errorf("%w: key %q", kv.ErrConflict, key)
		}
		return b.Put([]byte(key), value)
	})
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
