package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// key presses keys (with modifiers) on whatever has the focus.
func key(t testing.TB, ctx context.Context, what, keys string, mods ...chromedp.Modifier) {
	t.Helper()
	step(t, ctx, what, chromedp.KeyEvent(keys, chromedp.KeyModifiers(mods...)))
}

// focusEditor puts the caret into the open block's editor for lang.
func focusEditor(t testing.TB, ctx context.Context, lang string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(document.getElementById('tab-' + %q).click(), window.symposium.views[%q].focus(), true)`, lang, lang))
	waitFor(t, ctx, "the editor focused", fmt.Sprintf(`window.symposium.views[%q].hasFocus`, lang))
}

func openPage(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	step(t, ctx, "open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("new-block")))
	waitFor(t, ctx, "the live connection", `document.getElementById('conn').textContent === 'live'`)
}

func newBlock(t testing.TB, ctx context.Context) string {
	t.Helper()
	step(t, ctx, "create a block", chromedp.Click(chromedp.ID("new-block")), chromedp.WaitVisible(chromedp.CSS("#code-html .cm-content")))
	waitFor(t, ctx, "the new block open", `!!document.querySelector('#block-list li.active')`)
	return eval[string](t, ctx, `document.querySelector('#block-list li.active').dataset.blockId`)
}

const templateHTML = "<h1 id=\"title\">Hello</h1>\n<p id=\"msg\"></p>"

// TestEditorKeys: indent and outdent a selection with Tab and Shift+Tab,
// undo a replaced selection, leave the editor with Escape then Tab, keep
// each block's undo history to itself, run with Ctrl+Enter.
func TestEditorKeys(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	a := newBlock(t, ctx)
	waitPreview(t, ctx, "Hello, world!")
	waitFor(t, ctx, "the block saved", `document.getElementById('save-state').dataset.state === 'saved'`)

	// CodeMirror's own styles reached the page through the CSP nonce (without
	// them the gutter would sit above the text instead of beside it).
	if d := eval[string](t, ctx, `getComputedStyle(document.querySelector('#code-html .cm-gutters')).display + ' ' + document.querySelectorAll('style[nonce]').length`); !strings.HasPrefix(d, "flex ") || strings.HasSuffix(d, " 0") {
		t.Errorf("editor styles not applied: gutter display and nonce'd style elements %q", d)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#code-html .cm-lineNumbers .cm-gutterElement').length`); n < 2 {
		t.Errorf("no line numbers (%d)", n)
	}

	// Two selected lines: Tab indents both, Shift+Tab takes it back.
	focusEditor(t, ctx, "html")
	key(t, ctx, "select all", "a", chromedp.ModifierCtrl)
	key(t, ctx, "Tab", kb.Tab)
	if got := editorText(t, ctx, "html"); got != "  <h1 id=\"title\">Hello</h1>\n  <p id=\"msg\"></p>" {
		t.Fatalf("after Tab on two selected lines: %q", got)
	}
	key(t, ctx, "Shift+Tab", kb.Tab, chromedp.ModifierShift)
	if got := editorText(t, ctx, "html"); got != templateHTML {
		t.Fatalf("after Shift+Tab: %q", got)
	}

	// Typing over a selection replaces it; Ctrl+Z brings it back.
	key(t, ctx, "select all", "a", chromedp.ModifierCtrl)
	key(t, ctx, "type over the selection", "x")
	if got := editorText(t, ctx, "html"); got != "x" {
		t.Fatalf("typing over the selection: %q", got)
	}
	key(t, ctx, "undo", "z", chromedp.ModifierCtrl)
	if got := editorText(t, ctx, "html"); got != templateHTML {
		t.Fatalf("undo did not restore the replaced selection: %q", got)
	}

	// Escape then Tab moves the focus out and types nothing.
	key(t, ctx, "Escape", kb.Escape)
	key(t, ctx, "Tab", kb.Tab)
	if in := eval[bool](t, ctx, `!!document.activeElement.closest('.cm-editor')`); in {
		t.Fatal("Escape then Tab left the focus in the editor")
	}
	if got := editorText(t, ctx, "html"); got != templateHTML {
		t.Fatalf("Escape then Tab changed the text: %q", got)
	}
	t.Logf("Escape, Tab moved the focus to %s", eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 80)`))

	// Undo is per block: block A's edit is not undone from block B.
	focusEditor(t, ctx, "html")
	key(t, ctx, "select all", "a", chromedp.ModifierCtrl)
	key(t, ctx, "type in A", "AAA")
	b := newBlock(t, ctx)
	if a == b {
		t.Fatal("a second block has the first one's id")
	}
	waitFor(t, ctx, "block B open", fmt.Sprintf(`document.querySelector('#block-list li.active').dataset.blockId === %q`, b))
	focusEditor(t, ctx, "html")
	key(t, ctx, "undo in B", "z", chromedp.ModifierCtrl)
	key(t, ctx, "undo in B again", "z", chromedp.ModifierCtrl)
	if got := editorText(t, ctx, "html"); got != templateHTML {
		t.Fatalf("undo in block B changed its text to %q (another block's history?)", got)
	}
	step(t, ctx, "back to A", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#block-list li[data-block-id=%q] .open`, a))))
	waitFor(t, ctx, "block A open", fmt.Sprintf(`document.querySelector('#block-list li.active').dataset.blockId === %q`, a))
	if got := editorText(t, ctx, "html"); got != "AAA" {
		t.Fatalf("block A lost its text when B was opened: %q", got)
	}
	focusEditor(t, ctx, "html")
	key(t, ctx, "undo in A", "z", chromedp.ModifierCtrl)
	if got := editorText(t, ctx, "html"); got != templateHTML {
		t.Fatalf("undo in A after visiting B: %q", got)
	}

	// Ctrl+Enter runs the open block: a fresh log line proves the run.
	typeInto(t, ctx, "code-js", `console.log('run at ' + Date.now())`)
	waitFor(t, ctx, "the autorun", `document.getElementById('logs').textContent.includes('run at ')`)
	waitFor(t, ctx, "the block saved", `document.getElementById('save-state').dataset.state === 'saved'`)
	if !eval[bool](t, ctx, `!!document.querySelector('#code-js .tok-string') && !!document.querySelector('#code-js .tok-variableName')`) {
		t.Error("the JavaScript is not highlighted")
	}
	first := eval[string](t, ctx, `document.getElementById('logs').textContent`)
	focusEditor(t, ctx, "javascript")
	key(t, ctx, "Ctrl+Enter", kb.Enter, chromedp.ModifierCtrl)
	waitFor(t, ctx, "a new run", fmt.Sprintf(`document.getElementById('logs').textContent.includes('run at ') && document.getElementById('logs').textContent !== %q`, first))
	if got := editorText(t, ctx, "javascript"); strings.Contains(got, "\n") {
		t.Errorf("Ctrl+Enter also typed a newline: %q", got)
	}
	// The Run button does the same.
	second := eval[string](t, ctx, `document.getElementById('logs').textContent`)
	step(t, ctx, "Run", chromedp.Click(chromedp.ID("run")))
	waitFor(t, ctx, "a run from the button", fmt.Sprintf(`document.getElementById('logs').textContent.includes('run at ') && document.getElementById('logs').textContent !== %q`, second))

	// Ctrl+F opens the editor's search.
	focusEditor(t, ctx, "javascript")
	key(t, ctx, "Ctrl+F", "f", chromedp.ModifierCtrl)
	waitFor(t, ctx, "the search panel", `!!document.querySelector('#code-js .cm-search input[name=search]')`)
	key(t, ctx, "close the search", kb.Escape)

	// The splitter between code and output moves with the arrow keys.
	eval[bool](t, ctx, `(document.getElementById('splitter').focus(), true)`)
	before := eval[string](t, ctx, `document.getElementById('splitter').getAttribute('aria-valuenow')`)
	key(t, ctx, "ArrowRight on the splitter", kb.ArrowRight)
	if after := eval[string](t, ctx, `document.getElementById('splitter').getAttribute('aria-valuenow') + ' ' + document.getElementById('panes').style.getPropertyValue('--split')`); after == before+" "+before+"%" || !strings.HasSuffix(after, "%") {
		t.Errorf("splitter %s -> %s", before, after)
	}

	// The block list is operable by keyboard: its entries are links.
	eval[bool](t, ctx, fmt.Sprintf(`(document.querySelector('#block-list li[data-block-id=%q] .open').focus(), true)`, b))
	key(t, ctx, "Enter on the list entry", kb.Enter)
	waitFor(t, ctx, "block B opened by keyboard", fmt.Sprintf(`document.querySelector('#block-list li.active').dataset.blockId === %q`, b))
}

// A draft typed while the server refuses to run the block (no free
// isolate: 503 / no_capacity) is kept across a reload, and saved by itself
// once capacity frees.
func TestDraftSurvivesRefusalAndReload(t *testing.T) {
	base := startStackMax(t, 20*time.Second, true, 1)
	// One block keeps the only isolate busy (idle isolates would be
	// evicted for a new block; an executing one is not).
	go http.Post(base+"/api/execute-content-block", "application/json",
		strings.NewReader(`{"blockId":"holder","name":"Holder","code":{"html":"<p>h</p>","css":"","javascript":"while (true) {}"}}`))
	time.Sleep(time.Second) // let it bind the isolate before anything else asks
	// The REST API says 503 for a new block now.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := post(t, base+"/api/execute-content-block", `{"blockId":"probe","code":{"html":"","css":"","javascript":""}}`)
		if r.StatusCode == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a second block with MaxIsolates 1 while the first executes: %d, want 503", r.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	id := newBlock(t, ctx)
	waitFor(t, ctx, "the refusal shown", `document.getElementById('save-state').dataset.state === 'no_capacity' && document.getElementById('save-state').textContent.includes('Kept in this browser')`)
	typeInto(t, ctx, "code-js", `console.log('typed while refused')`)
	waitFor(t, ctx, "the draft in the browser", fmt.Sprintf(`(JSON.parse(localStorage.getItem('symposium.draft.' + %q)) || {code: {}}).code.javascript === "console.log('typed while refused')"`, id))

	openPage(t, ctx, base+"/#block="+id)
	waitFor(t, ctx, "the draft back after the reload", fmt.Sprintf(`document.querySelector('#block-list li.active')?.dataset.blockId === %q && window.symposium.views.javascript.state.doc.toString() === "console.log('typed while refused')"`, id))
	if st := eval[string](t, ctx, `document.getElementById('save-state').dataset.state`); st == "saved" {
		t.Fatal("a refused draft is shown as saved")
	}
	// Whether the server keeps the code of a refused run is its business;
	// the page does not count on it.
	t.Logf("server copy while refused: %q", blockJS(t, base, id))

	// Capacity frees (the busy block is deleted, which stops its isolate):
	// the page saves (and runs) the draft by itself.
	req, _ := http.NewRequest("DELETE", base+"/api/content-block/holder", nil)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 204 {
		t.Fatalf("delete holder: %v %v", r, err)
	}
	waitFor(t, ctx, "the retry saved it", `document.getElementById('save-state').dataset.state === 'saved'`)
	waitFor(t, ctx, "its console", `document.getElementById('logs').textContent.includes('typed while refused')`)
	if js := blockJS(t, base, id); js != "console.log('typed while refused')" {
		t.Fatalf("server copy of the draft: %q", js)
	}
	if eval[bool](t, ctx, fmt.Sprintf(`localStorage.getItem('symposium.draft.' + %q) !== null`, id)) {
		t.Error("the draft is still in the browser after it was saved")
	}
}

func post(t testing.TB, url, body string) *http.Response {
	t.Helper()
	r, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return r
}

func blockJS(t testing.TB, base, id string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/content-blocks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Blocks []struct {
			BlockID string
			Code    struct{ JavaScript string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	for _, b := range list.Blocks {
		if b.BlockID == id {
			return b.Code.JavaScript
		}
	}
	return ""
}

// Reopening a block, reloading the page, or following a link to it shows
// its last output and console at once, without running it again.
func TestReloadShowsLastOutputAndURLOpensBlock(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)
	openPage(t, ctx, base+"/")
	id := newBlock(t, ctx)
	typeInto(t, ctx, "code-html", `<p id="kept">kept output</p>`)
	typeInto(t, ctx, "code-js", `console.log('kept log line')`)
	waitPreview(t, ctx, `<p id="kept">kept output</p>`)
	waitFor(t, ctx, "the log", `document.getElementById('logs').textContent.includes('kept log line')`)
	waitFor(t, ctx, "the block saved", `document.getElementById('save-state').dataset.state === 'saved'`)
	if loc := eval[string](t, ctx, `location.hash`); loc != "#block="+id {
		t.Errorf("URL of the open block: %q", loc)
	}

	step(t, ctx, "reload", chromedp.Reload())
	waitFor(t, ctx, "the block reopened from the URL", fmt.Sprintf(`document.querySelector('#block-list li.active')?.dataset.blockId === %q`, id))
	waitPreview(t, ctx, `<p id="kept">kept output</p>`)
	waitFor(t, ctx, "the last console", `document.getElementById('logs').textContent.includes('kept log line') && document.getElementById('run-status').textContent.includes('last run')`)

	// Another browser (no local state) follows a link to the block.
	other := browser(t)
	openPage(t, other, base+"/#block="+id)
	waitFor(t, other, "the linked block open", fmt.Sprintf(`document.querySelector('#block-list li.active')?.dataset.blockId === %q && !document.getElementById('editor').hidden`, id))
	waitPreview(t, other, `<p id="kept">kept output</p>`)
	if got := editorText(t, other, "html"); got != `<p id="kept">kept output</p>` {
		t.Errorf("linked block's HTML: %q", got)
	}
}

// axeSource is axe-core from the pinned npm package (installed by npm ci).
func axeSource(t testing.TB) string {
	t.Helper()
	fe := filepath.Join(repoRoot(), "web", "ui", "frontend")
	p := filepath.Join(fe, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(p); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = fe
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci for axe-core: %v\n%s", err, out)
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// checkAxe runs axe-core on the parts of the page selected by include and
// fails on serious or critical violations.
func checkAxe(t testing.TB, ctx context.Context, axe, what string, include ...string) {
	t.Helper()
	if !eval[bool](t, ctx, `typeof window.axe === 'object'`) {
		eval[any](t, ctx, axe+";true")
	}
	sel, _ := json.Marshal(include)
	js := fmt.Sprintf(`axe.run({include: %s.map((s) => [s])}, {resultTypes: ['violations']}).then((r) => JSON.stringify(r.violations))`, sel)
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := chromedp.Run(c, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", what, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	var minor []string
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			var nodes []string
			for _, n := range v.Nodes {
				nodes = append(nodes, fmt.Sprint(n.Target)+" "+n.HTML)
			}
			t.Errorf("axe, %s: %s %s (%s) on %d nodes: %s", what, v.Impact, v.ID, v.Help, len(v.Nodes), strings.Join(nodes[:min(len(nodes), 4)], " | "))
		} else {
			minor = append(minor, v.Impact+" "+v.ID)
		}
	}
	t.Logf("axe, %s: %d violations (%d serious or critical); others: %v", what, len(vs), len(vs)-len(minor), minor)
}

func setTheme(t testing.TB, ctx context.Context, scheme string) {
	t.Helper()
	step(t, ctx, "prefers-color-scheme: "+scheme, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	}))
	waitFor(t, ctx, "the theme applied", fmt.Sprintf(`matchMedia('(prefers-color-scheme: %s)').matches`, scheme))
}

// saveScreenshot writes the viewport as test-artifacts/name.png.
func saveScreenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // let the charts take the next sample and fonts settle
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join(repoRoot(), "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestScreensResponsiveAccessible: axe-core finds no serious or critical
// violation on the empty state, the list, the editor and the dashboard, in
// light and dark; at 390×844 the page is no wider than the screen and the
// preview is on it; screenshots of both sizes and themes.
func TestScreensResponsiveAccessible(t *testing.T) {
	base := startStack(t, 2*time.Second, true)
	ctx := browser(t)
	axe := axeSource(t)
	sizes := []struct {
		name string
		w, h int64
	}{{"1440x900", 1440, 900}, {"390x844", 390, 844}}

	// The empty state first, while there is no block.
	for _, scheme := range []string{"light", "dark"} {
		step(t, ctx, "desktop viewport", chromedp.EmulateViewport(1440, 900))
		openPage(t, ctx, base+"/")
		setTheme(t, ctx, scheme)
		waitFor(t, ctx, "the gallery", `document.querySelectorAll('#gallery .card').length >= 5 && !document.getElementById('empty-state').hidden`)
		checkAxe(t, ctx, axe, "empty state, "+scheme, ".top", ".sidebar", "#empty-state")
		saveScreenshot(t, ctx, "ui-empty-1440x900-"+scheme)
	}

	// An example from the gallery, and a second block so the list and the
	// dashboard have more than one entry.
	openPage(t, ctx, base+"/")
	setTheme(t, ctx, "light")
	step(t, ctx, "the script error example", chromedp.Click(chromedp.CSS(`#gallery .card[data-example="error"]`)))
	waitFor(t, ctx, "its error", `document.getElementById('run-error').dataset.kind === 'script'`)
	closeToGallery(t, ctx)
	step(t, ctx, "the chart example", chromedp.Click(chromedp.CSS(`#gallery .card[data-example="chart"]`)))
	waitPreview(t, ctx, "visitors this week")
	waitFor(t, ctx, "its log", `document.getElementById('logs').textContent.includes('drew 7 bars')`)
	waitFor(t, ctx, "two isolates on the dashboard", `document.querySelectorAll('#isolate-rows tr[data-block-id]').length >= 2`)
	time.Sleep(3 * time.Second) // a few samples for the charts

	for _, scheme := range []string{"light", "dark"} {
		setTheme(t, ctx, scheme)
		for _, sz := range sizes {
			step(t, ctx, "viewport "+sz.name, chromedp.EmulateViewport(sz.w, sz.h))
			eval[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
			waitFor(t, ctx, "the layout settled", fmt.Sprintf(`window.innerWidth === %d`, sz.w))
			if sz.w == 390 {
				width := eval[int](t, ctx, `document.documentElement.scrollWidth`)
				if width > 390 {
					t.Errorf("%s at 390×844: the page is %d px wide; widest: %s", scheme, width, eval[string](t, ctx, `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391).slice(-3).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')`))
				}
				eval[bool](t, ctx, `(document.getElementById('preview').scrollIntoView({block: 'center'}), true)`)
				r := eval[[]float64](t, ctx, `(() => { const r = document.getElementById('preview').getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom, r.width, r.height]; })()`)
				if r[0] < 0 || r[1] > 390 || r[2] < 0 || r[3] > 844 || r[4] < 300 || r[5] < 150 {
					t.Errorf("%s at 390×844: the preview is not wholly on screen: %v", scheme, r)
				}
				waitPreview(t, ctx, "visitors this week")
				eval[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
			}
			checkAxe(t, ctx, axe, fmt.Sprintf("list and editor, %s, %s", scheme, sz.name), ".top", ".sidebar", "#editor")
			checkAxe(t, ctx, axe, fmt.Sprintf("dashboard, %s, %s", scheme, sz.name), ".dashboard")
			saveScreenshot(t, ctx, fmt.Sprintf("ui-%s-%s", sz.name, scheme))
		}
	}
	// The dashboard itself, at desktop size, with a tooltip under the pointer.
	step(t, ctx, "desktop viewport", chromedp.EmulateViewport(1440, 900))
	eval[bool](t, ctx, `(document.querySelector('.dashboard').scrollIntoView(), true)`)
	pt := eval[[]float64](t, ctx, `(() => { const r = document.getElementById('chart-iso-mem').getBoundingClientRect(); return [r.right - 8, r.top + r.height / 2]; })()`)
	step(t, ctx, "hover the isolate memory chart", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, pt[0], pt[1]))
	waitFor(t, ctx, "the tooltip", `!document.getElementById('chart-tip').hidden && document.getElementById('chart-tip').textContent.includes('Bar chart from DATA') && / MB/.test(document.getElementById('chart-tip').textContent)`)
	if legend := eval[string](t, ctx, `document.getElementById('legend-iso-mem').textContent`); !strings.Contains(legend, "Bar chart from DATA") || !strings.Contains(legend, "A script error") {
		t.Errorf("isolate memory legend: %q", legend)
	}
	if colours := eval[int](t, ctx, `new Set([...document.querySelectorAll('#legend-iso-mem .swatch')].map((s) => s.style.background)).size`); colours < 2 {
		t.Errorf("the isolates share a colour (%d distinct)", colours)
	}
	saveScreenshot(t, ctx, "ui-dashboard-1440x900-dark")

	// The toggle overrides the system theme and is remembered.
	eval[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
	step(t, ctx, "toggle the theme", chromedp.Click(chromedp.ID("theme-toggle")))
	if th := eval[string](t, ctx, `document.documentElement.dataset.theme + ' ' + getComputedStyle(document.body).backgroundColor`); !strings.HasPrefix(th, "dark ") {
		t.Errorf("after one toggle: %q", th)
	}
	step(t, ctx, "toggle the theme", chromedp.Click(chromedp.ID("theme-toggle")))
	bg := eval[string](t, ctx, `document.documentElement.dataset.theme + ' ' + getComputedStyle(document.body).backgroundColor`)
	if bg != "light rgb(243, 245, 249)" {
		t.Errorf("light chosen while the system is dark: %q", bg)
	}
	step(t, ctx, "reload", chromedp.Reload())
	waitFor(t, ctx, "the choice kept", `document.documentElement.dataset.theme === 'light'`)
}

// closeToGallery goes back to the empty state.
func closeToGallery(t testing.TB, ctx context.Context) {
	t.Helper()
	step(t, ctx, "back to the gallery", chromedp.Navigate(strings.Split(eval[string](t, ctx, `location.href`), "#")[0]))
	waitFor(t, ctx, "the gallery", `document.querySelectorAll('#gallery .card').length >= 5 && !document.getElementById('empty-state').hidden`)
}

// Every example of the gallery runs as its card says, the limits included,
// and the outcome is told in words.
func TestGalleryExamples(t *testing.T) {
	// Time enough for the memory example to reach its limit on a busy machine.
	base := startStack(t, 5*time.Second, true)
	ctx := browser(t)
	for _, ex := range []struct{ id, kind, want string }{
		{"chart", "", "drew 7 bars"},
		{"report", "", "4 people rendered"},
		{"counter", "", "count is 42"},
		{"error", "script", "syntaxerror"},
		{"timeout", "timeout", "timed out"},
		{"memory", "oom", "ran out of memory"},
	} {
		openPage(t, ctx, base+"/")
		waitFor(t, ctx, "the gallery", `!document.getElementById('empty-state').hidden`)
		step(t, ctx, "example "+ex.id, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#gallery .card[data-example=%q]`, ex.id))))
		if ex.kind == "" {
			waitFor(t, ctx, ex.id+" ran", fmt.Sprintf(`document.getElementById('run-status').textContent.startsWith('ran in') && document.getElementById('logs').textContent.includes(%q)`, ex.want))
			continue
		}
		waitFor(t, ctx, ex.id+" failed as it should", fmt.Sprintf(`document.getElementById('run-error').dataset.kind === %q && !document.getElementById('run-error').hidden &&
			(document.getElementById('run-status').textContent + document.getElementById('run-error').textContent).toLowerCase().includes(%q)`, ex.kind, ex.want))
		t.Logf("%s: %s", ex.id, eval[string](t, ctx, `document.getElementById('run-status').textContent + ' | ' + document.getElementById('run-error').innerText.replace(/\s+/g, ' ')`))
		// The activity feed says it in words too.
		words := map[string]string{"script": "script error", "timeout": "timed out", "oom": "ran out of memory"}[ex.kind]
		waitFor(t, ctx, "the outcome in the activity feed", fmt.Sprintf(`document.getElementById('activity').textContent.includes(%q)`, words))
		if act := eval[string](t, ctx, `document.getElementById('activity').textContent`); strings.Contains(act, "ran (") {
			t.Errorf("the activity feed says a failure ran: %q", act)
		}
	}
}
