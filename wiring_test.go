package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/symposium/symposium/storage/backends"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/blocks"
	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
)

// serviceURL is TEST_<what>_URL or the local default, skipping the test
// when it does not answer (failing under CI=true).
func serviceURL(t *testing.T, env, def string) string {
	t.Helper()
	raw := os.Getenv(env)
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s is malformed", env)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is unreachable and CI=true: %v", u.Host, err)
		}
		t.Skipf("%s is unreachable, skipping: %v", u.Host, err)
	}
	conn.Close()
	return raw
}

// scriptRuntime stands in for the isolate runtime of one instance: a run
// may wait for a release, then saves data as a script's saveData would,
// and renders a small or (every third block) a blob-sized output.
type scriptRuntime struct {
	data  *blockdata.Store
	mu    sync.Mutex
	hold  chan struct{}
	began chan struct{}
}

func (r *scriptRuntime) Run(ctx context.Context, id string, code isolate.Code, _ []byte) (*isolate.Result, error) {
	r.mu.Lock()
	hold, began := r.hold, r.began
	r.mu.Unlock()
	if began != nil {
		close(began)
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := r.data.Save(ctx, id, "saved-by-"+code.JavaScript, []byte(`{"n":1}`)); err != nil {
		return nil, err
	}
	html := "<p>" + code.JavaScript + "</p>"
	if strings.HasSuffix(id, "0") || strings.HasSuffix(id, "3") || strings.HasSuffix(id, "6") {
		html += strings.Repeat("<i>big</i>", 10_000) // past the inline limit: a blob
	}
	return &isolate.Result{BlockID: id, HTML: html, Kind: isolate.KindOK}, nil
}

func (r *scriptRuntime) End(string) bool             { return false }
func (r *scriptRuntime) LiveBlocks() map[string]bool { return map[string]bool{} }

// TestDeleteWinsAcrossInstances: two block services (two instances) over
// one PostgreSQL and Redis (as production opens them) and one blob
// directory. A delete answered on B while A executes the block wins: A
// answers ErrDeleted and nothing of its execution (block, output, output
// blob, saved data) is left; 100 of 100 tries, half with the delete
// racing the end of the run.
func TestDeleteWinsAcrossInstances(t *testing.T) {
	if os.Getenv("SYMPOSIUM_IN_GUEST") == "1" {
		t.Skip("the cgroup v2 guest has no PostgreSQL or Redis; this test runs on the host")
	}
	dsn := serviceURL(t, "TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	redisURL := serviceURL(t, "TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
	ctx := context.Background()
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	schema := "fencetest_" + hex.EncodeToString(nonce[:])
	cfg := backends.Config{DataDir: t.TempDir(), DatabaseURL: dsn, RedisURL: redisURL, PostgresSchema: schema, RedisPrefix: schema + ":"}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), dsn); err == nil {
			c.Exec(context.Background(), `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
			c.Close(context.Background())
		}
	})
	type instance struct {
		svc   *blocksvc.Service
		store blockStore
		data  *blockdata.Store
		rt    *scriptRuntime
	}
	open := func() instance {
		stores, err := backends.Open(ctx, cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stores.Close() })
		data := blockdata.New(stores.KV)
		rt := &scriptRuntime{data: data}
		st := blockStore{blocks.New(stores.KV, stores.Blob, data)}
		svc := blocksvc.New(rt, blocksvc.WithStore(st))
		data.SetAccountant(svc)
		return instance{svc, st, data, rt}
	}
	a, b := open(), open()
	const tries = 100
	won, racedIn := 0, 0
	for i := range tries {
		id := fmt.Sprintf("blk%d", i)
		if _, err := a.svc.Execute(ctx, blocksvc.Block{ID: id, Code: isolate.Code{JavaScript: "v1"}}); err != nil {
			t.Fatalf("try %d: first execution: %v", i, err)
		}
		hold, began := make(chan struct{}), make(chan struct{})
		a.rt.mu.Lock()
		a.rt.hold, a.rt.began = hold, began
		a.rt.mu.Unlock()
		done := make(chan error, 1)
		go func() {
			_, err := a.svc.Execute(ctx, blocksvc.Block{ID: id, Code: isolate.Code{JavaScript: "v2"}})
			done <- err
		}()
		<-began
		a.rt.mu.Lock()
		a.rt.hold, a.rt.began = nil, nil
		a.rt.mu.Unlock()
		racing := i%2 == 1
		if racing {
			close(hold) // the run ends while the delete is under way
		}
		if err := b.svc.Delete(ctx, id); err != nil {
			t.Fatalf("try %d: delete on B: %v", i, err)
		}
		if !racing {
			close(hold)
		}
		err := <-done
		if !racing && !errors.Is(err, blocksvc.ErrDeleted) {
			t.Errorf("try %d: the execution in flight on A answered %v; want ErrDeleted", i, err)
		}
		if err != nil && !errors.Is(err, blocksvc.ErrDeleted) {
			t.Errorf("try %d: the racing execution on A: %v", i, err)
		}
		if err == nil {
			racedIn++ // stored before the delete, which then removed it
		}
		// What is left, read afresh from the store.
		_, blockLeft, err1 := b.store.LoadBlock(ctx, id)
		_, outLeft, err2 := b.store.LoadOutput(ctx, id)
		dataLeft, err3 := b.store.DataSize(ctx, id)
		epoch, err4 := b.store.s.Epoch(ctx, id)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			t.Fatalf("try %d: reading back: %v", i, err)
		}
		if blockLeft || outLeft || dataLeft != 0 {
			t.Errorf("try %d (racing %v): after the delete the block %v, output %v, %d bytes of data are stored (epoch %d)",
				i, racing, blockLeft, outLeft, dataLeft, epoch)
			continue
		}
		won++
	}
	t.Logf("delete won in %d of %d tries", won, tries)
	if won != tries {
		t.Fatalf("delete won in %d of %d tries", won, tries)
	}
	// No output blob is left behind either, and both tallies know.
	_ = filepath.WalkDir(filepath.Join(cfg.DataDir, "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			t.Errorf("blob left: %s", path)
		}
		return nil
	})
	// B's tally knows of every delete; A's of those it found when its
	// write was refused (its tally is its own: a write that got in before
	// B's delete stays counted on A until it restarts).
	if u, err := b.svc.Usage(ctx); err != nil || u.Blocks != 0 {
		t.Errorf("instance B counts %+v (%v) after every block was deleted", u, err)
	}
	if u, err := a.svc.Usage(ctx); err != nil || u.Blocks > racedIn {
		t.Errorf("instance A counts %+v (%v); at most the %d blocks it stored before their delete", u, err, racedIn)
	}
	t.Logf("racing tries where A stored before B's delete: %d", racedIn)
}
