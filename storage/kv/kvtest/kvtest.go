package kvtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/symposium/symposium/storage/kv"
)

// Run runs the conformance suite. newStore must return an empty store using
// the default value limit (kv.DefaultMaxValueBytes); it is called once per
// case and should register its own cleanup.
func Run(t *testing.T, newStore func(t *testing.T) kv.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s kv.Store)
	}{
		{"GetSetOverwrite", testGetSetOverwrite},
		{"EmptyValue", testEmptyValue},
		{"Delete", testDelete},
		{"ListOrdering", testListOrdering},
		{"ListPrefixIsolation", testListPrefixIsolation},
		{"SetMany", testSetMany},
		{"CompareAndSet", testCompareAndSet},
		{"ConcurrentCompareAndSet", testConcurrentCAS},
		{"CompareAndWrite", testCompareAndWrite},
		{"ConcurrentCompareAndWrite", testConcurrentCompareAndWrite},
		{"BigValues", testBigValues},
		{"InvalidKeys", testInvalidKeys},
		{"ContextCancelled", testContextCancelled},
		{"Ping", func(t *testing.T, s kv.Store) {
			if err := s.Ping(context.Background()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}

func mustSet(t *testing.T, s kv.Store, key, value string) {
	t.Helper()
	if err := s.Set(context.Background(), key, []byte(value)); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func wantValue(t *testing.T, s kv.Store, key, want string) {
	t.Helper()
	got, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if string(got) != want {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

func wantNotFound(t *testing.T, s kv.Store, key string) {
	t.Helper()
	if v, err := s.Get(context.Background(), key); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", key, v, err)
	}
}

func testGetSetOverwrite(t *testing.T, s kv.Store) {
	wantNotFound(t, s, "missing")
	mustSet(t, s, "k", "v1")
	wantValue(t, s, "k", "v1")
	mustSet(t, s, "k", "v2")
	wantValue(t, s, "k", "v2")
	// Binary values survive unchanged.
	bin := []byte{0, 1, 2, 0xff, 0xfe, '\n', 0}
	if err := s.Set(context.Background(), "bin", bin); err != nil {
		t.Fatal(err)
	}
	wantValue(t, s, "bin", string(bin))
	// Unicode keys are fine.
	mustSet(t, s, "clé/日本", "x")
	wantValue(t, s, "clé/日本", "x")
}

func testEmptyValue(t *testing.T, s kv.Store) {
	mustSet(t, s, "e", "")
	got, err := s.Get(context.Background(), "e")
	if err != nil {
		t.Fatalf("Get empty value: %v", err)
	}
	if got == nil || len(got) != 0 {
		t.Fatalf("Get empty value = %#v, want non-nil empty slice", got)
	}
	// An empty value is present, so "only if absent" must fail...
	if err := s.CompareAndSet(context.Background(), "e", nil, []byte("x")); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("CAS(absent) on empty value: %v, want ErrConflict", err)
	}
	// ...and the value read back works as the expected value.
	if err := s.CompareAndSet(context.Background(), "e", got, []byte("x")); err != nil {
		t.Fatalf("CAS(empty->x): %v", err)
	}
	wantValue(t, s, "e", "x")
}

func testDelete(t *testing.T, s kv.Store) {
	mustSet(t, s, "a", "1")
	mustSet(t, s, "b", "2")
	if err := s.Delete(context.Background(), "a"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, s, "a")
	wantValue(t, s, "b", "2")
	if err := s.Delete(context.Background(), "a"); err != nil {
		t.Fatalf("Delete of absent key: %v, want nil", err)
	}
}

func keysOf(es []kv.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Key
	}
	return out
}

func testListOrdering(t *testing.T, s kv.Store) {
	// Inserted out of order; byte order puts upper case before lower case
	// and multi-byte UTF-8 last, whatever the backend's locale.
	for _, k := range []string{"p/b", "p/é", "p/a", "p/B", "p/a0", "p/_", "p/A"} {
		mustSet(t, s, k, "v:"+k)
	}
	got, err := s.List(context.Background(), "p/")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []string{"p/A", "p/B", "p/_", "p/a", "p/a0", "p/b", "p/é"}
	if fmt.Sprint(keysOf(got)) != fmt.Sprint(want) {
		t.Fatalf("List keys = %q, want %q", keysOf(got), want)
	}
	for _, e := range got {
		if string(e.Value) != "v:"+e.Key {
			t.Fatalf("List value for %q = %q", e.Key, e.Value)
		}
	}
	all, err := s.List(context.Background(), "")
	if err != nil || len(all) != len(want) {
		t.Fatalf("List(\"\") = %d entries, %v; want %d", len(all), err, len(want))
	}
}

func testListPrefixIsolation(t *testing.T, s kv.Store) {
	// LIKE/glob metacharacters in a prefix must match literally.
	for _, k := range []string{"a", "a/1", "a/2", "ab/1", "b/1", "a%/1", "a_/1", "a\\/1", "a*/1"} {
		mustSet(t, s, k, k)
	}
	cases := map[string][]string{
		"a/":  {"a/1", "a/2"},
		"ab":  {"ab/1"},
		"a%":  {"a%/1"},
		"a_":  {"a_/1"},
		"a\\": {"a\\/1"},
		"a*":  {"a*/1"},
		"c":   {},
	}
	for prefix, want := range cases {
		got, err := s.List(context.Background(), prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		if fmt.Sprint(keysOf(got)) != fmt.Sprint(want) {
			t.Errorf("List(%q) = %q, want %q", prefix, keysOf(got), want)
		}
	}
}

func testCompareAndSet(t *testing.T, s kv.Store) {
	ctx := context.Background()
	if err := s.CompareAndSet(ctx, "c", nil, []byte("v1")); err != nil {
		t.Fatalf("CAS(absent->v1): %v", err)
	}
	wantValue(t, s, "c", "v1")
	if err := s.CompareAndSet(ctx, "c", nil, []byte("v2")); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("CAS(absent) on present key: %v, want ErrConflict", err)
	}
	if err := s.CompareAndSet(ctx, "c", []byte("wrong"), []byte("v2")); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("CAS(wrong->v2): %v, want ErrConflict", err)
	}
	wantValue(t, s, "c", "v1")
	if err := s.CompareAndSet(ctx, "c", []byte("v1"), []byte("v2")); err != nil {
		t.Fatalf("CAS(v1->v2): %v", err)
	}
	wantValue(t, s, "c", "v2")
	if err := s.CompareAndSet(ctx, "missing", []byte("v1"), []byte("v2")); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("CAS on absent key with expected value: %v, want ErrConflict", err)
	}
	wantNotFound(t, s, "missing")
}

func testConcurrentCAS(t *testing.T, s kv.Store) {
	ctx := context.Background()
	const writers = 16
	for round := range 5 {
		key := fmt.Sprintf("race/%d", round)
		mustSet(t, s, key, "start")
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
		)
		start := make(chan struct{})
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				mine := fmt.Sprintf("writer-%d", i)
				err := s.CompareAndSet(ctx, key, []byte("start"), []byte(mine))
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, mine)
					mu.Unlock()
				case !errors.Is(err, kv.ErrConflict):
					t.Errorf("CAS: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: %d winners %q, want exactly 1", round, len(winners), winners)
		}
		wantValue(t, s, key, winners[0])
	}
}

func testBigValues(t *testing.T, s kv.Store) {
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789abcdef"), kv.DefaultMaxValueBytes/16)
	if err := s.Set(ctx, "big", big); err != nil {
		t.Fatalf("Set of exactly the limit: %v", err)
	}
	got, err := s.Get(ctx, "big")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Get big: %d bytes, %v", len(got), err)
	}
	tooBig := append(big, 'x')
	if err := s.Set(ctx, "big2", tooBig); !errors.Is(err, kv.ErrTooLarge) {
		t.Fatalf("Set over the limit: %v, want ErrTooLarge", err)
	}
	if err := s.CompareAndSet(ctx, "big", big, tooBig); !errors.Is(err, kv.ErrTooLarge) {
		t.Fatalf("CAS over the limit: %v, want ErrTooLarge", err)
	}
	wantNotFound(t, s, "big2")
	if err := s.CompareAndSet(ctx, "big", big, []byte("small")); err != nil {
		t.Fatalf("CAS with big expected value: %v", err)
	}
}

func testInvalidKeys(t *testing.T, s kv.Store) {
	ctx := context.Background()
	bad := map[string]string{
		"empty":       "",
		"too long":    strings.Repeat("k", kv.MaxKeyBytes+1),
		"NUL":         "a\x00b",
		"newline":     "a\nb",
		"DEL":         "a\x7fb",
		"invalid UTF": "a\xffb",
	}
	for name, key := range bad {
		for op, err := range map[string]error{
			"Get":    func() error { _, err := s.Get(ctx, key); return err }(),
			"Set":    s.Set(ctx, key, []byte("v")),
			"Delete": s.Delete(ctx, key),
			"CAS":    s.CompareAndSet(ctx, key, nil, []byte("v")),
		} {
			if !errors.Is(err, kv.ErrInvalidKey) {
				t.Errorf("%s with %s key: %v, want ErrInvalidKey", op, name, err)
			}
		}
	}
	if _, err := s.List(ctx, "a\x00"); !errors.Is(err, kv.ErrInvalidKey) {
		t.Errorf("List with NUL prefix: %v, want ErrInvalidKey", err)
	}
	if err := s.Set(ctx, strings.Repeat("k", kv.MaxKeyBytes), []byte("v")); err != nil {
		t.Errorf("Set with a key of exactly %d bytes: %v", kv.MaxKeyBytes, err)
	}
}

func testContextCancelled(t *testing.T, s kv.Store) {
	mustSet(t, s, "k", "old")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	checks := map[string]error{
		"Get":    func() error { _, err := s.Get(ctx, "k"); return err }(),
		"Set":    s.Set(ctx, "k", []byte("new")),
		"Delete": s.Delete(ctx, "k"),
		"List":   func() error { _, err := s.List(ctx, ""); return err }(),
		"CAS":    s.CompareAndSet(ctx, "k", []byte("old"), []byte("new")),
	}
	for op, err := range checks {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with cancelled context: %v, want context.Canceled", op, err)
		}
	}
	wantValue(t, s, "k", "old")
}

// testSetMany: all entries land together, and one invalid entry stores none.
func testSetMany(t *testing.T, s kv.Store) {
	ctx := context.Background()
	mustSet(t, s, "many/a", "old")
	if err := s.SetMany(ctx, []kv.Entry{{Key: "many/a", Value: []byte("1")}, {Key: "many/b", Value: []byte("2")}}); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	for k, want := range map[string]string{"many/a": "1", "many/b": "2"} {
		if got, err := s.Get(ctx, k); err != nil || string(got) != want {
			t.Fatalf("Get(%q) = %q, %v; want %q", k, got, err, want)
		}
	}
	err := s.SetMany(ctx, []kv.Entry{{Key: "many/c", Value: []byte("3")}, {Key: "", Value: []byte("x")}})
	if !errors.Is(err, kv.ErrInvalidKey) {
		t.Fatalf("SetMany with an invalid key: %v, want ErrInvalidKey", err)
	}
	if _, err := s.Get(ctx, "many/c"); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("a rejected SetMany stored part of its entries: %v", err)
	}
}

func testCompareAndWrite(t *testing.T, s kv.Store) {
	ctx := context.Background()
	sets := func(kvs ...string) []kv.Entry {
		var out []kv.Entry
		for i := 0; i < len(kvs); i += 2 {
			out = append(out, kv.Entry{Key: kvs[i], Value: []byte(kvs[i+1])})
		}
		return out
	}
	if err := s.CompareAndWrite(ctx, "g", nil, sets("x", "1"), nil); !errors.Is(err, kv.ErrGuardNotWritten) {
		t.Fatalf("absent guard not written: %v, want ErrGuardNotWritten", err)
	}
	wantNotFound(t, s, "x")
	if err := s.CompareAndWrite(ctx, "g", nil, sets("g", "v1", "a", "A", "b", "B"), nil); err != nil {
		t.Fatalf("create guard with rows: %v", err)
	}
	wantValue(t, s, "g", "v1")
	wantValue(t, s, "a", "A")
	wantValue(t, s, "b", "B")
	if err := s.CompareAndWrite(ctx, "g", nil, sets("g", "v9", "c", "C"), nil); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("absent expectation on a present guard: %v, want ErrConflict", err)
	}
	if err := s.CompareAndWrite(ctx, "g", []byte("stale"), sets("g", "v2", "c", "C"), []string{"a"}); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("stale expectation: %v, want ErrConflict", err)
	}
	// Nothing of a refused batch is written.
	wantNotFound(t, s, "c")
	wantValue(t, s, "a", "A")
	wantValue(t, s, "g", "v1")
	if err := s.CompareAndWrite(ctx, "g", []byte("v1"), sets("g", "v2", "c", "C"), []string{"a", "never-there"}); err != nil {
		t.Fatalf("matching expectation: %v", err)
	}
	wantValue(t, s, "g", "v2")
	wantValue(t, s, "c", "C")
	wantNotFound(t, s, "a")
	// The guard itself may be deleted, with its rows.
	if err := s.CompareAndWrite(ctx, "g", []byte("v2"), nil, []string{"g", "b", "c"}); err != nil {
		t.Fatalf("delete guard and rows: %v", err)
	}
	for _, k := range []string{"g", "b", "c"} {
		wantNotFound(t, s, k)
	}
	// A present expectation on an absent guard conflicts.
	if err := s.CompareAndWrite(ctx, "g", []byte("v2"), sets("g", "v3"), nil); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("expectation on a deleted guard: %v, want ErrConflict", err)
	}
	big := bytes.Repeat([]byte("x"), kv.DefaultMaxValueBytes+1)
	if err := s.CompareAndWrite(ctx, "g", nil, []kv.Entry{{Key: "g", Value: []byte("v")}, {Key: "big", Value: big}}, nil); !errors.Is(err, kv.ErrTooLarge) {
		t.Fatalf("batch with an oversized value: %v, want ErrTooLarge", err)
	}
	wantNotFound(t, s, "g")
	if err := s.CompareAndWrite(ctx, "g", nil, sets("g", "v"), []string{""}); !errors.Is(err, kv.ErrInvalidKey) {
		t.Fatalf("batch deleting an invalid key: %v, want ErrInvalidKey", err)
	}
}

// testConcurrentCompareAndWrite: writers racing on one guard each read it,
// then write guard+1 and a row of their own; every acknowledged write must
// be visible and the guard must count exactly the acknowledged ones.
func testConcurrentCompareAndWrite(t *testing.T, s kv.Store) {
	ctx := context.Background()
	const writers = 8
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; ; attempt++ {
				cur, err := s.Get(ctx, "count")
				var n int
				if errors.Is(err, kv.ErrNotFound) {
					cur = nil
				} else if err != nil {
					t.Errorf("Get: %v", err)
					return
				} else {
					fmt.Sscan(string(cur), &n)
				}
				err = s.CompareAndWrite(ctx, "count", cur, []kv.Entry{
					{Key: "count", Value: []byte(fmt.Sprint(n + 1))},
					{Key: fmt.Sprintf("row/%d", i), Value: []byte("ok")},
				}, nil)
				if err == nil {
					return
				}
				if !errors.Is(err, kv.ErrConflict) || attempt > 200 {
					t.Errorf("writer %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	wantValue(t, s, "count", fmt.Sprint(writers))
	rows, err := s.List(ctx, "row/")
	if err != nil || len(rows) != writers {
		t.Fatalf("rows: %d, %v; want %d", len(rows), err, writers)
	}
}
