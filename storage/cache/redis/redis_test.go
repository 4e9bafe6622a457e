package redis_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/symposium/symposium/storage/cache"
	"github.com/symposium/symposium/storage/cache/cachetest"
	"github.com/symposium/symposium/storage/cache/redis"
	"github.com/symposium/symposium/storage/internal/servicetest"
)

func TestConformance(t *testing.T) {
	url := servicetest.RedisURL(t)
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		prefix := servicetest.UniqueName("symtest:") + ":"
		c, err := redis.Open(url, slog.New(slog.DiscardHandler), redis.WithPrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c.Close()
			cleanPrefix(t, url, prefix)
		})
		return c
	})
}

// cleanPrefix deletes every key the test wrote and fails if any key escaped
// the prefix (nothing else can be checked without touching foreign keys).
func cleanPrefix(t *testing.T, url, prefix string) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rc := goredis.NewClient(opts)
	defer rc.Close()
	ctx := context.Background()
	iter := rc.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		if err := rc.Del(ctx, iter.Val()).Err(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

func TestClosedPortIsUnavailableWithinDeadline(t *testing.T) {
	c, err := redis.Open("redis://:s3cret@127.0.0.1:1/0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.Get(ctx, "k")
	if !errors.Is(err, cache.ErrUnavailable) {
		t.Fatalf("Get on closed port: %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("error leaks connection details: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("a refused connection should fail before the caller's deadline")
	}
}

func TestBadURL(t *testing.T) {
	if _, err := redis.Open("http://x", slog.New(slog.DiscardHandler)); !errors.Is(err, redis.ErrBadURL) {
		t.Fatalf("Open(http://x): %v, want ErrBadURL", err)
	}
}
