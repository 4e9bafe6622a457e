package lru_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/symposium/symposium/storage/cache"
	"github.com/symposium/symposium/storage/cache/cachetest"
	"github.com/symposium/symposium/storage/cache/lru"
)

func TestConformance(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cache.Cache { return lru.New() })
}

func TestEvictsLeastRecentlyUsedByCount(t *testing.T) {
	ctx := context.Background()
	c := lru.New(lru.WithMaxEntries(3))
	for _, k := range []string{"a", "b", "c"} {
		if err := c.Set(ctx, k, []byte(k), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Get(ctx, "a"); err != nil { // a becomes most recent
		t.Fatal(err)
	}
	if err := c.Set(ctx, "d", []byte("d"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "b"); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("b should be evicted, got %v", err)
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, err := c.Get(ctx, k); err != nil {
			t.Fatalf("%s evicted: %v", k, err)
		}
	}
}

func TestEvictsByBytes(t *testing.T) {
	ctx := context.Background()
	c := lru.New(lru.WithMaxBytes(1000))
	val := make([]byte, 99) // 2-byte key + 99 = 101 bytes per entry
	for i := range 20 {
		if err := c.Set(ctx, fmt.Sprintf("%02d", i), val, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	// 101 bytes per entry: at most 9 fit in 1000 bytes, the newest ones.
	if c.Len() != 9 {
		t.Fatalf("Len = %d, want 9", c.Len())
	}
	if _, err := c.Get(ctx, "10"); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("oldest surviving should be 11, got %v for 10", err)
	}
	if _, err := c.Get(ctx, "11"); err != nil {
		t.Fatalf("11: %v", err)
	}
	// A value bigger than the whole cache is dropped, not an error, and
	// does not flush the others.
	if err := c.Set(ctx, "huge", make([]byte, 2000), time.Hour); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 9 {
		t.Fatalf("Len after oversized Set = %d, want 9", c.Len())
	}
}

func TestReturnedValueIsACopy(t *testing.T) {
	ctx := context.Background()
	c := lru.New()
	in := []byte("abc")
	if err := c.Set(ctx, "k", in, time.Hour); err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	got, _ := c.Get(ctx, "k")
	got[1] = 'Y'
	again, _ := c.Get(ctx, "k")
	if string(again) != "abc" {
		t.Fatalf("cached value changed through caller slices: %q", again)
	}
}
