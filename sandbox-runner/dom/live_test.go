package dom

import (
	"errors"
	"testing"

	"github.com/dop251/goja"
)

func TestAnnotatedBodyHTML(t *testing.T) {
	rt := goja.New()
	d, err := New(rt, `<p id="a">x<b>y</b></p><svg viewBox="0 0 1 1"><circle r="1"></circle></svg><template><i>t</i></template>`)
	if err != nil {
		t.Fatal(err)
	}
	_ = rt.Set("document", d.Document())
	got, err := d.AnnotatedBodyHTML(0)
	if err != nil {
		t.Fatal(err)
	}
	want := `<p data-symposium-node="1" id="a">x<b data-symposium-node="2">y</b></p><svg data-symposium-node="3" viewBox="0 0 1 1"><circle data-symposium-node="4" r="1"></circle></svg><template data-symposium-node="5"><i data-symposium-node="6">t</i></template>`
	if got != want {
		t.Fatalf("annotated:\n got %s\nwant %s", got, want)
	}
	if plain, _ := d.BodyHTML(0); plain != `<p id="a">x<b>y</b></p><svg viewBox="0 0 1 1"><circle r="1"></circle></svg><template><i>t</i></template>` {
		t.Errorf("plain BodyHTML changed: %s", plain)
	}
	// The script removes b and forges an id on p: b is forgotten, the forged value never written.
	if _, err := rt.RunString(`const p = document.getElementById('a'); p.querySelector('b').remove(); p.setAttribute('data-symposium-node', '99'); p.append(document.createElement('u'))`); err != nil {
		t.Fatal(err)
	}
	got, _ = d.AnnotatedBodyHTML(0)
	want = `<p data-symposium-node="1" id="a">x<u data-symposium-node="7"></u></p><svg data-symposium-node="3" viewBox="0 0 1 1"><circle data-symposium-node="4" r="1"></circle></svg><template data-symposium-node="5"><i data-symposium-node="6">t</i></template>`
	if got != want {
		t.Fatalf("after edits:\n got %s\nwant %s", got, want)
	}
	if _, err := d.Target("", 2); !errors.Is(err, ErrNoElement) {
		t.Errorf("removed node 2: %v", err)
	}
	tg, err := d.Target("", 7)
	if err != nil || tg.n.Data != "u" {
		t.Errorf("node 7: %v %v", tg, err)
	}
	if _, err := d.Target("p[", 0); !errors.Is(err, ErrBadSelector) {
		t.Errorf("bad selector: %v", err)
	}
	if _, err := d.Target(".none", 0); !errors.Is(err, ErrNoElement) {
		t.Errorf("no match: %v", err)
	}
	if tg, err := d.Target("svg circle", 0); err != nil || tg.n.Data != "circle" {
		t.Errorf("selector: %v %v", tg, err)
	}
}
