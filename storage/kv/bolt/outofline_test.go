package bolt_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/symposium/symposium/storage/kv"
	"github.com/symposium/symposium/storage/kv/bolt"
)

// TestValueFormsSwitch: a key moves between the inline and the out-of-line
// form as its value shrinks and grows, and every call sees one value.
func TestValueFormsSwitch(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "kv.db"))
	ctx := t.Context()
	small, big := []byte("small"), bytes.Repeat([]byte("B"), 10000)
	for i, v := range [][]byte{small, big, big[:5000], small, big} {
		if err := s.Set(ctx, "k", v); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got, err := s.Get(ctx, "k"); err != nil || !bytes.Equal(got, v) {
			t.Fatalf("step %d: Get = %d bytes, %v; want %d", i, len(got), err, len(v))
		}
	}
	if err := s.Set(ctx, "a", small); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "z", big); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, "")
	if err != nil || len(list) != 3 || list[0].Key != "a" || !bytes.Equal(list[1].Value, big) || !bytes.Equal(list[2].Value, big) {
		t.Fatalf("List = %d entries, %v", len(list), err)
	}
	if err := s.CompareAndSet(ctx, "k", big, small); err != nil {
		t.Fatalf("CAS from an out-of-line value: %v", err)
	}
	if err := s.CompareAndWrite(ctx, "k", small, []kv.Entry{{Key: "k", Value: big}}, []string{"z"}); err != nil {
		t.Fatalf("CompareAndWrite: %v", err)
	}
	if err := s.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k", "z"} {
		if _, err := s.Get(ctx, k); !errors.Is(err, kv.ErrNotFound) {
			t.Fatalf("Get(%s) after delete: %v", k, err)
		}
	}
}

// TestInlineLargeValuesFromOlderFilesStayReadable: files written before
// large values moved out of line hold them inline; they read and rewrite.
func TestInlineLargeValuesFromOlderFilesStayReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	big := bytes.Repeat([]byte("o"), 50000)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("kv")).Put([]byte("old"), big) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s = open(t, path)
	ctx := t.Context()
	if got, err := s.Get(ctx, "old"); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("inline large value: %d bytes, %v", len(got), err)
	}
	if err := s.CompareAndSet(ctx, "old", big, append(big, '!')); err != nil {
		t.Fatalf("rewriting it: %v", err)
	}
	if got, err := s.Get(ctx, "old"); err != nil || len(got) != len(big)+1 {
		t.Fatalf("after rewrite: %d bytes, %v", len(got), err)
	}
}
