package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/symposium/symposium/storage/blob"
)

// Run runs the conformance suite. newStore must return an empty store using
// the default size limit; it is called once per case.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"PutGetOverwrite", testPutGetOverwrite},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"List", testList},
		{"BigBlobs", testBig},
		{"InvalidNames", testInvalid},
		{"ContextCancelled", testCancelled},
		{"Ping", func(t *testing.T, s blob.Store) {
			if err := s.Ping(context.Background()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}

func put(t *testing.T, s blob.Store, name string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), name, data); err != nil {
		t.Fatalf("Put(%q): %v", name, err)
	}
}

func want(t *testing.T, s blob.Store, name string, data []byte) {
	t.Helper()
	got, err := s.Get(context.Background(), name)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get(%q) = %d bytes, %v; want %d bytes", name, len(got), err, len(data))
	}
}

func testPutGetOverwrite(t *testing.T, s blob.Store) {
	put(t, s, "blocks/b1/output.html", []byte("<p>one</p>"))
	want(t, s, "blocks/b1/output.html", []byte("<p>one</p>"))
	put(t, s, "blocks/b1/output.html", []byte("<p>two, longer</p>"))
	want(t, s, "blocks/b1/output.html", []byte("<p>two, longer</p>"))
	put(t, s, "blocks/b1/output.html", []byte("3"))
	want(t, s, "blocks/b1/output.html", []byte("3"))
	// Odd but valid names keep their exact spelling and stay distinct.
	odd := []string{"a b/ü%2F.txt", "a b/ü/.txt", ".hidden", "x..y", "%41"}
	for i, n := range odd {
		put(t, s, n, []byte{byte(i), 0, 0xff})
	}
	for i, n := range odd {
		want(t, s, n, []byte{byte(i), 0, 0xff})
	}
	put(t, s, "empty", nil)
	want(t, s, "empty", []byte{})
}

func testNotFound(t *testing.T, s blob.Store) {
	if _, err := s.Get(context.Background(), "nope/x"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get of missing blob: %v, want ErrNotFound", err)
	}
}

func testDelete(t *testing.T, s blob.Store) {
	put(t, s, "d/1", []byte("1"))
	put(t, s, "d/2", []byte("2"))
	if err := s.Delete(context.Background(), "d/1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(context.Background(), "d/1"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	want(t, s, "d/2", []byte("2"))
	if err := s.Delete(context.Background(), "d/1"); err != nil {
		t.Fatalf("Delete of missing blob: %v, want nil", err)
	}
}

func testList(t *testing.T, s blob.Store) {
	for _, n := range []string{"l/b", "l/a/2", "l/a/1", "la", "m/x", "l/B"} {
		put(t, s, n, []byte(n))
	}
	cases := map[string][]string{
		"l/":   {"l/B", "l/a/1", "l/a/2", "l/b"},
		"l/a/": {"l/a/1", "l/a/2"},
		"l":    {"l/B", "l/a/1", "l/a/2", "l/b", "la"},
		"z":    {},
	}
	for prefix, want := range cases {
		got, err := s.List(context.Background(), prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("List(%q) = %q, want %q", prefix, got, want)
		}
	}
	all, err := s.List(context.Background(), "")
	if err != nil || len(all) != 6 {
		t.Fatalf("List(\"\") = %q, %v; want 6 names", all, err)
	}
}

func testBig(t *testing.T, s blob.Store) {
	big := bytes.Repeat([]byte("symposium"), 3<<20/9) // ~3 MiB
	put(t, s, "big", big)
	want(t, s, "big", big)
	tooBig := make([]byte, blob.DefaultMaxBlobBytes+1)
	if err := s.Put(context.Background(), "big", tooBig); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("Put over the limit: %v, want ErrTooLarge", err)
	}
	want(t, s, "big", big)
}

func testInvalid(t *testing.T, s blob.Store) {
	ctx := context.Background()
	for _, name := range []string{"", ".", "..", "a\nb", "a\x00", "\xfe"} {
		if err := s.Put(ctx, name, []byte("x")); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put(%q): %v, want ErrInvalidKey", name, err)
		}
		if _, err := s.Get(ctx, name); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Get(%q): %v, want ErrInvalidKey", name, err)
		}
		if err := s.Delete(ctx, name); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Delete(%q): %v, want ErrInvalidKey", name, err)
		}
	}
}

func testCancelled(t *testing.T, s blob.Store) {
	put(t, s, "c", []byte("old"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for op, err := range map[string]error{
		"Put":    s.Put(ctx, "c", []byte("new")),
		"Get":    func() error { _, err := s.Get(ctx, "c"); return err }(),
		"Delete": s.Delete(ctx, "c"),
		"List":   func() error { _, err := s.List(ctx, ""); return err }(),
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with cancelled context: %v, want context.Canceled", op, err)
		}
	}
	want(t, s, "c", []byte("old"))
}
