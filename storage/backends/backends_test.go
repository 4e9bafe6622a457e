package backends_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/backends"
	"github.com/symposium/symposium/storage/internal/servicetest"
)

func backendsOf(h []backends.RoleHealth) string {
	var parts []string
	for _, r := range h {
		parts = append(parts, r.Role+"="+r.Backend)
	}
	return strings.Join(parts, ",")
}

// roundTrip proves each role really works, not just that it opened.
func roundTrip(t *testing.T, s *backends.Stores) {
	t.Helper()
	ctx := context.Background()
	if err := s.KV.Set(ctx, "rt", []byte("kv")); err != nil {
		t.Fatalf("kv: %v", err)
	}
	if v, err := s.KV.Get(ctx, "rt"); err != nil || string(v) != "kv" {
		t.Fatalf("kv get: %q %v", v, err)
	}
	if err := s.Cache.Set(ctx, "rt", []byte("cache"), time.Minute); err != nil {
		t.Fatalf("cache: %v", err)
	}
	if v, err := s.Cache.Get(ctx, "rt"); err != nil || string(v) != "cache" {
		t.Fatalf("cache get: %q %v", v, err)
	}
	if err := s.Blob.Put(ctx, "rt/x", []byte("blob")); err != nil {
		t.Fatalf("blob: %v", err)
	}
	if v, err := s.Blob.Get(ctx, "rt/x"); err != nil || string(v) != "blob" {
		t.Fatalf("blob get: %q %v", v, err)
	}
}

func TestOpenLocalDefaults(t *testing.T) {
	dir := t.TempDir()
	cfg, err := backends.ConfigFromEnv(func(k string) string {
		if k == "DATA_DIR" {
			return dir
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := backends.Open(context.Background(), cfg, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	roundTrip(t, s)
	h := s.Health(context.Background())
	if got := backendsOf(h); got != "kv=bolt,cache=lru,blob=localdir" {
		t.Fatalf("backends = %s", got)
	}
	for _, r := range h {
		if !r.OK {
			t.Fatalf("%s unhealthy: %s", r.Role, r.Error)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "symposium.db")); err != nil {
		t.Fatalf("bbolt file not under DATA_DIR: %v", err)
	}
}

func TestOpenCloudBackends(t *testing.T) {
	dsn := servicetest.PostgresURL(t)
	redisURL := servicetest.RedisURL(t)
	gcsSrv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer gcsSrv.Stop()
	gcsSrv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "symposium-blobs"})

	cfg := backends.Config{
		DataDir:             t.TempDir(),
		DatabaseURL:         dsn,
		RedisURL:            redisURL,
		GCSBucket:           "symposium-blobs",
		StorageEmulatorHost: gcsSrv.URL(),
		PostgresSchema:      tempSchema(t, dsn),
		RedisPrefix:         tempRedisPrefix(t, redisURL),
	}
	s, err := backends.Open(context.Background(), cfg, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	roundTrip(t, s)
	h := s.Health(context.Background())
	if got := backendsOf(h); got != "kv=postgres,cache=redis,blob=gcs" {
		t.Fatalf("backends = %s", got)
	}
	for _, r := range h {
		if !r.OK {
			t.Fatalf("%s unhealthy: %s", r.Role, r.Error)
		}
	}
	// The report is what /api/health serialises.
	js, _ := json.Marshal(h)
	if !strings.Contains(string(js), `{"role":"kv","backend":"postgres","ok":true}`) {
		t.Fatalf("health JSON = %s", js)
	}
}

func TestOpenFailsCleanlyWhenPostgresIsDown(t *testing.T) {
	cfg := backends.Config{DataDir: t.TempDir(), DatabaseURL: "postgres://app:hunter2@127.0.0.1:1/db?sslmode=disable"}
	_, err := backends.Open(context.Background(), cfg, discard)
	if !errors.Is(err, storage.ErrUnavailable) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Open with PostgreSQL down: %v, want ErrUnavailable without the password", err)
	}
}

// TestDegradation cuts PostgreSQL and Redis off mid-run through proxies (the
// real servers keep running): calls fail with ErrUnavailable within the
// caller's deadline, nothing panics, Health reports the roles down, and the
// unaffected blob role stays up.
func TestDegradation(t *testing.T) {
	dsn := servicetest.PostgresURL(t)
	redisURL := servicetest.RedisURL(t)
	pgURL, _ := url.Parse(dsn)
	rdURL, _ := url.Parse(redisURL)
	pgProxy := startProxy(t, pgURL.Host)
	rdProxy := startProxy(t, rdURL.Host)
	pgURL.Host, rdURL.Host = pgProxy.addr(), rdProxy.addr()

	s, err := backends.Open(context.Background(), backends.Config{
		DataDir:        t.TempDir(),
		DatabaseURL:    pgURL.String(),
		RedisURL:       rdURL.String(),
		PostgresSchema: tempSchema(t, dsn),
		RedisPrefix:    tempRedisPrefix(t, redisURL),
	}, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	roundTrip(t, s)

	const bound = 500 * time.Millisecond
	// Each call gets its own deadline so one hung call cannot make the next
	// fail merely because a shared context already expired.
	bounded := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		t.Cleanup(cancel)
		return ctx
	}
	check := func(phase string) {
		t.Helper()
		if _, err := s.KV.Get(bounded(), "rt"); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s: kv Get = %v, want ErrUnavailable", phase, err)
		}
		if err := s.KV.Set(bounded(), "rt", []byte("x")); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s: kv Set = %v, want ErrUnavailable", phase, err)
		}
		if _, err := s.Cache.Get(bounded(), "rt"); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s: cache Get = %v, want ErrUnavailable", phase, err)
		}
		if err := s.Cache.Set(bounded(), "rt", []byte("x"), time.Minute); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s: cache Set = %v, want ErrUnavailable", phase, err)
		}
		h := s.Health(bounded())
		if h[0].OK || h[1].OK || !h[2].OK {
			t.Errorf("%s: health = %+v, want kv and cache down, blob up", phase, h)
		}
		for _, r := range h[:2] {
			if strings.Contains(r.Error, "127.0.0.1") || strings.Contains(r.Error, "postgres://") {
				t.Errorf("%s: health error leaks details: %q", phase, r.Error)
			}
		}
	}
	// Hung server: traffic is swallowed, so only the deadline ends the call.
	pgProxy.blackhole()
	rdProxy.blackhole()
	check("blackholed")
	// Gone server: connections are refused.
	pgProxy.stop()
	rdProxy.stop()
	check("stopped")
}
