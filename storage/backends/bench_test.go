package backends_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/symposium/symposium/storage/backends"
	"github.com/symposium/symposium/storage/internal/servicetest"
)

// benchStores opens one Stores per environment: everything local, and
// everything remote (PostgreSQL, Redis, Cloud Storage via fake-gcs-server).
func benchStores(b *testing.B) map[string]*backends.Stores {
	out := map[string]*backends.Stores{}
	local, err := backends.Open(context.Background(), backends.Config{DataDir: b.TempDir()}, discard)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { local.Close() })
	out["local"] = local

	dsn := servicetest.PostgresURL(b)
	redisURL := servicetest.RedisURL(b)
	gcsSrv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(gcsSrv.Stop)
	gcsSrv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "bench"})
	cloud, err := backends.Open(context.Background(), backends.Config{
		DataDir: b.TempDir(), DatabaseURL: dsn, RedisURL: redisURL,
		GCSBucket: "bench", StorageEmulatorHost: gcsSrv.URL(),
		PostgresSchema: tempSchema(b, dsn), RedisPrefix: tempRedisPrefix(b, redisURL),
	}, discard)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cloud.Close() })
	out["cloud"] = cloud
	return out
}

func backendName(s *backends.Stores, role string) string {
	for _, h := range s.Health(context.Background()) {
		if h.Role == role {
			return h.Backend
		}
	}
	return role
}

func BenchmarkKV(b *testing.B) {
	val := make([]byte, 1024)
	for _, s := range benchStores(b) {
		b.Run(backendName(s, "kv")+"/Set", func(b *testing.B) {
			b.SetBytes(int64(len(val)))
			i := 0
			for b.Loop() {
				if err := s.KV.Set(context.Background(), fmt.Sprintf("bench/%d", i%1000), val); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(backendName(s, "kv")+"/Get", func(b *testing.B) {
			b.SetBytes(int64(len(val)))
			if err := s.KV.Set(context.Background(), "bench/get", val); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.KV.Get(context.Background(), "bench/get"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCache(b *testing.B) {
	val := make([]byte, 1024)
	for _, s := range benchStores(b) {
		b.Run(backendName(s, "cache")+"/Set", func(b *testing.B) {
			b.SetBytes(int64(len(val)))
			i := 0
			for b.Loop() {
				if err := s.Cache.Set(context.Background(), fmt.Sprintf("bench/%d", i%1000), val, time.Minute); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(backendName(s, "cache")+"/Get", func(b *testing.B) {
			b.SetBytes(int64(len(val)))
			if err := s.Cache.Set(context.Background(), "bench/get", val, time.Hour); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.Cache.Get(context.Background(), "bench/get"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBlob(b *testing.B) {
	val := make([]byte, 64<<10)
	for _, s := range benchStores(b) {
		b.Run(backendName(s, "blob")+"/Put", func(b *testing.B) {
			b.SetBytes(int64(len(val)))
			for b.Loop() {
				if err := s.Blob.Put(context.Background(), "bench/put", val); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(backendName(s, "blob")+"/Get", func(b *testing.B) {
			b.SetBytes(int64(len(val)))
			if err := s.Blob.Put(context.Background(), "bench/get", val); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.Blob.Get(context.Background(), "bench/get"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
