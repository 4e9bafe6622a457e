package blocks_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/symposium/symposium/storage/blob/localdir"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/blocks"
	"github.com/symposium/symposium/storage/kv/bolt"
)

type fixture struct {
	blocks *blocks.Store
	data   *blockdata.Store
	kv     *bolt.Store
	blobs  *localdir.Store
}

// newFixture wires the real embedded backends, as a local deployment does.
func newFixture(t *testing.T) fixture {
	dir := t.TempDir()
	kv, err := bolt.Open(filepath.Join(dir, "symposium.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	blobs, err := localdir.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	data := blockdata.New(kv)
	return fixture{blocks: blocks.New(kv, blobs, data), data: data, kv: kv, blobs: blobs}
}

func TestPutGetList(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	b := blocks.Block{ID: "chart-1", Code: blocks.Code{HTML: "<div id=c></div>", CSS: "#c{}", JavaScript: "draw()"}, Data: []byte(`{"points":[1,2]}`)}
	before := time.Now().UTC()
	if err := f.blocks.Put(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := f.blocks.Put(ctx, blocks.Block{ID: "a-first"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.blocks.Get(ctx, "chart-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Code != b.Code || string(got.Data) != string(b.Data) || got.UpdatedAt.Before(before) {
		t.Fatalf("Get = %+v", got)
	}
	list, err := f.blocks.List(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "a-first" || list[1].ID != "chart-1" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if _, err := f.blocks.Get(ctx, "nope"); !errors.Is(err, blocks.ErrNotFound) {
		t.Fatalf("Get missing: %v", err)
	}
	if err := f.blocks.Put(ctx, blocks.Block{ID: "../x"}); !errors.Is(err, blocks.ErrInvalidID) {
		t.Fatalf("Put bad id: %v", err)
	}
	if err := f.blocks.Put(ctx, blocks.Block{ID: "x", Data: []byte(`{oops`)}); !errors.Is(err, blocks.ErrInvalidBlock) {
		t.Fatalf("Put bad data: %v", err)
	}
}

func TestOutputInlineAndInBlob(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if err := f.blocks.PutOutput(ctx, "ghost", blocks.Output{HTML: "x"}); !errors.Is(err, blocks.ErrNotFound) {
		t.Fatalf("PutOutput for missing block: %v", err)
	}
	if err := f.blocks.Put(ctx, blocks.Block{ID: "b"}); err != nil {
		t.Fatal(err)
	}
	small := blocks.Output{HTML: "<p>hi</p>", CSS: "p{}", Logs: []blocks.Log{{Level: "log", Message: "1"}}, Error: &blocks.RunError{Kind: "timeout", Message: "too slow"}, DurationMs: 12}
	if err := f.blocks.PutOutput(ctx, "b", small); err != nil {
		t.Fatal(err)
	}
	got, err := f.blocks.GetOutput(ctx, "b")
	if err != nil || got.HTML != small.HTML || got.Error.Kind != "timeout" || got.DurationMs != 12 || got.UpdatedAt.IsZero() {
		t.Fatalf("GetOutput = %+v, %v", got, err)
	}
	if names, _ := f.blobs.List(ctx, ""); len(names) != 0 {
		t.Fatalf("small output created blobs %q", names)
	}

	large := blocks.Output{HTML: strings.Repeat("<li>row</li>", 10000)} // ~120 KiB
	if err := f.blocks.PutOutput(ctx, "b", large); err != nil {
		t.Fatal(err)
	}
	raw, err := f.kv.Get(ctx, "output/b")
	if err != nil || len(raw) > 1024 {
		t.Fatalf("kv record for large output is %d bytes, %v; want a small reference", len(raw), err)
	}
	if names, _ := f.blobs.List(ctx, "blocks/b/"); len(names) != 1 {
		t.Fatalf("large output blobs = %q, want one", names)
	}
	got, err = f.blocks.GetOutput(ctx, "b")
	if err != nil || got.HTML != large.HTML {
		t.Fatalf("GetOutput large = %d bytes, %v", len(got.HTML), err)
	}

	// Going back to a small output removes the stale blob.
	if err := f.blocks.PutOutput(ctx, "b", small); err != nil {
		t.Fatal(err)
	}
	if names, _ := f.blobs.List(ctx, ""); len(names) != 0 {
		t.Fatalf("stale blobs %q", names)
	}
}

func TestDeleteRemovesEverything(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, id := range []string{"gone", "kept"} {
		if err := f.blocks.Put(ctx, blocks.Block{ID: id}); err != nil {
			t.Fatal(err)
		}
		if err := f.blocks.PutOutput(ctx, id, blocks.Output{HTML: strings.Repeat("x", blocks.InlineHTMLLimit+1)}); err != nil {
			t.Fatal(err)
		}
		if err := f.data.Save(ctx, id, "k", []byte(`1`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.blocks.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.blocks.Get(ctx, "gone"); !errors.Is(err, blocks.ErrNotFound) {
		t.Fatalf("block after Delete: %v", err)
	}
	if _, err := f.blocks.GetOutput(ctx, "gone"); !errors.Is(err, blocks.ErrNotFound) {
		t.Fatalf("output after Delete: %v", err)
	}
	if _, err := f.data.Get(ctx, "gone", "k"); !errors.Is(err, blockdata.ErrNotFound) {
		t.Fatalf("data after Delete: %v", err)
	}
	if names, _ := f.blobs.List(ctx, "blocks/gone/"); len(names) != 0 {
		t.Fatalf("blobs after Delete: %q", names)
	}
	if _, err := f.blocks.GetOutput(ctx, "kept"); err != nil {
		t.Fatalf("other block's output: %v", err)
	}
	if _, err := f.data.Get(ctx, "kept", "k"); err != nil {
		t.Fatalf("other block's data: %v", err)
	}
	if err := f.blocks.Delete(ctx, "gone"); err != nil {
		t.Fatalf("Delete twice: %v", err)
	}
}

// PutWithOutput records a run of new code whole: block and output together,
// a large output in blob storage, and a later small one drops that blob.
func TestPutWithOutput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := blocks.Block{ID: "run", Code: blocks.Code{HTML: "<p></p>", JavaScript: "1"}}
	big := blocks.Output{HTML: strings.Repeat("x", blocks.InlineHTMLLimit+1)}
	if err := f.blocks.PutWithOutput(ctx, b, big); err != nil {
		t.Fatal(err)
	}
	got, err := f.blocks.Get(ctx, "run")
	if err != nil || got.Code != b.Code || got.UpdatedAt.IsZero() {
		t.Fatalf("block: %+v %v", got, err)
	}
	out, err := f.blocks.GetOutput(ctx, "run")
	if err != nil || out.HTML != big.HTML {
		t.Fatalf("large output: %d bytes, %v", len(out.HTML), err)
	}
	if names, _ := f.blobs.List(ctx, "blocks/run/"); len(names) != 1 {
		t.Fatalf("large output not in blob storage: %v", names)
	}
	if err := f.blocks.PutWithOutput(ctx, b, blocks.Output{HTML: "<p>small</p>"}); err != nil {
		t.Fatal(err)
	}
	if out, _ := f.blocks.GetOutput(ctx, "run"); out.HTML != "<p>small</p>" {
		t.Fatalf("small output: %q", out.HTML)
	}
	if names, _ := f.blobs.List(ctx, "blocks/run/"); len(names) != 0 {
		t.Fatalf("stale blob left: %v", names)
	}
	if err := f.blocks.PutWithOutput(ctx, blocks.Block{ID: "bad id!"}, blocks.Output{}); err == nil {
		t.Fatal("an invalid id was stored")
	}
}

// A 180 kB block of markup (each '<' and '>' would be six bytes with
// json.Marshal's HTML escaping) is stored with an output at every output
// limit at once (2 MiB HTML, 512 KiB CSS, 1 MiB log), under the embedded
// store's 1 MiB value limit, and reads back whole.
func TestLargeBlockAndOutputFit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	html := strings.Repeat("<b></b>", 180_000/7)
	b := blocks.Block{ID: "big", Code: blocks.Code{HTML: html, CSS: "p>a{}", JavaScript: "if (1 < 2 && 3 > 2) {}"}}
	out := blocks.Output{HTML: strings.Repeat("<i>x</i>", (2<<20)/8), CSS: strings.Repeat("a>b{}", (512<<10)/5),
		Removed: []blocks.Removal{{What: "<script>", Count: 1, Why: "scripts never run in an output page"}}}
	out.Page = "<!DOCTYPE html><body>" + out.HTML
	for range 1024 {
		out.Logs = append(out.Logs, blocks.Log{Level: "log", Message: strings.Repeat("<", 1020)})
	}
	if err := f.blocks.PutWithOutput(ctx, b, out); err != nil {
		t.Fatalf("PutWithOutput of a 180 kB block: %v", err)
	}
	got, err := f.blocks.Get(ctx, "big")
	if err != nil || got.Code != b.Code {
		t.Fatalf("Get: %v (code equal: %v)", err, got.Code == b.Code)
	}
	o, err := f.blocks.GetOutput(ctx, "big")
	if err != nil || o.HTML != out.HTML || o.CSS != out.CSS || len(o.Logs) != len(out.Logs) || o.Page != out.Page || len(o.Removed) != 1 {
		t.Fatalf("GetOutput: %v, html %d css %d logs %d", err, len(o.HTML), len(o.CSS), len(o.Logs))
	}
	// A small output replaces it and its blob goes.
	if err := f.blocks.PutOutput(ctx, "big", blocks.Output{HTML: "<p>small</p>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.blobs.Get(ctx, "blocks/big/output.json"); !errors.Is(err, blocks.ErrNotFound) {
		t.Fatalf("stale output blob: %v, want not found", err)
	}
	if o, err := f.blocks.GetOutput(ctx, "big"); err != nil || o.HTML != "<p>small</p>" {
		t.Fatalf("small output: %v %q", err, o.HTML)
	}
	if err := f.blocks.Delete(ctx, "big"); err != nil {
		t.Fatal(err)
	}
}
