package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/supervisor/session"
	"github.com/symposium/symposium/web"
	"github.com/symposium/symposium/web/live"
	"github.com/symposium/symposium/web/ui"
	"github.com/symposium/symposium/web/webtest"
)

const chromiumPath = "/usr/bin/chromium"

var runnerPath string

func TestMain(m *testing.M) { isolatetest.Main(m, &runnerPath) }

// startStack runs the real supervisor stack (cgroups, isolates with a real
// runner, monitor, API, hub, UI) on a 127.0.0.1 listener, wired as main does.
// enforced is what /api/health reports as kernelEnforced.
func startStack(t testing.TB, execTimeout time.Duration, enforced bool) string {
	t.Helper()
	return startStackMax(t, execTimeout, enforced, 0)
}

// startStackMax is startStack with at most maxIsolates isolates bound to
// blocks at once (0: the default), to make the server refuse runs.
func startStackMax(t testing.TB, execTimeout time.Duration, enforced bool, maxIsolates int) string {
	t.Helper()
	return startStackWith(t, stackConfig{execTimeout: execTimeout, enforced: enforced, maxIsolates: maxIsolates})
}

// stackConfig is what a test's server differs in.
type stackConfig struct {
	execTimeout time.Duration
	enforced    bool
	maxIsolates int
	sessions    session.Config // live sessions (interactive blocks), as main wires them
}

// startStackWith runs the stack, live sessions included, as main wires it.
func startStackWith(t testing.TB, sc stackConfig) string {
	t.Helper()
	execTimeout, enforced, maxIsolates := sc.execTimeout, sc.enforced, sc.maxIsolates
	isolatetest.NeedRoot(t)
	name := fmt.Sprintf("symposium-uitest-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	cg, err := cgroup.New(cgroup.WithName(name))
	if err != nil {
		t.Fatal(err)
	}
	hub := live.New()
	var mgr atomic.Pointer[session.Manager]
	rt, err := isolate.New(isolate.Config{
		RunnerPath: runnerPath, RunDir: "/run/" + name, PoolSize: 1, ExecTimeout: execTimeout, MaxIsolates: maxIsolates,
		Limits: cgroup.Limits{MemoryBytes: 256 << 20, CPU: 1, Pids: 32},
	}, cg, isolate.WithEvents(hub.Event), isolate.WithSessionsEnded(func(blockID string, ids []string, why isolate.EventType) {
		if m := mgr.Load(); m != nil {
			m.IsolateEnded(blockID, ids, why)
		}
	}))
	if err != nil {
		cg.Close()
		t.Fatal(err)
	}
	svc := blocksvc.New(rt)
	if sc.sessions.InstanceID == "" {
		sc.sessions.InstanceID = "ui-test"
	}
	sessions := session.New(rt, sc.sessions)
	mgr.Store(sessions)
	blocksAPI := web.SessionBlocks{Blocks: svc, Ends: sessions}
	mon := monitor.New(rt, monitor.DefaultThresholds(), monitor.OnSample(hub.Sample), monitor.OnAlert(hub.Alert))
	ctx, stop := context.WithCancel(context.Background())
	go mon.Run(ctx)
	enf := map[string]any{"cgroup": map[string]any{"mode": cg.Detection().Mode}, "kernelEnforced": enforced}
	if !enforced {
		enf["cgroup"] = map[string]any{"mode": cgroup.ModeNone}
		enf["warning"] = "memory, CPU and process limits are NOT kernel-enforced: only rlimits and the wall-clock kill apply"
	}
	srv := web.New(web.Config{}, blocksAPI, mon, web.WithSessions(sessions, nil), web.WithHealth(func(context.Context) map[string]any {
		return map[string]any{"enforcement": enf}
	}))
	ui.Mount(srv.App())
	hub.UseSessions(srv.Sessions())
	hub.Mount(srv.App(), blocksAPI)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(ln)
	t.Cleanup(func() {
		stop()
		hub.Close()
		srv.Shutdown(context.Background())
		sessions.Shutdown()
		rt.Close()
		cg.Close()
	})
	return "http://" + ln.Addr().String()
}

// browser starts headless Chromium with a fresh profile.
func browser(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required under CI: %v", err)
		}
		t.Skipf("chromium not installed: %v", err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1100),
	)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser without a timeout
		t.Fatal(err)
	}
	return ctx
}

// step runs actions with a bound, so a broken page fails instead of hanging.
func step(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a page expression until it is true.
func waitFor(t testing.TB, ctx context.Context, what, js string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool](js, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s (%s): %v; page says: %s", what, js, err, eval[string](t, ctx, `['save-state', 'run-status', 'run-error', 'logs', 'notice'].map((id) => id + ': ' + (document.getElementById(id)?.innerText || '').slice(0, 400)).join('\n')`))
	}
}

// editorLang maps the editors' element ids to the page's language names.
var editorLang = map[string]string{"code-html": "html", "code-css": "css", "code-js": "javascript", "code-data": "data"}

// typeInto replaces an editor's text. The text goes in as one change through
// the editor view, the path every keystroke takes (keys themselves are
// tested in TestEditorKeys; typed code would be re-indented and
// auto-closed as a person's is).
func typeInto(t testing.TB, ctx context.Context, id, text string) {
	t.Helper()
	lang := editorLang[id]
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const tab = document.getElementById('tab-' + %q); tab.click();
		const v = window.symposium.views[%q]; v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: %q}, userEvent: 'input.paste'}); return true; })()`, lang, lang, text))
}

// editorText reads an editor's text.
func editorText(t testing.TB, ctx context.Context, lang string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`window.symposium.views[%q].state.doc.toString()`, lang))
}

// previewHTML reads the preview frame's document through the DevTools
// protocol: the page itself cannot (that is the point of the sandbox).
// Chromium runs a sandboxed frame in its own process (IsolateSandboxedIframes),
// so the frame is a target of its own, reached with WithTargetID.
func previewHTML(ctx context.Context, src string) (string, error) {
	targets, err := chromedp.Targets(ctx)
	if err != nil {
		return "", err
	}
	for _, ti := range targets {
		if ti.Type != "iframe" || !strings.HasSuffix(ti.URL, src) {
			continue
		}
		// Detach on cancel: closing the target would remove the frame.
		fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID), chromedp.WithDetachOnCancel())
		defer cancel()
		return chromedp.Run(fctx, chromedp.Action[string](func(ctx context.Context, tg *chromedp.Target) (string, error) {
			doc, err := cdp.Call(ctx, tg, dom.GetDocument, dom.GetDocumentParams{})
			if err != nil {
				return "", err
			}
			out, err := cdp.Call(ctx, tg, dom.GetOuterHTML, dom.GetOuterHTMLParams{NodeID: doc.Root.NodeID})
			if err != nil {
				return "", err
			}
			return out.OuterHTML, nil
		}))
	}
	var seen []string
	for _, ti := range targets {
		seen = append(seen, string(ti.Type)+" "+ti.URL)
	}
	return "", fmt.Errorf("no frame target for %s (is the sandboxed frame out of process?); targets: %q", src, seen)
}

// liveMarks are what the live frame adds to a block's page: the bridge (its
// one script, in the head) and the element numbers the bridge keys on.
var (
	bridgeScript = regexp.MustCompile(`(?s)^(.*?<head>.*?)<script>.*?</script>`)
	nodeMarks    = regexp.MustCompile(` data-symposium-node="\d+"`)
)

// pageOf is a preview document as the block made it: for the live frame,
// without the bridge and the element numbers.
func pageOf(src, doc string) string {
	if !strings.HasPrefix(src, "/frame") {
		return doc
	}
	return nodeMarks.ReplaceAllString(bridgeScript.ReplaceAllString(doc, "$1"), "")
}

// waitPreview waits until the current preview document contains want.
func waitPreview(t testing.TB, ctx context.Context, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var html string
	var err error
	for time.Now().Before(deadline) {
		// The frame has no src until the block's first result arrives.
		src := eval[string](t, ctx, `(() => { const s = document.getElementById('preview').getAttribute('src'); if (!s) return ''; const u = new URL(s, location.href); return u.pathname + u.search + u.hash })()`)
		if src != "" {
			if html, err = previewHTML(ctx, src); err == nil && strings.Contains(pageOf(src, html), want) {
				return pageOf(src, html)
			}
		}
		time.Sleep(150 * time.Millisecond)
	}
	t.Fatalf("preview never showed %q; last: %q, %v", want, html, err)
	return ""
}

var memFigure = regexp.MustCompile(`^([0-9.]+) / `)

func isolateFigures(t testing.TB, ctx context.Context, blockID string) (memMB, cpuPct float64, ok bool) {
	t.Helper()
	row := eval[[]string](t, ctx, fmt.Sprintf(`(() => { const r = document.querySelector('#isolate-rows tr[data-block-id=%q]');
		return r ? [r.querySelector('.mem').textContent, r.querySelector('.cpu').textContent] : []; })()`, blockID))
	if len(row) != 2 {
		return 0, 0, false
	}
	m := memFigure.FindStringSubmatch(row[0])
	if m == nil {
		t.Fatalf("memory cell %q", row[0])
	}
	memMB, _ = strconv.ParseFloat(m[1], 64)
	cpuPct, _ = strconv.ParseFloat(strings.TrimSuffix(row[1], " %"), 64)
	return memMB, cpuPct, true
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestEditPreviewLogsTimeoutDashboard(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	ctx := browser(t)

	step(t, ctx, "open the page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("new-block")))
	waitFor(t, ctx, "the live connection", `document.getElementById('conn').textContent === 'live'`)
	waitFor(t, ctx, "the enforcement line", `document.getElementById('enforcement').textContent.includes('kernel-enforced')`)
	if eval[bool](t, ctx, `!document.getElementById('enforcement-banner').hidden`) {
		t.Error("red banner shown although limits are kernel-enforced")
	}

	// Create a block: it opens and runs its template.
	step(t, ctx, "create a block", chromedp.Click(chromedp.ID("new-block")), chromedp.WaitVisible(chromedp.CSS("#code-html .cm-content")))
	blockID := eval[string](t, ctx, `document.querySelector('#block-list li.active').dataset.blockId`)
	waitPreview(t, ctx, "Hello, world!")

	// Type into the three editors and the data: the block re-runs by itself.
	typeInto(t, ctx, "code-html", `<div id="card"><h2 id="greet">waiting</h2></div>`)
	typeInto(t, ctx, "code-css", `#card { border: 3px solid rebeccapurple; padding: 8px; }`)
	typeInto(t, ctx, "code-data", `{"who": "chromedp"}`)
	typeInto(t, ctx, "code-js", `document.getElementById('greet').textContent = 'Typed for ' + DATA.who; console.warn('careful, ' + DATA.who)`)
	html := waitPreview(t, ctx, `<h2 id="greet">Typed for chromedp</h2>`)
	if !strings.Contains(html, "rebeccapurple") {
		t.Errorf("preview lacks the typed CSS: %s", html)
	}
	waitFor(t, ctx, "the warn log line", `[...document.querySelectorAll('#logs li.log-warn')].some(li => li.textContent.includes('careful, chromedp'))`)

	// Invalid data is an inline error and is not sent.
	typeInto(t, ctx, "code-data", `{"who": `)
	waitFor(t, ctx, "the inline data error", `!document.getElementById('data-error').hidden && document.getElementById('data-error').textContent.includes('not valid JSON')`)
	typeInto(t, ctx, "code-data", `{"who": "again"}`)
	waitPreview(t, ctx, "Typed for again")

	// Block content can never reach the page: the frame is sandboxed without
	// allow-same-origin (its only script is the bridge), the block's page in
	// it has no script, and the page cannot reach into it either.
	typeInto(t, ctx, "code-html", `<p id="x">safe</p><script>parent.document.title = 'pwned'</script><img src="x" onerror="parent.document.title='pwned'">`)
	typeInto(t, ctx, "code-js", `console.log('xss attempt')`)
	html = waitPreview(t, ctx, `<p id="x">safe</p>`)
	for _, bad := range []string{"<script", "onerror", "pwned"} {
		if strings.Contains(html, bad) {
			t.Errorf("preview document contains %q: %s", bad, html)
		}
	}
	if sb := eval[[]any](t, ctx, `(() => { const f = document.getElementById('preview'); return [f.hasAttribute('sandbox'), f.getAttribute('sandbox'), f.sandbox.contains('allow-same-origin'), f.sandbox.contains('allow-scripts')]; })()`); sb[0] != true || sb[1] != "allow-scripts" || sb[2] != false || sb[3] != true {
		t.Errorf("preview sandbox attribute: %v", sb)
	}
	if eval[bool](t, ctx, `document.getElementById('preview').contentDocument !== null`) {
		t.Error("the page can read the preview's contentDocument: the frame is same-origin")
	}
	if got := eval[string](t, ctx, `(() => { try { return String(document.getElementById('preview').contentWindow.document); } catch (e) { return e.name; } })()`); got != "SecurityError" {
		t.Errorf("cross-frame document access: want SecurityError, got %q", got)
	}
	if title := eval[string](t, ctx, `document.title`); strings.Contains(title, "pwned") {
		t.Errorf("the block changed the page title: %q", title)
	}

	// A heavy block: the dashboard's kernel figures for its isolate move.
	waitFor(t, ctx, "the isolate row", fmt.Sprintf(`!!document.querySelector('#isolate-rows tr[data-block-id=%q]')`, blockID))
	before, _, _ := isolateFigures(t, ctx, blockID)
	rssBefore := eval[string](t, ctx, `document.getElementById('fig-rss').textContent`)
	// The runner runs the HTML's inline scripts too: take the hostile markup out.
	typeInto(t, ctx, "code-html", `<p id="x">heavy</p>`)
	typeInto(t, ctx, "code-js", `globalThis.keep = []; for (let i = 0; i < 100000; i++) keep.push({i: i, s: 'item ' + i}); console.log('kept ' + keep.length)`)
	waitFor(t, ctx, "the heavy run's log", `document.getElementById('logs').textContent.includes('kept 100000')`)
	var peakMem, peakCPU float64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && (peakMem < before+10 || peakCPU == 0); time.Sleep(200 * time.Millisecond) {
		if m, c, ok := isolateFigures(t, ctx, blockID); ok {
			peakMem, peakCPU = max(peakMem, m), max(peakCPU, c)
		}
	}
	if peakMem < before+10 || peakCPU == 0 {
		t.Errorf("dashboard did not follow the heavy block: memory %.1f -> %.1f MB, CPU peak %.0f%%", before, peakMem, peakCPU)
	}
	t.Logf("dashboard: isolate memory %.1f -> %.1f MB, CPU peak %.0f%%, supervisor RSS was %s", before, peakMem, peakCPU, rssBefore)
	if n := eval[int](t, ctx, `document.getElementById('chart-iso-mem').getContext('2d').getImageData(0, 0, 200, 140).data.filter((v, i) => i % 4 === 3 && v > 0).length`); n == 0 {
		t.Error("the isolate memory chart is blank")
	}

	// A script that never ends: stopped, and said so in words.
	typeInto(t, ctx, "code-js", `while (true) {}`)
	waitFor(t, ctx, "the timeout message", `!document.getElementById('run-error').hidden && document.getElementById('run-error').dataset.kind === 'timeout' && document.getElementById('run-error').textContent.includes('Your script ran longer than the time limit and was stopped.')`)

	// A thrown error shows its message and stack.
	typeInto(t, ctx, "code-js", `function inner() { throw new TypeError('bad value here') }
inner()`)
	waitFor(t, ctx, "the script error", `document.getElementById('run-error').dataset.kind === 'script' && document.getElementById('run-error').textContent.includes('bad value here') && !!document.querySelector('#run-error pre')`)

	// Rename through the list, checked against the REST API.
	waitFor(t, ctx, "the rename button clicked", fmt.Sprintf(`(() => { const b = document.querySelector('#block-list li[data-block-id=%q] .rename'); if (b) b.click(); return !!b })()`, blockID))
	step(t, ctx, "rename", chromedp.WaitVisible(chromedp.CSS(".rename-input")), chromedp.SendKeys(chromedp.CSS(".rename-input"), "Renamed block\r"))
	waitFor(t, ctx, "the new name", `document.getElementById('block-title').textContent === 'Renamed block'`)
	if name := blockName(t, base, blockID); name != "Renamed block" {
		t.Errorf("REST name after rename: %q", name)
	}

	// Delete it: gone from the list, the editor and the API.
	eval[bool](t, ctx, `(window.confirm = () => true, true)`)
	// Clicked from script in one step: the list re-renders on live events,
	// so a node looked up first may be gone by the time it is clicked.
	waitFor(t, ctx, "the delete button clicked", fmt.Sprintf(`(() => { const b = document.querySelector('#block-list li[data-block-id=%q] .delete'); if (b) b.click(); return !!b })()`, blockID))
	waitFor(t, ctx, "the block gone", fmt.Sprintf(`!document.querySelector('#block-list li[data-block-id=%q]') && document.getElementById('editor').hidden`, blockID))
	if name := blockName(t, base, blockID); name != "" {
		t.Errorf("block still listed by the API after delete: %q", name)
	}
}

func blockName(t testing.TB, base, id string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/content-blocks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Blocks []struct{ BlockID, Name string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	for _, b := range list.Blocks {
		if b.BlockID == id {
			return b.Name
		}
	}
	return ""
}

// When the kernel does not enforce the limits, the page says so in red.
func TestUnenforcedLimitsBanner(t *testing.T) {
	base := startStack(t, time.Second, false)
	ctx := browser(t)
	step(t, ctx, "open the page", chromedp.Navigate(base+"/"))
	waitFor(t, ctx, "the red banner", `!document.getElementById('enforcement-banner').hidden && document.getElementById('enforcement-banner').textContent.includes('NOT enforced by the kernel')`)
	if bg := eval[string](t, ctx, `getComputedStyle(document.getElementById('enforcement-banner')).backgroundColor`); bg != "rgb(201, 42, 42)" {
		t.Errorf("banner colour %s, want red", bg)
	}
	if txt := eval[string](t, ctx, `document.getElementById('enforcement').textContent`); !strings.Contains(txt, "NOT kernel-enforced") {
		t.Errorf("enforcement line: %q", txt)
	}
}

// The page and its assets come from the binary, with a CSP that keeps the
// page to its own origin.
func TestPageServedWithCSP(t *testing.T) {
	app := fiber.New()
	ui.Mount(app)
	for path, typ := range map[string]string{"/": "text/html", "/ui/app.js": "javascript", "/ui/style.css": "text/css", "/ui/live.js": "javascript",
		"/ui/chart.js": "javascript", "/ui/editor.js": "javascript", "/ui/examples.js": "javascript", "/ui/theme.js": "javascript", "/ui/favicon.svg": "image/svg+xml",
		"/ui/preview.js": "javascript", "/ui/embed.js": "javascript", "/ui/embed.css": "text/css"} {
		resp, err := app.Test(httptest.NewRequest("GET", path, nil))
		if err != nil {
			t.Fatal(err)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), typ) || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: %d %q CSP %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), csp)
		}
	}
	for _, path := range []string{"/favicon.ico", "/favicon.svg"} {
		if resp, _ := app.Test(httptest.NewRequest("GET", path, nil)); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if resp, _ := app.Test(httptest.NewRequest("GET", "/ui/missing.js", nil)); resp.StatusCode != 404 {
		t.Errorf("missing asset: %d", resp.StatusCode)
	}
}

// TestReconnectsAfterOutage cuts the network between the page and the
// server mid-session: the page says so, reconnects by itself when the
// network is back, and edits flow over the new socket.
func TestReconnectsAfterOutage(t *testing.T) {
	base := startStack(t, 3*time.Second, true)
	proxy := webtest.NewProxy(t, strings.TrimPrefix(base, "http://"))
	ctx := browser(t)

	step(t, ctx, "open the page through the proxy", chromedp.Navigate("http://"+proxy.Addr()+"/"), chromedp.WaitVisible(chromedp.ID("new-block")))
	waitFor(t, ctx, "the live connection", `document.getElementById('conn').textContent === 'live'`)
	step(t, ctx, "create a block", chromedp.Click(chromedp.ID("new-block")), chromedp.WaitVisible(chromedp.CSS("#code-html .cm-content")))
	waitPreview(t, ctx, "Hello, world!")

	proxy.Cut()
	waitFor(t, ctx, "the page noticing the outage", `document.getElementById('conn').textContent !== 'live'`)
	proxy.Restore()
	waitFor(t, ctx, "the page reconnected", `document.getElementById('conn').textContent === 'live'`)

	typeInto(t, ctx, "code-html", `<p id="after">waiting</p>`)
	typeInto(t, ctx, "code-js", `document.getElementById('after').textContent = 'edited after the outage'`)
	waitPreview(t, ctx, `<p id="after">edited after the outage</p>`)
}
