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

// Form state a script set through IDL reaches the annotated render as
// attributes (a textarea's as its text); the plain render is unchanged.
func TestAnnotatedBodyHTMLShowsLiveFormState(t *testing.T) {
	rt := goja.New()
	d, err := New(rt, `<input id="i" value="milk"><input id="c" type="checkbox" checked><input id="r1" type="radio" name="g"><input id="r2" type="radio" name="g" checked>`+
		`<textarea id="t">old</textarea><select id="s"><option value="a" selected>A</option><option value="b">B</option></select>`)
	if err != nil {
		t.Fatal(err)
	}
	_ = rt.Set("document", d.Document())
	if _, err := rt.RunString(`const $ = id => document.getElementById(id);
		$('i').value = ''; $('c').checked = false; $('r1').checked = true; $('t').value = 'a < b'; $('s').value = 'b'`); err != nil {
		t.Fatal(err)
	}
	got, err := d.AnnotatedBodyHTML(0)
	if err != nil {
		t.Fatal(err)
	}
	want := `<input data-symposium-node="1" id="i" value=""><input data-symposium-node="2" id="c" type="checkbox">` +
		`<input data-symposium-node="3" id="r1" type="radio" name="g" checked=""><input data-symposium-node="4" id="r2" type="radio" name="g">` +
		`<textarea data-symposium-node="5" id="t">a &lt; b</textarea><select data-symposium-node="6" id="s"><option data-symposium-node="7" value="a">A</option><option data-symposium-node="8" value="b" selected="">B</option></select>`
	if got != want {
		t.Fatalf("annotated:\n got %s\nwant %s", got, want)
	}
	plain, _ := d.BodyHTML(0)
	if wantPlain := `<input id="i" value="milk"><input id="c" type="checkbox" checked=""><input id="r1" type="radio" name="g"><input id="r2" type="radio" name="g" checked="">` +
		`<textarea id="t">old</textarea><select id="s"><option value="a" selected="">A</option><option value="b">B</option></select>`; plain != wantPlain {
		t.Fatalf("plain:\n got %s\nwant %s", plain, wantPlain)
	}
}
