package backends

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/symposium/symposium/storage/blob"
	"github.com/symposium/symposium/storage/blob/gcs"
	"github.com/symposium/symposium/storage/blob/localdir"
	"github.com/symposium/symposium/storage/cache"
	"github.com/symposium/symposium/storage/cache/lru"
	"github.com/symposium/symposium/storage/cache/redis"
	"github.com/symposium/symposium/storage/kv"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/storage/kv/postgres"
)

// Backend names reported by Health.
const (
	BackendBolt     = "bolt"
	BackendPostgres = "postgres"
	BackendLRU      = "lru"
	BackendRedis    = "redis"
	BackendLocalDir = "localdir"
	BackendGCS      = "gcs"
)

// Stores holds the opened backend of each role.
type Stores struct {
	KV    kv.Store
	Cache cache.Cache
	Blob  blob.Store

	kvBackend, cacheBackend, blobBackend string
}

// RoleHealth is one line of the health report.
type RoleHealth struct {
	Role    string `json:"role"`    // "kv", "cache" or "blob"
	Backend string `json:"backend"` // e.g. "postgres"
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"` // short, no hosts or secrets
}

// Open opens the backends cfg selects. PostgreSQL must answer (its schema is
// migrated now); Redis and Cloud Storage are contacted lazily, and Health
// says whether they answer.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Stores, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Stores{}
	var err error
	if s.KV, s.kvBackend, err = openKV(ctx, cfg, logger); err != nil {
		return nil, fmt.Errorf("open %s kv store: %w", s.kvBackend, err)
	}
	if s.Cache, s.cacheBackend, err = openCache(cfg, logger); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s cache: %w", s.cacheBackend, err)
	}
	if s.Blob, s.blobBackend, err = openBlob(ctx, cfg, logger); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s blob store: %w", s.blobBackend, err)
	}
	logger.Info("storage backends opened", "kv", s.kvBackend, "cache", s.cacheBackend, "blob", s.blobBackend)
	return s, nil
}

// The open helpers return a nil interface on error, never a typed nil
// pointer, so Close can skip roles that did not open.

func openKV(ctx context.Context, cfg Config, logger *slog.Logger) (kv.Store, string, error) {
	if cfg.DatabaseURL != "" {
		s, err := postgres.Open(ctx, cfg.DatabaseURL, logger,
			postgres.WithSchema(cfg.PostgresSchema), postgres.WithMaxValueBytes(cfg.MaxValueBytes))
		if err != nil {
			return nil, BackendPostgres, err
		}
		return s, BackendPostgres, nil
	}
	s, err := bolt.Open(filepath.Join(cfg.DataDir, "symposium.db"), bolt.WithMaxValueBytes(cfg.MaxValueBytes))
	if err != nil {
		return nil, BackendBolt, err
	}
	return s, BackendBolt, nil
}

func openCache(cfg Config, logger *slog.Logger) (cache.Cache, string, error) {
	if cfg.RedisURL == "" {
		return lru.New(lru.WithMaxValueBytes(cfg.MaxValueBytes)), BackendLRU, nil
	}
	c, err := redis.Open(cfg.RedisURL, logger, redis.WithPrefix(cfg.RedisPrefix), redis.WithMaxValueBytes(cfg.MaxValueBytes))
	if err != nil {
		return nil, BackendRedis, err
	}
	return c, BackendRedis, nil
}

func openBlob(ctx context.Context, cfg Config, logger *slog.Logger) (blob.Store, string, error) {
	if cfg.GCSBucket == "" {
		s, err := localdir.Open(filepath.Join(cfg.DataDir, "blobs"))
		if err != nil {
			return nil, BackendLocalDir, err
		}
		return s, BackendLocalDir, nil
	}
	var opts []gcs.Opt
	if cfg.StorageEmulatorHost != "" {
		opts = append(opts, gcs.WithEmulatorHost(cfg.StorageEmulatorHost))
	}
	s, err := gcs.Open(ctx, cfg.GCSBucket, logger, opts...)
	if err != nil {
		return nil, BackendGCS, err
	}
	return s, BackendGCS, nil
}

// Health pings every role concurrently, each bounded by 2s (or ctx).
func (s *Stores) Health(ctx context.Context) []RoleHealth {
	type pinger interface{ Ping(context.Context) error }
	roles := []struct {
		role, backend string
		p             pinger
	}{
		{"kv", s.kvBackend, s.KV},
		{"cache", s.cacheBackend, s.Cache},
		{"blob", s.blobBackend, s.Blob},
	}
	out := make([]RoleHealth, len(roles))
	var wg sync.WaitGroup
	for i, r := range roles {
		out[i] = RoleHealth{Role: r.role, Backend: r.backend, OK: true}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			if err := r.p.Ping(pctx); err != nil {
				out[i].OK = false
				out[i].Error = shortError(err)
			}
		}()
	}
	wg.Wait()
	return out
}

// Close closes every opened backend.
func (s *Stores) Close() error {
	var errs []error
	for _, c := range []interface{ Close() error }{s.KV, s.Cache, s.Blob} {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

func shortError(err error) string {
	msg := err.Error()
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	return msg
}
