package cachetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/cache"
)

// Run runs the conformance suite. newCache must return an empty cache using
// the default value limit; it is called once per case.
func Run(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	cases := []struct {
		name string
		fn   func(t *testing.T, c cache.Cache)
	}{
		{"GetSetOverwriteDelete", testBasics},
		{"TTLExpiry", testTTL},
		{"BigValues", testBigValues},
		{"InvalidArguments", testInvalid},
		{"ContextCancelled", testCancelled},
		{"Ping", func(t *testing.T, c cache.Cache) {
			if err := c.Ping(context.Background()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newCache(t)) })
	}
}

func want(t *testing.T, c cache.Cache, key, value string) {
	t.Helper()
	got, err := c.Get(context.Background(), key)
	if err != nil || string(got) != value {
		t.Fatalf("Get(%q) = %q, %v; want %q", key, got, err, value)
	}
}

func wantMiss(t *testing.T, c cache.Cache, key string) {
	t.Helper()
	if got, err := c.Get(context.Background(), key); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", key, got, err)
	}
}

func testBasics(t *testing.T, c cache.Cache) {
	ctx := context.Background()
	wantMiss(t, c, "k")
	if err := c.Set(ctx, "k", []byte("v1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	want(t, c, "k", "v1")
	if err := c.Set(ctx, "k", []byte("v2"), time.Hour); err != nil {
		t.Fatal(err)
	}
	want(t, c, "k", "v2")
	if err := c.Set(ctx, "other", []byte("o"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	wantMiss(t, c, "k")
	want(t, c, "other", "o")
	if err := c.Delete(ctx, "k"); err != nil {
		t.Fatalf("Delete of absent key: %v", err)
	}
}

func testTTL(t *testing.T, c cache.Cache) {
	ctx := context.Background()
	if err := c.Set(ctx, "long", []byte("l"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "short", []byte("s"), 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// Overwriting resets the TTL: "renewed" first expires soon, then lives long.
	if err := c.Set(ctx, "renewed", []byte("r"), 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "renewed", []byte("r"), time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	wantMiss(t, c, "short")
	want(t, c, "long", "l")
	want(t, c, "renewed", "r")
}

func testBigValues(t *testing.T, c cache.Cache) {
	ctx := context.Background()
	big := bytes.Repeat([]byte{0xab}, storage.DefaultMaxValueBytes)
	if err := c.Set(ctx, "big", big, time.Hour); err != nil {
		t.Fatalf("Set of exactly the limit: %v", err)
	}
	got, err := c.Get(ctx, "big")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Get big: %d bytes, %v", len(got), err)
	}
	if err := c.Set(ctx, "big2", append(big, 0), time.Hour); !errors.Is(err, cache.ErrTooLarge) {
		t.Fatalf("Set over the limit: %v, want ErrTooLarge", err)
	}
	wantMiss(t, c, "big2")
}

func testInvalid(t *testing.T, c cache.Cache) {
	ctx := context.Background()
	for _, key := range []string{"", strings.Repeat("k", storage.MaxKeyBytes+1), "a\x00b", "a\tb", "\xff"} {
		if err := c.Set(ctx, key, []byte("v"), time.Hour); !errors.Is(err, cache.ErrInvalidKey) {
			t.Errorf("Set(%q): %v, want ErrInvalidKey", key, err)
		}
		if _, err := c.Get(ctx, key); !errors.Is(err, cache.ErrInvalidKey) {
			t.Errorf("Get(%q): %v, want ErrInvalidKey", key, err)
		}
		if err := c.Delete(ctx, key); !errors.Is(err, cache.ErrInvalidKey) {
			t.Errorf("Delete(%q): %v, want ErrInvalidKey", key, err)
		}
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := c.Set(ctx, "k", []byte("v"), ttl); !errors.Is(err, cache.ErrInvalidTTL) {
			t.Errorf("Set with TTL %v: %v, want ErrInvalidTTL", ttl, err)
		}
	}
	wantMiss(t, c, "k")
}

func testCancelled(t *testing.T, c cache.Cache) {
	if err := c.Set(context.Background(), "k", []byte("old"), time.Hour); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for op, err := range map[string]error{
		"Get":    func() error { _, err := c.Get(ctx, "k"); return err }(),
		"Set":    c.Set(ctx, "k", []byte("new"), time.Hour),
		"Delete": c.Delete(ctx, "k"),
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with cancelled context: %v, want context.Canceled", op, err)
		}
	}
	want(t, c, "k", "old")
}
