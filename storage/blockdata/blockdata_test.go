package blockdata_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/internal/servicetest"
	"github.com/symposium/symposium/storage/kv"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/storage/kv/postgres"
)

// backends runs fn against the embedded store and the real PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, newKV func(t *testing.T) kv.Store)) {
	t.Run("bolt", func(t *testing.T) {
		fn(t, func(t *testing.T) kv.Store {
			s, err := bolt.Open(filepath.Join(t.TempDir(), "kv.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := servicetest.PostgresURL(t)
		fn(t, func(t *testing.T) kv.Store {
			schema := servicetest.UniqueName("blockdatatest_")
			s, err := postgres.Open(context.Background(), dsn, slog.New(slog.DiscardHandler), postgres.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				s.Close()
				conn, err := pgx.Connect(context.Background(), dsn)
				if err == nil {
					conn.Exec(context.Background(), `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
					conn.Close(context.Background())
				}
			})
			return s
		})
	})
}

func TestSaveGetDelete(t *testing.T) {
	backends(t, func(t *testing.T, newKV func(t *testing.T) kv.Store) {
		ctx := context.Background()
		d := blockdata.New(newKV(t))
		if _, err := d.Get(ctx, "b1", "score"); !errors.Is(err, blockdata.ErrNotFound) {
			t.Fatalf("Get before Save: %v, want ErrNotFound", err)
		}
		if err := d.Save(ctx, "b1", "score", []byte(` { "n" : 1, "html": "<b>&</b>" } `)); err != nil {
			t.Fatal(err)
		}
		got, err := d.Get(ctx, "b1", "score")
		if err != nil || string(got) != `{"n":1,"html":"<b>&</b>"}` {
			t.Fatalf("Get = %s, %v", got, err)
		}
		if err := d.Save(ctx, "b1", "score", []byte(`2`)); err != nil {
			t.Fatal(err)
		}
		if got, _ := d.Get(ctx, "b1", "score"); string(got) != "2" {
			t.Fatalf("after overwrite: %s", got)
		}
		if err := d.Delete(ctx, "b1", "score"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Get(ctx, "b1", "score"); !errors.Is(err, blockdata.ErrNotFound) {
			t.Fatalf("Get after Delete: %v", err)
		}
		if err := d.Delete(ctx, "b1", "never"); err != nil {
			t.Fatalf("Delete of absent key: %v", err)
		}
	})
}

func TestBlocksAreIsolated(t *testing.T) {
	backends(t, func(t *testing.T, newKV func(t *testing.T) kv.Store) {
		ctx := context.Background()
		d := blockdata.New(newKV(t))
		for _, b := range []string{"a", "ab", "b"} {
			if err := d.Save(ctx, b, "k", []byte(`"`+b+`"`)); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.DeleteAll(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Get(ctx, "a", "k"); !errors.Is(err, blockdata.ErrNotFound) {
			t.Fatalf("a after DeleteAll: %v", err)
		}
		for _, b := range []string{"ab", "b"} {
			if got, err := d.Get(ctx, b, "k"); err != nil || string(got) != `"`+b+`"` {
				t.Fatalf("block %s = %s, %v", b, got, err)
			}
		}
		// Ids that could address another namespace are refused outright.
		for _, id := range []string{"", "b/../a", "a/k", "a b", strings.Repeat("x", 65)} {
			if err := d.Save(ctx, id, "k", []byte(`1`)); !errors.Is(err, blockdata.ErrInvalidBlockID) {
				t.Errorf("Save with block id %q: %v, want ErrInvalidBlockID", id, err)
			}
		}
	})
}

func TestValidation(t *testing.T) {
	backends(t, func(t *testing.T, newKV func(t *testing.T) kv.Store) {
		ctx := context.Background()
		d := blockdata.New(newKV(t))
		for _, v := range []string{``, `{`, `undefined`, `{'a':1}`, "\"\xff\""} {
			if err := d.Save(ctx, "b", "k", []byte(v)); !errors.Is(err, blockdata.ErrInvalidJSON) {
				t.Errorf("Save(%q): %v, want ErrInvalidJSON", v, err)
			}
		}
		for _, k := range []string{"", "a\nb", strings.Repeat("k", blockdata.MaxKeyBytes+1)} {
			if err := d.Save(ctx, "b", k, []byte(`1`)); !errors.Is(err, blockdata.ErrInvalidKey) {
				t.Errorf("Save with key %q: %v, want ErrInvalidKey", k, err)
			}
		}
	})
}

func TestQuotas(t *testing.T) {
	backends(t, func(t *testing.T, newKV func(t *testing.T) kv.Store) {
		ctx := context.Background()
		d := blockdata.New(newKV(t))
		for i := range 100 {
			if err := d.Save(ctx, "q", fmt.Sprintf("k%03d", i), []byte(`true`)); err != nil {
				t.Fatalf("key %d: %v", i, err)
			}
		}
		err := d.Save(ctx, "q", "k100", []byte(`true`))
		if !errors.Is(err, blockdata.ErrQuota) || !strings.Contains(err.Error(), "101 keys > 100") {
			t.Fatalf("101st key: %v, want ErrQuota '101 keys > 100'", err)
		}
		if err := d.Save(ctx, "q", "k000", []byte(`false`)); err != nil {
			t.Fatalf("overwriting an existing key at the key limit: %v", err)
		}
		// Another block has its own quota.
		if err := d.Save(ctx, "other", "k", []byte(`1`)); err != nil {
			t.Fatal(err)
		}

		big := `"` + strings.Repeat("x", 64<<10) + `"` // 64 KiB + 2 quotes
		if err := d.Save(ctx, "v", "big", []byte(big)); !errors.Is(err, blockdata.ErrQuota) {
			t.Fatalf("value over 64 KiB: %v, want ErrQuota", err)
		}
		ok := `"` + strings.Repeat("x", 64<<10-2) + `"`
		if err := d.Save(ctx, "v", "big", []byte(ok)); err != nil {
			t.Fatalf("value of exactly 64 KiB: %v", err)
		}
		// Total: sixteen 64 KiB values pass 1 MiB once key names count.
		var totalErr error
		for i := 0; i < 20 && totalErr == nil; i++ {
			totalErr = d.Save(ctx, "t", fmt.Sprintf("k%d", i), []byte(ok))
		}
		if !errors.Is(totalErr, blockdata.ErrQuota) || !strings.Contains(totalErr.Error(), "> 1048576") {
			t.Fatalf("filling 1 MiB: %v, want ErrQuota over 1048576 bytes", totalErr)
		}
		all, err := d.All(ctx, "t")
		if err != nil || len(all) != 15 {
			t.Fatalf("after hitting the total quota: %d keys, %v; want 15", len(all), err)
		}
	})
}

// TestConcurrentWriters: no update is lost and the key quota holds exactly
// under racing writers, because each write is one compare-and-set.
func TestConcurrentWriters(t *testing.T) {
	backends(t, func(t *testing.T, newKV func(t *testing.T) kv.Store) {
		ctx := context.Background()
		d := blockdata.New(newKV(t), blockdata.WithLimits(blockdata.Limits{MaxKeys: 10}))
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			ok, quota int
		)
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := d.Save(ctx, "c", fmt.Sprintf("k%d", i), []byte(fmt.Sprint(i)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, blockdata.ErrQuota):
					quota++
				default:
					t.Errorf("Save: %v", err)
				}
			}()
		}
		wg.Wait()
		all, err := d.All(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		if ok != 10 || quota != 20 || len(all) != 10 {
			t.Fatalf("ok=%d quota=%d stored=%d; want 10, 20, 10", ok, quota, len(all))
		}
	})
}
