package lru

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/cache"
)

type options struct {
	maxEntries    int
	maxBytes      int
	maxValueBytes int
}

// Opt configures New.
type Opt func(*options)

// WithMaxEntries bounds the number of entries (default 10000).
func WithMaxEntries(n int) Opt { return func(o *options) { o.maxEntries = n } }

// WithMaxBytes bounds the summed size of keys and values (default 64 MiB).
func WithMaxBytes(n int) Opt { return func(o *options) { o.maxBytes = n } }

// WithMaxValueBytes sets the largest accepted value (default storage.DefaultMaxValueBytes).
func WithMaxValueBytes(n int) Opt { return func(o *options) { o.maxValueBytes = n } }

type entry struct {
	value   []byte
	expires time.Time
}

// Cache is an in-process cache.Cache, safe for concurrent use.
type Cache struct {
	mu       sync.Mutex
	lru      *simplelru.LRU[string, entry]
	bytes    int
	maxBytes int
	maxValue int
}

var _ cache.Cache = (*Cache)(nil)

// New returns an empty cache.
func New(opts ...Opt) *Cache {
	o := options{maxEntries: 10000, maxBytes: 64 << 20, maxValueBytes: storage.DefaultMaxValueBytes}
	for _, opt := range opts {
		opt(&o)
	}
	c := &Cache{maxBytes: o.maxBytes, maxValue: o.maxValueBytes}
	// NewLRU only fails for a non-positive size.
	l, err := simplelru.NewLRU(max(o.maxEntries, 1), func(k string, e entry) { c.bytes -= len(k) + len(e.value) })
	if err != nil {
		panic(err)
	}
	c.lru = l
	return c
}

// Get implements cache.Cache.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Get(key)
	if !ok {
		return nil, cache.ErrNotFound
	}
	if !time.Now().Before(e.expires) {
		c.lru.Remove(key)
		return nil, cache.ErrNotFound
	}
	// Callers may mutate the result; the cached copy must not change.
	return append([]byte{}, e.value...), nil
}

// Set implements cache.Cache.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := cache.CheckSet(key, value, ttl, c.maxValue); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	size := len(key) + len(value)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
	if size > c.maxBytes {
		return nil // would evict everything and still not fit; a cache may drop it
	}
	c.lru.Add(key, entry{value: append([]byte{}, value...), expires: time.Now().Add(ttl)})
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.lru.RemoveOldest()
	}
	return nil
}

// Delete implements cache.Cache.
func (c *Cache) Delete(ctx context.Context, key string) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
	return nil
}

// Len returns the number of entries held, expired or not.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Ping implements cache.Cache; an in-process cache always answers.
func (c *Cache) Ping(ctx context.Context) error { return ctx.Err() }

// Close implements cache.Cache.
func (c *Cache) Close() error { return nil }
