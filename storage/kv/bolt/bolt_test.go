package bolt_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/symposium/symposium/storage/kv"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/storage/kv/kvtest"
)

func open(t testing.TB, path string) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.Store {
		return open(t, filepath.Join(t.TempDir(), "kv.db"))
	})
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "kv.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := open(t, path).Get(t.Context(), "k")
	if err != nil || string(got) != "v" {
		t.Fatalf("after reopen: %q, %v", got, err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	open(t, path)
	_, err := bolt.Open(path, bolt.WithLockTimeout(50*time.Millisecond))
	if !errors.Is(err, bolt.ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
}
