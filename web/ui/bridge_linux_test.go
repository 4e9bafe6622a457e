package ui_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/web/ui"
)

// fakeParent plays the page that frames the bridge: it renders and patches
// with canned messages and records what the frame sends. It is served from
// the frame's own origin (frame-ancestors 'self').
const fakeParent = `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<iframe id="f" sandbox="allow-scripts" src="/frame#bridge-test" style="width:600px;height:400px;border:0"></iframe>
<script>
window.got = []; window.ready = 0; window.applied = [];
const f = document.getElementById('f');
addEventListener('message', (e) => {
  if (e.source !== f.contentWindow) return;
  const m = e.data;
  if (m.type === 'ready') ready++;
  if (m.type === 'event') got.push(Object.assign({seq: m.seq}, m.event));
  if (m.type === 'applied') applied.push(m.ack === undefined ? null : m.ack);
});
window.send = (m) => { m.sym = 1; f.contentWindow.postMessage(m, '*'); return true; };
window.events = (type) => got.filter((e) => !type || e.type === type);
window.__pwned = [];
</script></body></html>`

// startFrameServer serves the UI (with /frame) and the fake parent.
func startFrameServer(t testing.TB) string {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	ui.Mount(app)
	app.Get("/test/parent", func(c *fiber.Ctx) error { c.Type("html"); return c.SendString(fakeParent) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// frameTarget finds the out-of-process frame whose URL ends with suffix
// and returns a context that evaluates in it (the page itself cannot).
func frameTarget(t testing.TB, ctx context.Context, suffix string) context.Context {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		targets, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var id target.ID
		for _, ti := range targets {
			if ti.Type == "iframe" && strings.HasSuffix(ti.URL, suffix) {
				id = ti.TargetID
			}
		}
		if id != "" {
			fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
			t.Cleanup(cancel)
			if err := chromedp.Do(fctx); err != nil {
				t.Fatal(err)
			}
			return fctx
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, ti := range targets {
				seen = append(seen, string(ti.Type)+" "+ti.URL)
			}
			t.Fatalf("no frame target for %s; targets: %q", suffix, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// inFrame evaluates js in the frame (the test's probe, not block script).
func inFrame[T any](t testing.TB, fctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(fctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("in frame: %s: %v", js, err)
	}
	return v
}

func waitInFrame(t testing.TB, fctx context.Context, what, js string) {
	t.Helper()
	c, cancel := context.WithTimeout(fctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("waiting in the frame for %s (%s): %v; frame body: %s", what, js, err, inFrame[string](t, fctx, `document.body.innerHTML.slice(0, 600)`))
	}
}

// hop is one frame on the way from the page to an element: the context
// that sees the <iframe>, and its selector there.
type hop struct {
	ctx context.Context
	sel string
}

// offsetOf is where an <iframe>'s content starts in its document's viewport.
func offsetOf(t testing.TB, h hop) []float64 {
	t.Helper()
	return inFrame[[]float64](t, h.ctx, fmt.Sprintf(`(() => { const f = document.querySelector(%q); f.scrollIntoView({block: "nearest"}); const r = f.getBoundingClientRect(), cs = getComputedStyle(f);
		return [r.left + (parseFloat(cs.borderLeftWidth) || 0) + (parseFloat(cs.paddingLeft) || 0), r.top + (parseFloat(cs.borderTopWidth) || 0) + (parseFloat(cs.paddingTop) || 0)]; })()`, h.sel))
}

// clickInFrame clicks the frame element matching sel with a real mouse
// event at its position in the page (frame offset + element box).
func clickInFrame(t testing.TB, ctx, fctx context.Context, frameSel, sel string) {
	t.Helper()
	clickThrough(t, ctx, []hop{{ctx, frameSel}}, fctx, sel)
}

// clickThrough clicks sel in the frame fctx, reached from the page ctx
// through the frames of hops (outermost first).
func clickThrough(t testing.TB, ctx context.Context, hops []hop, fctx context.Context, sel string) {
	t.Helper()
	var x, y float64
	for _, h := range hops {
		o := offsetOf(t, h)
		x, y = x+o[0], y+o[1]
	}
	// Two frames painted first: a frame's hit-test regions follow its layout
	// asynchronously, and a click before them would land in the parent.
	c, cancel := context.WithTimeout(fctx, 20*time.Second)
	defer cancel()
	box, err := chromedp.Run(c, chromedp.Evaluate[[]float64](fmt.Sprintf(`new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => {
		const e = document.querySelector(%q); if (!e) return ok([]); e.scrollIntoView({block: 'nearest'});
		const r = e.getBoundingClientRect(); ok([r.left + Math.min(r.width / 2, 8), r.top + r.height / 2]); })))`, sel), chromedp.EvalAwaitPromise))
	if err != nil || len(box) != 2 {
		t.Fatalf("no %s in the frame (%v): %s", sel, err, inFrame[string](t, fctx, `document.body.innerHTML.slice(0, 600)`))
	}
	x, y = x+box[0], y+box[1]
	step(t, ctx, "click "+sel, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y), chromedp.Sleep(30*time.Millisecond), chromedp.MouseClickXY(x, y))
}

func openFakeParent(t testing.TB) (context.Context, context.Context) {
	t.Helper()
	base := startFrameServer(t)
	ctx := browser(t)
	step(t, ctx, "open the fake parent", chromedp.Navigate(base+"/test/parent"))
	waitFor(t, ctx, "the bridge's ready", `window.ready === 1`)
	return ctx, frameTarget(t, ctx, "/frame#bridge-test")
}

func send(t testing.TB, ctx context.Context, msg map[string]any) {
	t.Helper()
	b, _ := json.Marshal(msg)
	eval[bool](t, ctx, "send("+string(b)+")")
}

// The frame's document: one inline script, the bridge, allowed by the
// hash in the CSP header and nothing else; an opaque origin by the header
// alone.
func TestFrameServedWithHashCSP(t *testing.T) {
	base := startFrameServer(t)
	resp, err := http.Get(base + "/frame")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(string(body), -1)
	if len(scripts) != 1 || strings.Count(string(body), "<script") != 1 {
		t.Fatalf("want exactly one inline script, got %d in %d bytes", len(scripts), len(body))
	}
	sum := sha256.Sum256([]byte(scripts[0][1]))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	for _, want := range []string{"sandbox allow-scripts;", "default-src 'none'", "script-src " + hash + ";", "style-src 'unsafe-inline'", "img-src data:", "frame-ancestors 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("frame CSP lacks %q: %s", want, csp)
		}
	}
	if strings.Contains(csp, "allow-same-origin") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'unsafe-inline'") {
		t.Errorf("frame CSP too open: %s", csp)
	}
	resp, err = http.Get(base + "/frame?embed=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := resp.Header.Get("Content-Security-Policy"); !strings.Contains(c, "frame-ancestors *") || !strings.Contains(c, hash) || !strings.HasPrefix(c, "sandbox allow-scripts;") {
		t.Errorf("embed frame CSP: %s", c)
	}
	resp, err = http.Get(base + "/embed/some-block?token=x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	c := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(c, "frame-ancestors *") || !strings.Contains(c, "script-src 'self'") || strings.Contains(c, "unsafe") {
		t.Errorf("embed page: %d CSP %s", resp.StatusCode, c)
	}
	if strings.Contains(string(body), "some-block") || regexp.MustCompile(`<script>`).Match(body) {
		t.Errorf("embed page has content of its own or an inline script: %s", body)
	}
}

// TestBridgeMorphKeepsFocusCaretScroll drives the bridge with canned
// messages: render, events with values, patches that change the list
// under a focused input, move it into a new wrapper, and echo stale values.
func TestBridgeMorphKeepsFocusCaretScroll(t *testing.T) {
	ctx, fctx := openFakeParent(t)

	list := func(items ...string) string {
		var b strings.Builder
		b.WriteString(`<ul data-symposium-node="3" id="list">`)
		for i, it := range items {
			fmt.Fprintf(&b, `<li data-symposium-node="%d">%s</li>`, 10+i, it)
		}
		b.WriteString(`</ul>`)
		return b.String()
	}
	page := func(value string, items ...string) string {
		return `<label data-symposium-node="1">Filter <input data-symposium-node="2" id="q" value="` + value + `"></label>` + list(items...) +
			`<div data-symposium-node="4" id="box" style="height:60px;overflow:auto"><p data-symposium-node="5" style="height:400px">tall</p></div>`
	}
	send(t, ctx, map[string]any{"type": "render", "html": page("", "apple", "apricot", "banana"), "css": "#list { color: rgb(1, 2, 3); }"})
	waitInFrame(t, fctx, "the first render", `document.querySelectorAll('#list li').length === 3`)
	if c := inFrame[string](t, fctx, `getComputedStyle(document.getElementById('list')).color`); c != "rgb(1, 2, 3)" {
		t.Errorf("the block's CSS is not applied: %s", c)
	}
	qNode := inFrame[string](t, fctx, `(() => { window.__q = document.getElementById('q'); window.__li = document.querySelector('#list li'); return window.__q.dataset.symposiumNode; })()`)

	// Scroll the box, focus the input and type: one input event per key, with the value.
	inFrame[bool](t, fctx, `(document.getElementById('box').scrollTop = 50, true)`)
	clickInFrame(t, ctx, fctx, "#f", "#q")
	if !eval[bool](t, ctx, `events('click').some((e) => e.node === 2)`) {
		t.Logf("events after the click: %v", eval[any](t, ctx, `got`))
	}
	waitInFrame(t, fctx, "the input focused", `document.activeElement && document.activeElement.id === 'q'`)
	step(t, ctx, "type ap", chromedp.KeyEvent("ap"))
	waitFor(t, ctx, "two input events", `events('input').length === 2`)
	inputs := eval[[]map[string]any](t, ctx, `events('input')`)
	if inputs[0]["value"] != "a" || inputs[1]["value"] != "ap" || fmt.Sprint(inputs[1]["node"]) != qNode {
		t.Fatalf("input events: %v", inputs)
	}
	if kd := eval[[]map[string]any](t, ctx, `events('keydown')`); len(kd) != 2 || kd[0]["key"] != "a" || kd[1]["key"] != "p" {
		t.Errorf("keydown events: %v", kd)
	}
	if fi := eval[int](t, ctx, `events('focusin').filter((e) => e.node === 2).length`); fi != 1 {
		t.Errorf("focusin events for the input: %d", fi)
	}
	if cl := eval[[]map[string]any](t, ctx, `events('click')`); len(cl) == 0 || fmt.Sprint(cl[0]["node"]) != "2" {
		t.Errorf("click events: %v", cl)
	}

	// The answer to the first keystroke arrives while a second is unanswered:
	// the list narrows, the input keeps "ap", its focus, its caret.
	firstSeq := inputs[0]["seq"].(float64)
	send(t, ctx, map[string]any{"type": "patch", "html": page("a", "apple", "apricot", "banana"), "ack": firstSeq})
	send(t, ctx, map[string]any{"type": "patch", "html": page("a", "apple", "apricot"), "ack": firstSeq})
	waitInFrame(t, fctx, "the list narrowed", `document.querySelectorAll('#list li').length === 2`)
	st := inFrame[[]any](t, fctx, `[document.activeElement === window.__q, __q.value, __q.selectionStart, __q.selectionEnd, document.querySelector('#list li') === window.__li, document.getElementById('box').scrollTop]`)
	if st[0] != true || st[1] != "ap" || st[2] != 2.0 || st[3] != 2.0 || st[4] != true || st[5] != 50.0 {
		t.Fatalf("after patches with a stale echo: focused %v value %v caret %v-%v same li %v scroll %v", st[0], st[1], st[2], st[3], st[4], st[5])
	}

	// Type on; the server answers everything and narrows further, the caret
	// sits mid-text: it stays there.
	step(t, ctx, "type r", chromedp.KeyEvent("r"))
	waitFor(t, ctx, "three input events", `events('input').length === 3`)
	inFrame[bool](t, fctx, `(__q.setSelectionRange(1, 2), true)`)
	last := eval[float64](t, ctx, `Math.max(...got.map((e) => e.seq))`)
	send(t, ctx, map[string]any{"type": "patch", "html": page("apr", "apricot"), "ack": last})
	waitInFrame(t, fctx, "one item left", `document.querySelectorAll('#list li').length === 1`)
	st = inFrame[[]any](t, fctx, `[document.activeElement === window.__q, __q.value, __q.selectionStart, __q.selectionEnd]`)
	if st[0] != true || st[1] != "apr" || st[2] != 1.0 || st[3] != 2.0 {
		t.Fatalf("after the answered patch: %v", st)
	}

	// The server clears the input (all events answered): it is cleared.
	send(t, ctx, map[string]any{"type": "patch", "html": page("", "apple", "apricot", "banana"), "ack": last})
	waitInFrame(t, fctx, "the input cleared by the server", `__q.value === '' && document.querySelectorAll('#list li').length === 3`)

	// The server moves the input into a new wrapper: same element, still focused.
	step(t, ctx, "type x", chromedp.KeyEvent("x"))
	waitFor(t, ctx, "the x", `events('input').some((e) => e.value === 'x')`)
	last = eval[float64](t, ctx, `Math.max(...got.map((e) => e.seq))`)
	moved := `<section data-symposium-node="20"><div data-symposium-node="21"><input data-symposium-node="2" id="q" value="x"></div></section>` + list("apple")
	send(t, ctx, map[string]any{"type": "patch", "html": moved, "ack": last})
	waitInFrame(t, fctx, "the input moved", `!!document.querySelector('section div #q')`)
	st = inFrame[[]any](t, fctx, `[document.querySelector('#q') === window.__q, document.activeElement === window.__q, __q.value, __q.selectionStart]`)
	if st[0] != true || st[1] != true || st[2] != "x" || st[3] != 1.0 {
		t.Fatalf("after moving the input: same element %v, focused %v, value %v, caret %v", st[0], st[1], st[2], st[3])
	}
	if n := eval[int](t, ctx, `events('focusout').length`); n != 0 {
		t.Errorf("the morph's own focus changes were forwarded as %d focusout events", n)
	}
	if a := eval[int](t, ctx, `applied.length`); a < 6 {
		t.Errorf("applied acknowledgements: %d", a)
	}
}

// TestBridgeForwardsControlsAndKeepsTheFrame: buttons, checkboxes, selects,
// forms and links send events; nothing navigates or submits the frame.
func TestBridgeForwardsControlsAndKeepsTheFrame(t *testing.T) {
	ctx, fctx := openFakeParent(t)
	html := `<button data-symposium-node="1" id="inc">+1</button>` +
		`<input data-symposium-node="2" type="checkbox" id="cb">` +
		`<select data-symposium-node="3" id="sel"><option data-symposium-node="4" value="a">A</option><option data-symposium-node="5" value="b">B</option></select>` +
		`<form data-symposium-node="6" id="f1" action="/elsewhere"><input data-symposium-node="7" name="action" id="name"><button data-symposium-node="8" id="go">Send</button></form>` +
		`<form data-symposium-node="9" id="f2"><input data-symposium-node="10" id="solo"></form>` +
		`<a data-symposium-node="11" id="link" href="https://example.com/">away</a>` +
		`<a data-symposium-node="12" id="frag" href="#top"><span data-symposium-node="13" id="inner">inner</span></a>` +
		`<label data-symposium-node="14"><input data-symposium-node="15" type="checkbox" id="cb2"><span data-symposium-node="16" id="labtext">label text</span></label>`
	send(t, ctx, map[string]any{"type": "render", "html": html, "css": ""})
	waitInFrame(t, fctx, "the controls", `!!document.getElementById('frag')`)

	clickInFrame(t, ctx, fctx, "#f", "#inc")
	waitFor(t, ctx, "the button click", `events('click').some((e) => e.node === 1)`)

	// A checkbox: the click carries the state after it; the input and change
	// the browser derives from it are the server's to fire, not sent again.
	clickInFrame(t, ctx, fctx, "#f", "#cb")
	waitFor(t, ctx, "the checkbox click", `events('click').some((e) => e.node === 2)`)
	if c := eval[[]map[string]any](t, ctx, `events('click').filter((e) => e.node === 2)`); len(c) != 1 || c[0]["checked"] != true {
		t.Errorf("checkbox click: %v", c)
	}
	// A label's click: the server clicks its control; the browser's click
	// at the control, and its change, are not sent.
	clickInFrame(t, ctx, fctx, "#f", "#labtext")
	waitFor(t, ctx, "the label click", `events('click').some((e) => e.node === 16)`)
	time.Sleep(200 * time.Millisecond)
	if n := eval[int](t, ctx, `got.filter((e) => (e.node === 2 || e.node === 15) && (e.type === 'change' || e.type === 'input' || (e.type === 'click' && e.node === 15))).length`); n != 0 {
		t.Errorf("derived events forwarded: %v", eval[any](t, ctx, `got.filter((e) => e.node === 2 || e.node === 15)`))
	}
	if !inFrame[bool](t, fctx, `document.getElementById('cb2').checked`) {
		t.Error("the label did not toggle its checkbox in the frame")
	}

	inFrame[bool](t, fctx, `(document.getElementById('sel').focus(), true)`)
	step(t, ctx, "choose B", chromedp.KeyEvent(kb.ArrowDown))
	waitFor(t, ctx, "the select change", `events('change').some((e) => e.node === 3 && e.value === 'b')`)

	// A submit button: the click goes (the server submits the form itself).
	clickInFrame(t, ctx, fctx, "#f", "#go")
	waitFor(t, ctx, "the submit button click", `events('click').some((e) => e.node === 8)`)
	// Enter in a form's field: the keydown goes, the server submits; the
	// browser's own implicit submission is held back.
	inFrame[bool](t, fctx, `(document.getElementById('solo').focus(), true)`)
	step(t, ctx, "Enter", chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "the Enter keydown", `events('keydown').some((e) => e.node === 10 && e.key === 'Enter')`)
	inFrame[bool](t, fctx, `(document.getElementById('name').focus(), true)`)
	step(t, ctx, "Enter in the form with a button", chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "the second Enter keydown", `events('keydown').some((e) => e.node === 7 && e.key === 'Enter')`)
	time.Sleep(200 * time.Millisecond)
	if n := eval[int](t, ctx, `events('submit').length + events('click').filter((e) => e.node === 8).length`); n != 1 {
		t.Errorf("submits and submit-button clicks besides the one real click: %v", eval[any](t, ctx, `got.filter((e) => e.type === 'submit' || e.node === 8)`))
	}

	clickInFrame(t, ctx, fctx, "#f", "#link")
	clickInFrame(t, ctx, fctx, "#f", "#inner")
	waitFor(t, ctx, "the link clicks", `events('click').some((e) => e.node === 11) && events('click').some((e) => e.node === 13)`)
	time.Sleep(500 * time.Millisecond)
	if loc := inFrame[string](t, fctx, `location.href`); !strings.HasSuffix(loc, "/frame#bridge-test") {
		t.Errorf("the frame navigated to %s", loc)
	}

	// Messages from anyone but the parent are ignored (here: the frame
	// itself, as a block's markup would if it could run).
	inFrame[bool](t, fctx, `(window.postMessage({sym: 1, type: 'render', html: '<p id="forged">forged</p>'}, '*'), true)`)
	time.Sleep(300 * time.Millisecond)
	if inFrame[bool](t, fctx, `!!document.getElementById('forged')`) {
		t.Error("the bridge took a render from a window other than its parent")
	}
}

// TestFrameIsOpaque probes from inside the frame: no way to the parent's
// DOM, no cookies of the app's origin, no storage.
func TestFrameIsOpaque(t *testing.T) {
	ctx, fctx := openFakeParent(t)
	eval[bool](t, ctx, `(document.cookie = 'symposium_probe=secret; path=/', document.cookie.includes('secret'))`)
	probe := inFrame[map[string]string](t, fctx, `(() => {
		const r = {};
		try { r.parentDoc = String(window.parent.document); } catch (e) { r.parentDoc = e.name; }
		try { r.parentProbe = String(window.parent.__pwned); } catch (e) { r.parentProbe = e.name; }
		try { r.cookie = document.cookie; } catch (e) { r.cookie = e.name; }
		try { localStorage.length; r.storage = 'reachable'; } catch (e) { r.storage = e.name; }
		r.origin = window.origin;
		return r; })()`)
	if probe["parentDoc"] != "SecurityError" || probe["parentProbe"] != "SecurityError" {
		t.Errorf("the frame reached its parent: %v", probe)
	}
	if probe["cookie"] != "" && probe["cookie"] != "SecurityError" {
		t.Errorf("the frame sees cookies: %q", probe["cookie"])
	}
	if probe["storage"] != "SecurityError" || probe["origin"] != "null" {
		t.Errorf("the frame is not an opaque origin: %v", probe)
	}
}

// hostileMarkup is markup a block may leave in its page. Each payload, if
// it ever ran, would record its name in the frame's window.__pwned (or
// navigate the frame, which its bridge would announce with a second ready).
func hostileMarkup() map[string]string {
	mark := func(name string) string {
		return fmt.Sprintf("void(window.__pwned=(window.__pwned||[]).concat(%q))", name)
	}
	return map[string]string{
		"script":        `<script>` + mark("script") + `</script>`,
		"onerror":       `<img src="data:image/png;base64,AAAA" onerror="` + mark("onerror") + `">`,
		"javascript: a": `<a id="js" href="javascript:` + mark("javascript-link") + `">js link</a>`,
		"svg script":    `<svg><script>` + mark("svg-script") + `</script></svg>`,
		"svg onload":    `<svg onload="` + mark("svg-onload") + `"><circle r="2"></circle></svg>`,
		"foreignObject": `<svg><foreignObject><img src="data:," onerror="` + mark("foreignobject") + `"></foreignObject></svg>`,
		"srcdoc":        `<iframe srcdoc="<script>parent.__pwned=['srcdoc']</script>"></iframe>`,
		"meta refresh":  `<meta http-equiv="refresh" content="0;url=/frame?refreshed#bridge-test">`,
		"meta js":       `<meta http-equiv="refresh" content="0;url=javascript:` + mark("meta-refresh") + `">`,
		"base":          `<base href="javascript:` + mark("base") + `//"><a id="rel" href="x">relative</a>`,
		"form action":   `<form action="javascript:` + mark("form-action") + `"><button id="sub">go</button></form>`,
		"formaction":    `<form><button id="fa" formaction="javascript:` + mark("formaction") + `">go</button></form>`,
		"svg animate":   `<svg><a id="anim"><animate attributeName="href" to="javascript:` + mark("svg-animate") + `"></animate><text y="10">x</text></a></svg>`,
		"object":        `<object data="data:text/html,<script>parent.__pwned=['object']</script>"></object>`,
		"embed":         `<embed src="data:text/html,<script>parent.__pwned=['embed']</script>">`,
		"autofocus":     `<input autofocus onfocus="` + mark("onfocus") + `">`,
		"details":       `<details open ontoggle="` + mark("ontoggle") + `"><summary>s</summary></details>`,
		"data link":     `<a id="dl" href="data:text/html,<script>alert(1)</script>">data link</a>`,
	}
}

// TestBridgeRunsNoBlockScript renders each hostile payload raw (no server
// sanitiser in between) and clicks what can be clicked: nothing runs,
// nothing navigates, in the frame or its parent.
func TestBridgeRunsNoBlockScript(t *testing.T) {
	ctx, fctx := openFakeParent(t)
	n := 0
	for name, payload := range hostileMarkup() {
		n++
		// Keyed as the server keys them, so the morph takes each as given.
		html := fmt.Sprintf(`<p data-symposium-node="%d" id="case">%s</p>`, 1000+n, name) + payload
		send(t, ctx, map[string]any{"type": "render", "html": html, "css": ""})
		waitInFrame(t, fctx, "case "+name, fmt.Sprintf(`document.getElementById('case') && document.getElementById('case').textContent === %q`, name))
		for _, id := range []string{"js", "rel", "sub", "fa", "anim", "dl"} {
			if inFrame[bool](t, fctx, fmt.Sprintf(`!!document.getElementById(%q)`, id)) {
				clickInFrame(t, ctx, fctx, "#f", "#"+id)
			}
		}
		time.Sleep(300 * time.Millisecond)
		got := inFrame[[]any](t, fctx, `[String(window.__pwned), location.pathname + location.search, document.body.querySelectorAll('script, iframe, object, embed, meta, base').length]`)
		if got[0] != "undefined" || got[1] != "/frame" || got[2] != 0.0 {
			t.Errorf("%s: pwned %v, location %v, active elements left %v", name, got[0], got[1], got[2])
		}
	}
	if r := eval[[]any](t, ctx, `[ready, window.__pwned.length, location.pathname]`); r[0] != 1.0 || r[1] != 0.0 || r[2] != "/test/parent" {
		t.Errorf("parent after the suite: ready %v (a navigated frame says ready again), pwned %v, at %v", r[0], r[1], r[2])
	}
}
