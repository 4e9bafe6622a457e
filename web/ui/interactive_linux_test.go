package ui_test

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Interactive blocks in the browser: the preview is a live page of the
// block in its isolate; the frame (GET /frame, the bridge its only script)
// forwards events and draws the pages the server sends back.

// livePage creates a block with the given code in the open page and waits
// for its live page to show want; it returns the block id and a context in
// the preview frame.
func livePage(t testing.TB, ctx context.Context, htmlCode, css, js, want string) (string, context.Context) {
	t.Helper()
	id := newBlock(t, ctx)
	typeInto(t, ctx, "code-css", css)
	typeInto(t, ctx, "code-html", htmlCode)
	typeInto(t, ctx, "code-js", js)
	fctx := previewFrame(t, ctx)
	waitLive(t, ctx, fctx, "the live page", want)
	return id, fctx
}

// previewFrame is a context in the page's live preview frame.
func previewFrame(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	waitFor(t, ctx, "the live frame", `(document.getElementById('preview').getAttribute('src') || '').startsWith('/frame')`)
	return frameTarget(t, ctx, eval[string](t, ctx, `document.getElementById('preview').getAttribute('src')`))
}

// waitLive waits for the session to be live and the frame's body to
// contain text.
func waitLive(t testing.TB, ctx, fctx context.Context, what, text string) {
	t.Helper()
	waitFor(t, ctx, what+": live", `document.getElementById('live-status').dataset.state === 'live'`)
	waitInFrame(t, fctx, what, fmt.Sprintf(`document.body.innerText.includes(%q)`, text))
}

func frameText(t testing.TB, fctx context.Context, sel string) string {
	t.Helper()
	return inFrame[string](t, fctx, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel))
}

const counterHTML = `<button id="inc" type="button">+1</button> <span id="count">0</span>`
const counterJS = `let n = 0;
document.getElementById('inc').addEventListener('click', () => {
  n++;
  document.getElementById('count').textContent = String(n);
  console.log('clicked ' + n);
});`

// A counter clicked three times shows 3; the console follows the clicks;
// the pane says the page is live and runs on the server.
func TestLiveCounter(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	_, fctx := livePage(t, ctx, counterHTML, "#count { font-size: 30px; }", counterJS, "+1")
	for i := 1; i <= 3; i++ {
		clickInFrame(t, ctx, fctx, "#preview", "#inc")
		waitInFrame(t, fctx, fmt.Sprintf("count %d", i), fmt.Sprintf(`document.getElementById('count').textContent === '%d'`, i))
	}
	// A message that claims to be the frame's but comes from elsewhere (here
	// the page itself) is ignored by the preview.
	node := inFrame[string](t, fctx, `document.getElementById('inc').dataset.symposiumNode`)
	eval[bool](t, ctx, `(window.postMessage({sym: 1, type: 'event', seq: 9999, event: {type: 'click', node: `+node+`}}, '*'), true)`)
	time.Sleep(500 * time.Millisecond)
	if got := frameText(t, fctx, "#count"); got != "3" {
		t.Errorf("a forged event message was forwarded: count %q", got)
	}
	waitFor(t, ctx, "the handlers' console lines", `[...document.querySelectorAll('#logs li')].filter((li) => /clicked [123]$/.test(li.textContent)).length === 3`)
	if note := eval[string](t, ctx, `document.getElementById('live-note').textContent + ' | ' + document.getElementById('live-status').textContent`); !strings.Contains(note, "runs on the server") || !strings.Contains(note, "live") {
		t.Errorf("the pane does not say the page is live and runs on the server: %q", note)
	}
	if n := eval[string](t, ctx, `document.getElementById('notices').textContent`); strings.Contains(n, "fires no user events") {
		t.Errorf("the console still says the page gets no user events: %q", n)
	}
	if got := eval[string](t, ctx, `document.getElementById('preview').getAttribute('sandbox')`); got != "allow-scripts" {
		t.Errorf("frame sandbox %q", got)
	}
	saveScreenshot(t, ctx, "interactive-counter")
}

// Typing into a filter input narrows the list on every keystroke; the
// input keeps its focus and everything typed.
func TestLiveFilterNarrowsPerKeystroke(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	_, fctx := livePage(t, ctx, `<label>Filter <input id="q" autocomplete="off"></label><ul id="list"></ul>`, "", `const items = ['apple', 'apricot', 'banana', 'blueberry', 'cherry'];
const ul = document.getElementById('list');
function draw(f) {
  ul.replaceChildren(...items.filter((i) => i.includes(f)).map((i) => { const li = document.createElement('li'); li.textContent = i; return li; }));
}
document.getElementById('q').addEventListener('input', (e) => draw(e.target.value));
draw('');`, "cherry")
	clickInFrame(t, ctx, fctx, "#preview", "#q")
	waitInFrame(t, fctx, "the input focused", `document.activeElement === document.getElementById('q')`)
	for _, k := range []struct {
		key  string
		want []string
	}{
		{"a", []string{"apple", "apricot", "banana"}},
		{"p", []string{"apple", "apricot"}},
		{"r", []string{"apricot"}},
	} {
		step(t, ctx, "type "+k.key, chromedp.KeyEvent(k.key))
		waitInFrame(t, fctx, "the list after "+k.key, fmt.Sprintf(`[...document.querySelectorAll('#list li')].map((li) => li.textContent).join(',') === %q`, strings.Join(k.want, ",")))
	}
	st := inFrame[[]any](t, fctx, `[document.activeElement === document.getElementById('q'), document.getElementById('q').value, document.getElementById('q').selectionStart]`)
	if st[0] != true || st[1] != "apr" || st[2] != 3.0 {
		t.Errorf("after typing: focused %v, value %v, caret %v", st[0], st[1], st[2])
	}
}

// A tabs widget switches panels; a form's submit handler validates.
func TestLiveTabsAndForm(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	_, fctx := livePage(t, ctx, `<div role="tablist"><button role="tab" id="t1" aria-selected="true">One</button><button role="tab" id="t2" aria-selected="false">Two</button></div>
<section id="p1">Panel one</section><section id="p2" hidden>Panel two</section>`, "", `const tabs = [['t1', 'p1'], ['t2', 'p2']];
for (const [tab] of tabs) {
  document.getElementById(tab).addEventListener('click', () => {
    for (const [other, panel] of tabs) {
      document.getElementById(other).setAttribute('aria-selected', String(other === tab));
      document.getElementById(panel).hidden = other !== tab;
    }
  });
}`, "Panel one")
	clickInFrame(t, ctx, fctx, "#preview", "#t2")
	waitInFrame(t, fctx, "panel two shown", `!document.getElementById('p2').hidden && document.getElementById('p1').hidden && document.getElementById('t2').getAttribute('aria-selected') === 'true'`)
	clickInFrame(t, ctx, fctx, "#preview", "#t1")
	waitInFrame(t, fctx, "panel one back", `document.getElementById('p2').hidden && !document.getElementById('p1').hidden`)

	typeInto(t, ctx, "code-html", `<form id="f"><label>Name <input id="name" name="name"></label> <button id="send">Send</button><p id="msg" role="alert"></p></form>`)
	typeInto(t, ctx, "code-js", `document.getElementById('f').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = document.getElementById('name').value.trim();
  document.getElementById('msg').textContent = v ? 'Thanks, ' + v : 'Name is required';
});`)
	waitLive(t, ctx, fctx, "the form", "Send")
	clickInFrame(t, ctx, fctx, "#preview", "#send")
	waitInFrame(t, fctx, "the validation message", `document.getElementById('msg').textContent === 'Name is required'`)
	clickInFrame(t, ctx, fctx, "#preview", "#name")
	step(t, ctx, "type a name and Enter", chromedp.KeyEvent("Ada"), chromedp.KeyEvent(kb.Enter))
	waitInFrame(t, fctx, "the thanks", `document.getElementById('msg').textContent === 'Thanks, Ada'`)
	if loc := inFrame[string](t, fctx, `location.pathname + location.search`); loc != "/frame" {
		t.Errorf("the form navigated the frame to %s", loc)
	}
}

// A setInterval clock ticks in the preview, pushed by the server.
func TestLiveClockTicks(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	_, fctx := livePage(t, ctx, `<p id="clock">tick 0</p>`, "", `let ticks = 0;
setInterval(() => { ticks++; document.getElementById('clock').textContent = 'tick ' + ticks; }, 200);`, "tick")
	waitInFrame(t, fctx, "three ticks", `Number(document.getElementById('clock').textContent.split(' ')[1]) >= 3`)
	first := frameText(t, fctx, "#clock")
	time.Sleep(time.Second)
	if later := frameText(t, fctx, "#clock"); later == first {
		t.Errorf("the clock stopped at %q", first)
	} else {
		t.Logf("clock: %q then %q a second later", first, later)
	}
}

// A handler with an endless loop ends the session as timeout; the UI says
// so and Restart brings a fresh page.
func TestLiveHandlerTimeout(t *testing.T) {
	base := startStack(t, 2*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	_, fctx := livePage(t, ctx, `<button id="hang">hang</button><p id="s">ready</p>`, "", `document.getElementById('hang').addEventListener('click', () => { while (true) {} });`, "ready")
	clickInFrame(t, ctx, fctx, "#preview", "#hang")
	waitFor(t, ctx, "the timeout", `document.getElementById('live-status').dataset.state === 'ended' && document.getElementById('live-status').textContent.includes('timeout: the handler ran past its time limit') && !document.getElementById('live-restart').hidden`)
	t.Logf("status: %s", eval[string](t, ctx, `document.getElementById('live-status').textContent`))
	step(t, ctx, "restart", chromedp.Click(chromedp.ID("live-restart")))
	waitLive(t, ctx, fctx, "the restarted page", "ready")
	if !eval[bool](t, ctx, `document.getElementById('live-restart').hidden`) {
		t.Error("Restart still offered on a live page")
	}
}

// Two tabs on one block hold independent counts; a code edit restarts the
// session with the new code.
func TestLiveTabsIndependentAndCodeEdit(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	id, fa := livePage(t, ctx, counterHTML, "", counterJS, "+1")
	waitFor(t, ctx, "the block saved", `document.getElementById('save-state').dataset.state === 'saved'`)

	tab2, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(tab2); err != nil { // the tab lives as long as its first Run's context
		t.Fatal(err)
	}
	openPage(t, tab2, base+"/#block="+id)
	fb := previewFrame(t, tab2)
	waitLive(t, tab2, fb, "the second tab's page", "+1")

	clickInFrame(t, ctx, fa, "#preview", "#inc")
	clickInFrame(t, ctx, fa, "#preview", "#inc")
	waitInFrame(t, fa, "tab one at 2", `document.getElementById('count').textContent === '2'`)
	clickInFrame(t, tab2, fb, "#preview", "#inc")
	waitInFrame(t, fb, "tab two at 1", `document.getElementById('count').textContent === '1'`)
	if got := frameText(t, fa, "#count"); got != "2" {
		t.Errorf("tab one shows %q after tab two's click", got)
	}

	// Edit the code in tab one: both tabs' sessions restart with it.
	typeInto(t, ctx, "code-js", strings.ReplaceAll(counterJS, "String(n)", "'v2:' + n")+"\ndocument.getElementById('count').textContent = 'v2:0';")
	waitLive(t, ctx, fa, "the new code in tab one", "v2:0")
	clickInFrame(t, ctx, fa, "#preview", "#inc")
	waitInFrame(t, fa, "the new handler", `document.getElementById('count').textContent === 'v2:1'`)
	waitInFrame(t, fb, "the new code in tab two", `document.getElementById('count').textContent === 'v2:0'`)
}

// The embed: the UI's Embed button gives an <iframe> snippet; a page of
// another origin that holds it shows the block live, and clicks work there.
func TestLiveEmbedOnAnotherOrigin(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	livePage(t, ctx, counterHTML, "", counterJS, "+1")
	waitFor(t, ctx, "the block saved", `document.getElementById('save-state').dataset.state === 'saved'`)
	step(t, ctx, "Embed", chromedp.Click(chromedp.ID("embed")))
	waitFor(t, ctx, "the snippet", `!document.getElementById('embed-panel').hidden && document.getElementById('embed-code').value.startsWith('<iframe')`)
	snippet := eval[string](t, ctx, `document.getElementById('embed-code').value`)
	m := regexp.MustCompile(`src="([^"]+)"`).FindStringSubmatch(snippet)
	if m == nil || !strings.Contains(m[1], "/embed/") || !strings.Contains(m[1], "token=") {
		t.Fatalf("embed snippet: %s", snippet)
	}
	src := html.UnescapeString(m[1])

	// Another origin, indeed another site (127.0.0.2, so Chromium gives the
	// embed its own process and the test a target in it): a server of its
	// own, with the snippet as given.
	other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Another site</title></head><body><h1>Another site</h1><div style="width:480px">%s</div></body></html>`, snippet)
	}))
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	other.Listener.Close()
	other.Listener = ln
	other.Start()
	defer other.Close()
	step(t, ctx, "open the other site", chromedp.Navigate(other.URL))
	embedPage := frameTarget(t, ctx, strings.TrimPrefix(src, strings.SplitN(src, "/embed/", 2)[0]))
	waitInFrame(t, embedPage, "the embed live", `document.getElementById('status').textContent.startsWith('live')`)
	waitFor(t, embedPage, "the embed's frame", `(document.getElementById('preview').getAttribute('src') || '').startsWith('/frame?embed=1#')`)
	inner := frameTarget(t, ctx, eval[string](t, embedPage, `document.getElementById('preview').getAttribute('src')`))
	waitInFrame(t, inner, "the block in the embed", `document.body.innerText.includes('+1')`)
	hops := []hop{{ctx, "iframe"}, {embedPage, "#preview"}}
	clickThrough(t, ctx, hops, inner, "#inc")
	clickThrough(t, ctx, hops, inner, "#inc")
	waitInFrame(t, inner, "two clicks in the embed", `document.getElementById('count').textContent === '2'`)
	if got := eval[string](t, ctx, `location.origin`); got != other.URL {
		t.Errorf("the top page is %s, not the other origin", got)
	}
	if got := inFrame[string](t, inner, `(() => { try { return String(window.parent.parent.document); } catch (e) { return e.name; } })()`); got != "SecurityError" {
		t.Errorf("the embedded frame reached the other site's page: %s", got)
	}
	saveScreenshot(t, ctx, "interactive-embed-other-origin")
}

// The live frame cannot reach the page or its cookies, and no block
// markup runs in the browser: the hostile suite rendered live, probed from
// inside the frame and from the page.
func TestLivePreviewRunsNoBlockScript(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	_, fctx := livePage(t, ctx, counterHTML, "", counterJS, "+1")
	eval[bool](t, ctx, `(document.cookie = 'symposium_probe=secret; path=/', window.__pwned = [], true)`)
	probe := inFrame[map[string]string](t, fctx, `(() => {
		const r = {};
		try { r.parentDoc = String(window.parent.document); } catch (e) { r.parentDoc = e.name; }
		try { r.parentTitle = window.parent.document.title; } catch (e) { r.parentTitle = e.name; }
		try { r.cookie = document.cookie; } catch (e) { r.cookie = e.name; }
		r.origin = window.origin;
		r.scripts = String(document.scripts.length);
		return r; })()`)
	if probe["parentDoc"] != "SecurityError" || probe["parentTitle"] != "SecurityError" || probe["origin"] != "null" || probe["scripts"] != "1" {
		t.Errorf("frame probe: %v", probe)
	}
	if c := probe["cookie"]; c != "" && c != "SecurityError" {
		t.Errorf("the frame reads cookies: %q", c)
	}

	typeInto(t, ctx, "code-js", "")
	cases := hostileMarkup()
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		typeInto(t, ctx, "code-html", `<p id="case">`+name+`</p>`+cases[name])
		waitLive(t, ctx, fctx, "case "+name, name)
		for _, id := range []string{"js", "rel", "sub", "fa", "anim", "dl"} {
			if inFrame[bool](t, fctx, fmt.Sprintf(`!!document.getElementById(%q)`, id)) {
				clickInFrame(t, ctx, fctx, "#preview", "#"+id)
			}
		}
		time.Sleep(300 * time.Millisecond)
		got := inFrame[[]any](t, fctx, `[String(window.__pwned), location.pathname + location.search, document.body.querySelectorAll('script, iframe, object, embed, meta, base').length, document.scripts.length]`)
		if got[0] != "undefined" || got[1] != "/frame" || got[2] != 0.0 || got[3] != 1.0 {
			t.Errorf("%s: pwned %v, location %v, active elements %v, scripts %v", name, got[0], got[1], got[2], got[3])
		}
		page := eval[[]any](t, ctx, `[window.__pwned.length, document.title, location.pathname]`)
		if page[0] != 0.0 || strings.Contains(fmt.Sprint(page[1]), "pwned") || page[2] != "/" {
			t.Errorf("%s: the page was reached: %v", name, page)
		}
	}
	if !eval[bool](t, ctx, `!document.getElementById('removed').hidden && document.getElementById('removed-list').children.length > 0`) {
		t.Error("the UI does not say what the sanitiser removed")
	}
	t.Logf("removed (last case): %s", eval[string](t, ctx, `document.getElementById('removed').innerText`))
}

// BenchmarkLivePreviewClick: event -> patch applied, through the browser,
// timed by the page with performance.now from the bridge's event message
// to its "applied" answer (the counter's new text in the frame's DOM).
func BenchmarkLivePreviewClick(b *testing.B) {
	base := startStack(b, 3*time.Second, true)
	ctx := browser(b)
	openPage(b, ctx, base+"/")
	_, fctx := livePage(b, ctx, counterHTML, "", counterJS, "+1")
	for i := 0; i < 5; i++ { // warm: the isolate, the JIT of both pages
		clickInFrame(b, ctx, fctx, "#preview", "#inc")
		waitInFrame(b, fctx, "warm-up", fmt.Sprintf(`document.getElementById('count').textContent === '%d'`, i+1))
	}
	eval[bool](b, ctx, `(window.symposium.preview.timings.length = 0, true)`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clickInFrame(b, ctx, fctx, "#preview", "#inc")
		waitFor(b, ctx, "the patch applied", fmt.Sprintf(`window.symposium.preview.timings.filter((x) => x.type === 'click').length >= %d`, i+1))
	}
	b.StopTimer()
	waitInFrame(b, fctx, "the final count", fmt.Sprintf(`document.getElementById('count').textContent === '%d'`, b.N+5))
	ms := eval[[]float64](b, ctx, `window.symposium.preview.timings.filter((x) => x.type === 'click').map((x) => x.ms)`)
	srv := eval[[]float64](b, ctx, `window.symposium.preview.timings.filter((x) => x.type === 'click').map((x) => x.serverMs)`)
	sort.Float64s(ms)
	sort.Float64s(srv)
	q := func(v []float64, p float64) float64 { return v[min(len(v)-1, int(p*float64(len(v))))] }
	b.ReportMetric(q(ms, 0.5), "p50-ms")
	b.ReportMetric(q(ms, 0.99), "p99-ms")
	b.ReportMetric(q(srv, 0.5), "p50-socket-ms")
	b.Logf("click -> patch applied in the frame over %d clicks: p50 %.2f ms, p99 %.2f ms (socket round trip p50 %.2f ms)", len(ms), q(ms, 0.5), q(ms, 0.99), q(srv, 0.5))
}
