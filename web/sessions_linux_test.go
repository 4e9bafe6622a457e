package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/supervisor/session"
	"github.com/symposium/symposium/web/auth"
)

// Interactive blocks through the HTTP session API, on the real stack: real
// runners and cgroups, the real engine's live sessions, the manager, the
// block service and AUTH_MODE=keys.

type liveAPI struct {
	url  string
	mgr  *session.Manager
	a, b string // keys of tenants acme and bravo
}

func newLiveAPI(t *testing.T, scfg session.Config, wcfg Config) *liveAPI {
	t.Helper()
	isolatetest.NeedRoot(t)
	name := fmt.Sprintf("symposium-sesstest-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	cg, err := cgroup.New(cgroup.WithName(name))
	if err != nil {
		t.Fatal(err)
	}
	var mp atomic.Pointer[session.Manager]
	rt, err := isolate.New(isolate.Config{RunnerPath: runnerPath, RunDir: "/run/" + name, PoolSize: 1, ExecTimeout: time.Second,
		Limits: cgroup.Limits{MemoryBytes: 128 << 20, CPU: 1, Pids: 32}}, cg,
		isolate.WithSessionsEnded(func(b string, ids []string, why isolate.EventType) {
			if m := mp.Load(); m != nil {
				m.IsolateEnded(b, ids, why)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	if scfg.InstanceID == "" {
		scfg.InstanceID = "i-live"
	}
	mgr := session.New(rt, scfg)
	mp.Store(mgr)
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	keys := apikeys.New(kv)
	authn, err := auth.New(ctx, auth.ModeKeys, keyAdapter(keys), kv)
	if err != nil {
		t.Fatal(err)
	}
	e := &liveAPI{mgr: mgr}
	e.a, _, _ = keys.Create(ctx, "acme", "", false)
	e.b, _, _ = keys.Create(ctx, "bravo", "", false)
	srv := New(wcfg, SessionBlocks{Blocks: blocksvc.New(rt), Ends: mgr}, monitor.New(rt, monitor.DefaultThresholds()),
		WithAuth(authn), WithSessions(mgr, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Shutdown(context.Background())
		mgr.Shutdown()
		rt.Close()
		cg.Close()
		kv.Close()
	})
	e.url = "http://" + ln.Addr().String()
	return e
}

func (e *liveAPI) do(t *testing.T, key, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		r = strings.NewReader(string(js))
	}
	req, _ := http.NewRequest(method, e.url+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func code(html, js string) map[string]any {
	return map[string]any{"html": html, "css": "", "javascript": js}
}

// open stores the block and opens a session of it; it answers the session's path.
func (e *liveAPI) open(t *testing.T, key, id, html, js string) (string, map[string]any) {
	t.Helper()
	if st, m := e.do(t, key, "POST", "/api/execute-content-block", map[string]any{"blockId": id, "code": code(html, js)}); st != 200 {
		t.Fatalf("execute %s: %d %v", id, st, m)
	}
	st, m := e.do(t, key, "POST", "/api/content-block/"+id+"/sessions", map[string]any{})
	if st != 201 || m["ended"] != false {
		t.Fatalf("open %s: %d %v", id, st, m)
	}
	return "/api/content-block/" + id + "/sessions/" + m["sessionId"].(string), m
}

func (e *liveAPI) event(t *testing.T, key, path string, ev map[string]any) map[string]any {
	t.Helper()
	st, m := e.do(t, key, "POST", path+"/events", ev)
	if st != 200 {
		t.Fatalf("event %v: %d %v", ev, st, m)
	}
	return m
}

const counterHTML = `<button id="inc">+</button> <span id="n">0</span>`
const counterJS = `let n = 0; document.getElementById('inc').addEventListener('click', () => { n++; document.getElementById('n').textContent = n; console.log('n=' + n) })`

func TestLiveSessionFlows(t *testing.T) {
	e := newLiveAPI(t, session.Config{}, Config{})
	click := map[string]any{"type": "click", "target": "#inc"}

	t.Run("counter clicked 3 times shows 3", func(t *testing.T) {
		path, m := e.open(t, e.a, "counter", counterHTML, counterJS)
		if !strings.Contains(m["html"].(string), `<span id="n">0</span>`) || strings.Contains(m["html"].(string), "data-symposium-node") {
			t.Fatalf("first render (REST: raw, not annotated): %v", m["html"])
		}
		for range 3 {
			m = e.event(t, e.a, path, click)
		}
		if !strings.Contains(m["html"].(string), `<span id="n">3</span>`) || m["success"] != true || m["ended"] != false {
			t.Fatalf("after 3 clicks: %v", m)
		}
		if logs := m["logs"].([]any); len(logs) != 1 || logs[0].(map[string]any)["message"] != "n=3" {
			t.Fatalf("a turn's logs are its own: %v", logs)
		}
		// 400 for a selector that matches nothing; the session lives on.
		st, r := e.do(t, e.a, "POST", path+"/events", map[string]any{"type": "click", "target": "#nope"})
		if st != 400 || errCode(r) != "no_target" || !strings.Contains(fmt.Sprint(r["error"]), "#nope") {
			t.Fatalf("no target: %d %v", st, r)
		}
		// Another tenant: 404, never 403.
		for _, v := range []string{"GET", "DELETE"} {
			if st, r := e.do(t, e.b, v, path, nil); st != 404 || errCode(r) != "session_gone" {
				t.Fatalf("bravo %s: %d %v", v, st, r)
			}
		}
		if st, r := e.do(t, e.b, "POST", path+"/events", click); st != 404 || errCode(r) != "session_gone" {
			t.Fatalf("bravo event: %d %v", st, r)
		}
		if st, r := e.do(t, e.a, "GET", path, nil); st != 200 || !strings.Contains(r["html"].(string), `<span id="n">3</span>`) {
			t.Fatalf("get: %d %v", st, r)
		}
		if st, _ := e.do(t, e.a, "DELETE", path, nil); st != 204 {
			t.Fatalf("delete: %d", st)
		}
		if st, r := e.do(t, e.a, "POST", path+"/events", click); st != 404 || errCode(r) != "session_gone" {
			t.Fatalf("after delete: %d %v", st, r)
		}
	})

	t.Run("filter narrows per keystroke", func(t *testing.T) {
		path, _ := e.open(t, e.a, "filter", `<input id="q"><ul id="list"></ul>`, `
			const items = ['apple', 'apricot', 'banana', 'cherry'];
			const render = (q) => { document.getElementById('list').innerHTML = items.filter(i => i.includes(q)).map(i => '<li>' + i + '</li>').join('') };
			render('');
			document.getElementById('q').addEventListener('input', (e) => render(e.target.value));`)
		want := map[string]int{"a": 3, "ap": 2, "apr": 1, "aprx": 0}
		for _, q := range []string{"a", "ap", "apr", "aprx"} {
			m := e.event(t, e.a, path, map[string]any{"type": "input", "target": "#q", "value": q})
			if n := strings.Count(m["html"].(string), "<li>"); n != want[q] {
				t.Fatalf("typed %q: %d items, want %d: %v", q, n, want[q], m["html"])
			}
		}
	})

	t.Run("tabs switch", func(t *testing.T) {
		path, _ := e.open(t, e.a, "tabs", `<button class="tab" data-tab="one">One</button><button class="tab" data-tab="two">Two</button>
			<section id="one">first panel</section><section id="two" hidden>second panel</section>`, `
			document.querySelectorAll('.tab').forEach(b => b.addEventListener('click', () => {
				document.querySelectorAll('section').forEach(s => { s.hidden = s.id !== b.dataset.tab });
			}));`)
		m := e.event(t, e.a, path, map[string]any{"type": "click", "target": `[data-tab="two"]`})
		h := m["html"].(string)
		if !strings.Contains(h, `<section id="one" hidden`) || strings.Contains(h, `<section id="two" hidden`) {
			t.Fatalf("after clicking Two: %s", h)
		}
		m = e.event(t, e.a, path, map[string]any{"type": "click", "target": `[data-tab="one"]`})
		if h = m["html"].(string); strings.Contains(h, `<section id="one" hidden`) || !strings.Contains(h, `<section id="two" hidden`) {
			t.Fatalf("after clicking One: %s", h)
		}
	})

	t.Run("form submit shows a validation message", func(t *testing.T) {
		path, _ := e.open(t, e.a, "form", `<form id="f"><input id="email" name="email"><button id="send">Send</button></form><p id="msg"></p>`, `
			document.getElementById('f').addEventListener('submit', (e) => {
				e.preventDefault();
				const v = document.getElementById('email').value;
				document.getElementById('msg').textContent = v.includes('@') ? 'thanks ' + v : 'please enter a valid email';
			});`)
		e.event(t, e.a, path, map[string]any{"type": "input", "target": "#email", "value": "nope"})
		m := e.event(t, e.a, path, map[string]any{"type": "click", "target": "#send"})
		if !strings.Contains(m["html"].(string), "please enter a valid email") {
			t.Fatalf("click on the submit button: %v", m["html"])
		}
		m = e.event(t, e.a, path, map[string]any{"type": "submit", "target": "#f"})
		if !strings.Contains(m["html"].(string), "please enter a valid email") {
			t.Fatalf("submit on the form: %v", m["html"])
		}
		e.event(t, e.a, path, map[string]any{"type": "input", "target": "#email", "value": "a@b.c"})
		if m = e.event(t, e.a, path, map[string]any{"type": "click", "target": "#send"}); !strings.Contains(m["html"].(string), "thanks a@b.c") {
			t.Fatalf("valid submit: %v", m["html"])
		}
	})

	t.Run("setInterval clock ticks between GETs", func(t *testing.T) {
		path, _ := e.open(t, e.a, "clock", `<time id="t">-</time>`,
			`let ticks = 0; setInterval(() => { ticks++; document.getElementById('t').textContent = ticks + ' ' + Date.now() }, 200)`)
		_, m1 := e.do(t, e.a, "GET", path, nil)
		time.Sleep(1200 * time.Millisecond)
		_, m2 := e.do(t, e.a, "GET", path, nil)
		if m1["html"] == m2["html"] || !strings.Contains(m2["html"].(string), `<time id="t">`) {
			t.Fatalf("the clock did not tick: %v then %v", m1["html"], m2["html"])
		}
	})

	t.Run("endless loop ends as timeout", func(t *testing.T) {
		path, _ := e.open(t, e.a, "spin", `<button id="go">go</button>`, `document.getElementById('go').addEventListener('click', () => { for (;;) {} })`)
		start := time.Now()
		m := e.event(t, e.a, path, map[string]any{"type": "click", "target": "#go"})
		if m["ended"] != true || m["success"] != false || m["error"].(map[string]any)["kind"] != "timeout" || m["reason"] != "timeout" {
			t.Fatalf("endless handler: %v", m)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Fatalf("the timeout took %v (EXECUTION_TIMEOUT is 1s)", el)
		}
		if st, r := e.do(t, e.a, "POST", path+"/events", map[string]any{"type": "click", "target": "#go"}); st != 404 || errCode(r) != "session_gone" {
			t.Fatalf("after the timeout: %d %v", st, r)
		}
	})

	t.Run("two sessions on one block are independent", func(t *testing.T) {
		p1, _ := e.open(t, e.a, "twice", counterHTML, counterJS)
		st, m := e.do(t, e.a, "POST", "/api/content-block/twice/sessions", map[string]any{})
		if st != 201 {
			t.Fatalf("second open: %d %v", st, m)
		}
		p2 := "/api/content-block/twice/sessions/" + m["sessionId"].(string)
		e.event(t, e.a, p1, click)
		e.event(t, e.a, p1, click)
		if m = e.event(t, e.a, p2, click); !strings.Contains(m["html"].(string), `<span id="n">1</span>`) {
			t.Fatalf("second session: %v", m["html"])
		}
		if m = e.event(t, e.a, p1, click); !strings.Contains(m["html"].(string), `<span id="n">3</span>`) {
			t.Fatalf("first session: %v", m["html"])
		}
	})

	t.Run("a code change restarts sessions with the new code", func(t *testing.T) {
		path, _ := e.open(t, e.a, "edit", counterHTML, counterJS)
		e.event(t, e.a, path, click)
		newJS := strings.ReplaceAll(counterJS, "n++", "n += 10")
		if st, m := e.do(t, e.a, "POST", "/api/execute-content-block", map[string]any{"blockId": "edit", "code": code(counterHTML, newJS)}); st != 200 {
			t.Fatalf("execute new code: %d %v", st, m)
		}
		st, r := e.do(t, e.a, "POST", path+"/events", click)
		if st != 404 || errCode(r) != "session_gone" || !strings.Contains(fmt.Sprint(r["error"]), "code_changed") {
			t.Fatalf("old session after the change: %d %v", st, r)
		}
		st, m := e.do(t, e.a, "POST", "/api/content-block/edit/sessions", map[string]any{})
		if st != 201 {
			t.Fatalf("reopen: %d %v", st, m)
		}
		m = e.event(t, e.a, "/api/content-block/edit/sessions/"+m["sessionId"].(string), click)
		if !strings.Contains(m["html"].(string), `<span id="n">10</span>`) {
			t.Fatalf("new session runs the old code: %v", m["html"])
		}
	})
}

func TestLiveSessionRateLimit(t *testing.T) {
	e := newLiveAPI(t, session.Config{EventsPerSecond: 3}, Config{})
	path, _ := e.open(t, e.a, "fast", counterHTML, counterJS)
	var st int
	var m map[string]any
	var hdr string
	n := 0
	for range 20 {
		req, _ := http.NewRequest("POST", e.url+path+"/events", strings.NewReader(`{"type":"click","target":"#inc"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.a)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		st, hdr = resp.StatusCode, resp.Header.Get("Retry-After")
		json.Unmarshal(b, &m)
		if st != 200 {
			break
		}
		n++
	}
	if st != 429 || errCode(m) != "session_rate_limited" || hdr == "" || n < 5 || n > 7 {
		t.Fatalf("after %d events: %d %v (Retry-After %q); want 429 session_rate_limited after a burst of 6", n, st, m, hdr)
	}
}
