package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/cache"
)

type options struct {
	prefix        string
	maxValueBytes int
	timeout       time.Duration
}

// Opt configures Open.
type Opt func(*options)

// WithPrefix prepends prefix to every key (default "symposium:").
func WithPrefix(p string) Opt { return func(o *options) { o.prefix = p } }

// WithMaxValueBytes sets the largest accepted value (default storage.DefaultMaxValueBytes).
func WithMaxValueBytes(n int) Opt { return func(o *options) { o.maxValueBytes = n } }

// WithTimeout bounds every call (default 2s); a shorter context deadline wins.
func WithTimeout(d time.Duration) Opt { return func(o *options) { o.timeout = d } }

// Cache is a cache.Cache backed by Redis.
type Cache struct {
	client   *goredis.Client
	log      *slog.Logger
	prefix   string
	maxValue int
	timeout  time.Duration
}

var _ cache.Cache = (*Cache)(nil)

// Open configures a client for redisURL. It does not dial: Redis may come up
// after us, and Ping/Health report whether it answers.
func Open(redisURL string, logger *slog.Logger, opts ...Opt) (*Cache, error) {
	o := options{prefix: "symposium:", maxValueBytes: storage.DefaultMaxValueBytes, timeout: 2 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	ropts, err := goredis.ParseURL(redisURL)
	if err != nil {
		return nil, ErrBadURL
	}
	// One retry at most: callers hold a deadline and a cache miss is cheap.
	ropts.MaxRetries = 1
	ropts.DialTimeout = o.timeout
	// Let the caller's deadline, not fixed socket timeouts, bound each call.
	ropts.ContextTimeoutEnabled = true
	return &Cache{
		client:   goredis.NewClient(ropts),
		log:      logger,
		prefix:   o.prefix,
		maxValue: o.maxValueBytes,
		timeout:  o.timeout,
	}, nil
}

// Get implements cache.Cache.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	v, err := c.client.Get(cctx, c.prefix+key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, cache.ErrNotFound
	}
	if err != nil {
		return nil, c.classify(ctx, cctx, "get", err)
	}
	return v, nil
}

// Set implements cache.Cache.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := cache.CheckSet(key, value, ttl, c.maxValue); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.client.Set(cctx, c.prefix+key, value, ttl).Err(); err != nil {
		return c.classify(ctx, cctx, "set", err)
	}
	return nil
}

// Delete implements cache.Cache.
func (c *Cache) Delete(ctx context.Context, key string) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.client.Del(cctx, c.prefix+key).Err(); err != nil {
		return c.classify(ctx, cctx, "delete", err)
	}
	return nil
}

// Ping implements cache.Cache.
func (c *Cache) Ping(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.client.Ping(cctx).Err(); err != nil {
		return c.classify(ctx, cctx, "ping", err)
	}
	return nil
}

// Close implements cache.Cache.
func (c *Cache) Close() error { return c.client.Close() }

// classify keeps the caller's cancellation as context.Canceled and turns
// everything else (timeouts, refused or broken connections) into
// ErrUnavailable; details, which name hosts, go to the log only.
func (c *Cache) classify(parent, ctx context.Context, op string, err error) error {
	if parent.Err() == context.Canceled {
		return fmt.Errorf("cache %s: %w", op, context.Canceled)
	}
	c.log.Warn("redis cache call failed", "op", op, "err", err)
	var rerr goredis.Error
	if errors.As(err, &rerr) && ctx.Err() == nil {
		return fmt.Errorf("cache %s failed: Redis replied with an error", op)
	}
	return fmt.Errorf("%w: Redis did not answer %s", cache.ErrUnavailable, op)
}
