package blockdata_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/internal/servicetest"
	"github.com/symposium/symposium/storage/kv"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/storage/kv/postgres"
)

// counting passes every call through and counts the bytes handed to the
// backend for writing (values and keys).
type counting struct {
	kv.Store
	written atomic.Int64
}

func (c *counting) add(es []kv.Entry) {
	for _, e := range es {
		c.written.Add(int64(len(e.Key) + len(e.Value)))
	}
}

func (c *counting) Set(ctx context.Context, k string, v []byte) error {
	c.add([]kv.Entry{{Key: k, Value: v}})
	return c.Store.Set(ctx, k, v)
}

func (c *counting) SetMany(ctx context.Context, es []kv.Entry) error {
	c.add(es)
	return c.Store.SetMany(ctx, es)
}

func (c *counting) CompareAndSet(ctx context.Context, k string, exp, v []byte) error {
	c.add([]kv.Entry{{Key: k, Value: v}})
	return c.Store.CompareAndSet(ctx, k, exp, v)
}

func (c *counting) CompareAndWrite(ctx context.Context, g string, exp []byte, sets []kv.Entry, dels []string) error {
	c.add(sets)
	return c.Store.CompareAndWrite(ctx, g, exp, sets, dels)
}

// saveStorm is the storm: 200 saveData calls of 60 kB over the 16
// keys that fill a block to just under 1 MiB. It returns the bytes saved.
func saveStorm(t *testing.T, d *blockdata.Store) int64 {
	t.Helper()
	ctx := context.Background()
	var saved int64
	for i := range 200 {
		raw := make([]byte, 45000) // 60,000 base64 characters: incompressible text
		rand.Read(raw)
		v := []byte(`"` + base64.StdEncoding.EncodeToString(raw) + `"`)
		if err := d.Save(ctx, "storm", fmt.Sprintf("k%02d", i%16), v); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
		saved += int64(len(v))
	}
	return saved
}

// wchar is the bytes this process has passed to write(2)-family calls.
func wchar(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "wchar: "); ok {
			var n int64
			fmt.Sscan(v, &n)
			return n
		}
	}
	t.Fatal("no wchar in /proc/self/io")
	return 0
}

// TestSaveStormWritesItsData: 200 saves of 60 kB write at most twice what
// they save, counted at the kv interface and measured where the bytes land:
// bbolt's write(2) calls, PostgreSQL's table (heap and TOAST) growth.
func TestSaveStormWritesItsData(t *testing.T) {
	t.Run("bolt", func(t *testing.T) {
		s, err := bolt.Open(filepath.Join(t.TempDir(), "kv.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		c := &counting{Store: s}
		before := wchar(t)
		saved := saveStorm(t, blockdata.New(c))
		disk := wchar(t) - before
		t.Logf("saved %d B; handed to kv %d B (%.2fx); bbolt wrote %d B (%.2fx)",
			saved, c.written.Load(), float64(c.written.Load())/float64(saved), disk, float64(disk)/float64(saved))
		if c.written.Load() > 2*saved || disk > 2*saved {
			t.Fatalf("wrote kv %d / disk %d bytes for %d saved; want at most twice", c.written.Load(), disk, saved)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := servicetest.PostgresURL(t)
		ctx := context.Background()
		schema := servicetest.UniqueName("blockdatastorm_")
		s, err := postgres.Open(ctx, dsn, slog.New(slog.DiscardHandler), postgres.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			conn.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
			conn.Close(ctx)
		}()
		table := pgx.Identifier{schema, "kv"}.Sanitize()
		size := func() int64 {
			var n int64
			if err := conn.QueryRow(ctx, `SELECT pg_total_relation_size($1::regclass)`, table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		c := &counting{Store: s}
		before := size()
		saved := saveStorm(t, blockdata.New(c))
		grown := size() - before
		t.Logf("saved %d B; handed to kv %d B (%.2fx); table grew %d B (%.2fx)",
			saved, c.written.Load(), float64(c.written.Load())/float64(saved), grown, float64(grown)/float64(saved))
		if c.written.Load() > 2*saved || grown > 2*saved {
			t.Fatalf("wrote kv %d / table %d bytes for %d saved; want at most twice", c.written.Load(), grown, saved)
		}
	})
}

// TestOldRecordsMigrate: data in the old single-record format is readable,
// then moves to one row per key on first touch, old record removed.
func TestOldRecordsMigrate(t *testing.T) {
	backends(t, func(t *testing.T, newKV func(t *testing.T) kv.Store) {
		ctx := context.Background()
		for _, first := range []string{"get", "getMissing", "all", "save", "delete", "deleteAll"} {
			t.Run(first, func(t *testing.T) {
				store := newKV(t)
				// As the old format wrote it: one object, HTML left unescaped.
				old := []byte(`{"a":{"n":1},"b":"<&>"}`)
				if err := store.Set(ctx, "blockdata/m", old); err != nil {
					t.Fatal(err)
				}
				d := blockdata.New(store, blockdata.WithLimits(blockdata.Limits{MaxKeys: 3}))
				var err error
				switch first {
				case "get":
					var v json.RawMessage
					v, err = d.Get(ctx, "m", "b")
					if string(v) != `"<&>"` {
						t.Fatalf("Get = %s", v)
					}
				case "getMissing":
					_, err = d.Get(ctx, "m", "zzz")
					if !errors.Is(err, blockdata.ErrNotFound) {
						t.Fatalf("Get missing: %v", err)
					}
					err = nil
				case "all":
					_, err = d.All(ctx, "m")
				case "save":
					err = d.Save(ctx, "m", "c", []byte(`3`))
				case "delete":
					err = d.Delete(ctx, "m", "b")
				case "deleteAll":
					if err := d.DeleteAll(ctx, "m"); err != nil {
						t.Fatal(err)
					}
					if all, err := d.All(ctx, "m"); err != nil || len(all) != 0 {
						t.Fatalf("after DeleteAll: %v %v", all, err)
					}
					left, _ := store.List(ctx, "blockdata/")
					if len(left) != 0 {
						t.Fatalf("DeleteAll left %d records", len(left))
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if _, err := store.Get(ctx, "blockdata/m"); !errors.Is(err, kv.ErrNotFound) {
					t.Fatalf("old record still there after %s: %v", first, err)
				}
				all, err := d.All(ctx, "m")
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]string{"a": `{"n":1}`, "b": `"<&>"`}
				switch first {
				case "save":
					want["c"] = "3"
				case "delete":
					delete(want, "b")
				}
				if len(all) != len(want) {
					t.Fatalf("after %s: %v, want %v", first, all, want)
				}
				for k, v := range want {
					if string(all[k]) != v {
						t.Fatalf("after %s: %s = %s, want %s", first, k, all[k], v)
					}
				}
				// The quotas count the migrated keys.
				if first == "save" {
					if err := d.Save(ctx, "m", "d", []byte(`4`)); !errors.Is(err, blockdata.ErrQuota) {
						t.Fatalf("4th key over a 3-key quota after migration: %v", err)
					}
				}
			})
		}
	})
}

// TestDeleteFreesQuota: the index tracks deletions, so the space comes back.
func TestDeleteFreesQuota(t *testing.T) {
	backends(t, func(t *testing.T, newKV func(t *testing.T) kv.Store) {
		ctx := context.Background()
		d := blockdata.New(newKV(t), blockdata.WithLimits(blockdata.Limits{MaxKeys: 2, MaxTotalBytes: 100}))
		if err := d.Save(ctx, "f", "a", []byte(`"`+strings.Repeat("x", 80)+`"`)); err != nil {
			t.Fatal(err)
		}
		if err := d.Save(ctx, "f", "b", []byte(`"`+strings.Repeat("x", 20)+`"`)); !errors.Is(err, blockdata.ErrQuota) {
			t.Fatalf("over the byte quota: %v", err)
		}
		// Shrinking a value in place frees its difference.
		if err := d.Save(ctx, "f", "a", []byte(`1`)); err != nil {
			t.Fatal(err)
		}
		if err := d.Save(ctx, "f", "b", []byte(`"`+strings.Repeat("x", 20)+`"`)); err != nil {
			t.Fatalf("after shrinking: %v", err)
		}
		if err := d.Save(ctx, "f", "c", []byte(`1`)); !errors.Is(err, blockdata.ErrQuota) {
			t.Fatalf("third key: %v", err)
		}
		if err := d.Delete(ctx, "f", "a"); err != nil {
			t.Fatal(err)
		}
		if err := d.Save(ctx, "f", "c", []byte(`1`)); err != nil {
			t.Fatalf("after deleting a key: %v", err)
		}
	})
}
