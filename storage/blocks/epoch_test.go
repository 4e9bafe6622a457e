package blocks_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/symposium/symposium/storage/blocks"
)

// TestEpochFencesWritesAfterADelete: a write made for an execution that
// noted the epoch before a delete stores nothing; writers that agree on
// the epoch (first writes of a new block included) all get through.
func TestEpochFencesWritesAfterADelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e, err := f.blocks.Epoch(ctx, "x")
	if err != nil || e != 0 {
		t.Fatalf("epoch of a new block: %d %v", e, err)
	}
	// Concurrent first writes at epoch 0 race on creating the epoch record.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f.blocks.PutWithOutputAt(ctx, blocks.Block{ID: "x", Code: blocks.Code{JavaScript: fmt.Sprint(i)}}, blocks.Output{HTML: "h"}, 0)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a first write at epoch 0: %v", err)
		}
	}
	if err := f.data.Save(ctx, "x", "k", []byte(`1`)); err != nil {
		t.Fatal(err)
	}
	if err := f.blocks.Delete(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if e, _ := f.blocks.Epoch(ctx, "x"); e != 1 {
		t.Fatalf("epoch after a delete: %d, want 1", e)
	}
	for what, err := range map[string]error{
		"PutAt":           f.blocks.PutAt(ctx, blocks.Block{ID: "x"}, 0),
		"PutWithOutputAt": f.blocks.PutWithOutputAt(ctx, blocks.Block{ID: "x"}, blocks.Output{HTML: "late"}, 0),
		"PutOutputAt":     f.blocks.PutOutputAt(ctx, "x", blocks.Output{HTML: "late"}, 0),
	} {
		if !errors.Is(err, blocks.ErrDeleted) {
			t.Errorf("%s at the epoch before the delete: %v, want ErrDeleted", what, err)
		}
	}
	if _, err := f.blocks.Get(ctx, "x"); !errors.Is(err, blocks.ErrNotFound) {
		t.Fatalf("the block came back: %v", err)
	}
	if _, err := f.blocks.GetOutput(ctx, "x"); !errors.Is(err, blocks.ErrNotFound) {
		t.Fatalf("its output came back: %v", err)
	}
	// A data save landing after the delete is purged while the block is absent.
	if err := f.data.Save(ctx, "x", "late", []byte(`2`)); err != nil {
		t.Fatal(err)
	}
	if absent, err := f.blocks.PurgeDeleted(ctx, "x", 0); err != nil || !absent {
		t.Fatalf("purge: %v %v", absent, err)
	}
	if n, _ := f.blocks.DataSize(ctx, "x"); n != 0 {
		t.Fatalf("%d bytes of data left after the purge", n)
	}
	// At the new epoch the block can be created again, and is then not purged.
	if err := f.blocks.PutWithOutputAt(ctx, blocks.Block{ID: "x"}, blocks.Output{HTML: "new"}, 1); err != nil {
		t.Fatal(err)
	}
	if absent, err := f.blocks.PurgeDeleted(ctx, "x", 0); err != nil || absent {
		t.Fatalf("purge of a stored block: %v %v", absent, err)
	}
	if out, err := f.blocks.GetOutput(ctx, "x"); err != nil || out.HTML != "new" {
		t.Fatalf("the recreated block's output: %+v %v", out, err)
	}
}
