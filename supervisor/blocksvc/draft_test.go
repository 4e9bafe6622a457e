package blocksvc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/symposium/symposium/supervisor/isolate"
)

func TestSaveStoresADraftWithoutRunning(t *testing.T) {
	rt := &fakeRuntime{live: map[string]bool{}}
	st := newMemStore()
	s := New(rt, WithStore(st))
	ctx := context.Background()
	if _, err := s.Execute(ctx, Block{ID: "d", Code: isolate.Code{JavaScript: "one"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(ctx, "d", "Mine"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, Block{ID: "d", Code: isolate.Code{JavaScript: "two"}, Data: []byte(`{"n":2}`)}); err != nil {
		t.Fatal(err)
	}
	b, ok, _ := st.LoadBlock(ctx, "d")
	if !ok || b.Code.JavaScript != "two" || string(b.Data) != `{"n":2}` || b.Name != "Mine" || b.UpdatedAt.IsZero() {
		t.Fatalf("stored draft %+v; want the new code and data under the old name", b)
	}
	if out, _, _ := st.LoadOutput(ctx, "d"); rt.runs != 1 || out == nil || out.HTML != "<p>one</p>" {
		t.Fatalf("after a save: %d runs, output %+v; want no run and the last output kept", rt.runs, out)
	}
	// Running the code stored before the draft stores it again: the
	// service does not trust its memory of a write the draft replaced.
	if _, err := s.Execute(ctx, Block{ID: "d", Code: isolate.Code{JavaScript: "one"}}); err != nil {
		t.Fatal(err)
	}
	if b, _, _ := st.LoadBlock(ctx, "d"); b.Code.JavaScript != "one" {
		t.Fatalf("executed code not stored over the draft: %q", b.Code.JavaScript)
	}
	// A new block can be saved before it ever ran; one too large is refused.
	if err := s.Save(ctx, Block{ID: "new", Code: isolate.Code{HTML: "<p>x</p>"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.LoadBlock(ctx, "new"); !ok {
		t.Fatal("a new block's draft was not stored")
	}
	err := s.Save(ctx, Block{ID: "big", Code: isolate.Code{JavaScript: strings.Repeat("x", 2<<20)}})
	if _, ok, _ := st.LoadBlock(ctx, "big"); !errors.Is(err, ErrTooLarge) || ok {
		t.Fatalf("2 MiB draft: %v, stored %v; want ErrTooLarge and nothing stored", err, ok)
	}
}
