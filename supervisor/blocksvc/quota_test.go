package blocksvc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/symposium/symposium/supervisor/isolate"
)

func TestQuotaBlocksAndBytes(t *testing.T) {
	ctx := context.Background()
	rt := &fakeRuntime{live: map[string]bool{}}
	st := newMemStore()
	// One block is there before the service starts: the tally reads it.
	_ = st.SaveBlock(ctx, Block{ID: "old", Code: isolate.Code{HTML: strings.Repeat("a", 1000)}})
	s := New(rt, WithStore(st), WithQuota(Quota{Blocks: 3, Bytes: 20_000}))
	u, err := s.Usage(ctx)
	if err != nil || u.Blocks != 1 || u.Bytes < 1000 || u.MaxBlocks != 3 || u.MaxBytes != 20_000 {
		t.Fatalf("usage at start: %+v %v", u, err)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.Execute(ctx, Block{ID: id, Code: isolate.Code{JavaScript: "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.Execute(ctx, Block{ID: "c", Code: isolate.Code{JavaScript: "x"}})
	if !errors.Is(err, ErrQuota) || !strings.Contains(err.Error(), "MAX_BLOCKS") || rt.runs != 2 {
		t.Fatalf("4th block of 3: %v after %d runs; want ErrQuota before running", err, rt.runs)
	}
	// A known block may still change, within the bytes.
	if _, err := s.Execute(ctx, Block{ID: "a", Code: isolate.Code{JavaScript: strings.Repeat("y", 5000)}}); err != nil {
		t.Fatalf("a known block under the byte quota: %v", err)
	}
	// Its output (the fake renders the JavaScript into HTML) counts too:
	// 9,000 bytes of code and 9,000 of output pass 20,000.
	_, err = s.Execute(ctx, Block{ID: "b", Code: isolate.Code{JavaScript: strings.Repeat("z", 9000)}})
	if !errors.Is(err, ErrQuota) || !strings.Contains(err.Error(), "MAX_STORAGE_MB") {
		t.Fatalf("over the byte quota: %v", err)
	}
	if b, _, _ := st.LoadBlock(ctx, "b"); b.Code.JavaScript != "x" {
		t.Fatal("a block refused for quota was stored")
	}
	// Deleting frees its share.
	before, _ := s.Usage(ctx)
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	after, _ := s.Usage(ctx)
	if after.Blocks != 2 || after.Bytes >= before.Bytes-5000 {
		t.Fatalf("after a delete: %+v (before %+v)", after, before)
	}
	if _, err := s.Execute(ctx, Block{ID: "c", Code: isolate.Code{JavaScript: "x"}}); err != nil {
		t.Fatalf("a new block after a delete freed room: %v", err)
	}
}
