package web

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/supervisor/session"
)

// The session API over the real manager, block service, authenticator and
// key store, with a fake session runtime (a click counter that shows its
// code's HTML): no root needed. The real runtime's flows are in
// sessions_linux_test.go.

type counterRuntime struct {
	mu   sync.Mutex
	live map[string]*counterPage
}

type counterPage struct {
	html  string
	count int
}

func (f *counterRuntime) page(p *counterPage) *isolate.Turn {
	return &isolate.Turn{Result: isolate.Result{Kind: isolate.KindOK, HTML: fmt.Sprintf("%s<p id=n>%d</p>", p.html, p.count)}, NextTimer: -1}
}

func (f *counterRuntime) OpenSession(_ context.Context, _, sid string, code isolate.Code, _ []byte, annotate bool) (*isolate.Turn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := &counterPage{html: code.HTML}
	if annotate {
		p.html = `<button data-symposium-node="1" onclick="x()">+</button>` + p.html
	}
	f.live[sid] = p
	return f.page(p), nil
}

func (f *counterRuntime) Dispatch(_ context.Context, _, sid string, ev isolate.UserEvent) (*isolate.Turn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.live[sid]
	if p == nil {
		return nil, isolate.ErrNoSession
	}
	if ev.Target == "#nothing" {
		return nil, fmt.Errorf("%w: no element matches %q", isolate.ErrNoTarget, ev.Target)
	}
	p.count++
	return f.page(p), nil
}

func (f *counterRuntime) Tick(context.Context, string, string) (*isolate.Turn, error) {
	return nil, isolate.ErrNoSession
}

func (f *counterRuntime) CloseSession(_, sid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.live, sid)
}

type sessionEnv struct {
	*keysEnv
	mgr *session.Manager
}

func newSessionEnv(t *testing.T, cfg session.Config, wcfg Config, svcOpts ...blocksvc.Option) *sessionEnv {
	t.Helper()
	e, a := newKeys(t)
	if cfg.InstanceID == "" {
		cfg.InstanceID = "i-one"
	}
	mgr := session.New(&counterRuntime{live: map[string]*counterPage{}}, cfg)
	t.Cleanup(mgr.Shutdown)
	rt := &fakeRuntime{}
	e.s = New(wcfg, SessionBlocks{Blocks: blocksvc.New(rt, svcOpts...), Ends: mgr}, monitor.New(rt, monitor.DefaultThresholds()),
		WithAuth(a), WithSessions(mgr, nil))
	return &sessionEnv{keysEnv: e, mgr: mgr}
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestSessionAPIWithFakeRuntime(t *testing.T) {
	e := newSessionEnv(t, session.Config{}, Config{})
	if st, m := e.do(t, e.a, "POST", "/api/execute-content-block", exec("counter", "<b>v1</b>")); st != 200 {
		t.Fatalf("execute: %d %v", st, m)
	}
	st, m := e.do(t, e.a, "POST", "/api/content-block/counter/sessions", "{}")
	if st != 201 || m["blockId"] != "counter" || m["ended"] != false || !strings.Contains(m["html"].(string), "<b>v1</b>") {
		t.Fatalf("open: %d %v", st, m)
	}
	sid := m["sessionId"].(string)
	if !strings.HasPrefix(sid, "i-one~") {
		t.Fatalf("session id %q", sid)
	}
	base := "/api/content-block/counter/sessions/" + sid
	for range 3 {
		st, m = e.do(t, e.a, "POST", base+"/events", `{"type":"click","target":"#inc"}`)
	}
	if st != 200 || !strings.Contains(m["html"].(string), "<p id=n>3</p>") || m["success"] != true {
		t.Fatalf("3 clicks: %d %v", st, m)
	}
	if st, m = e.do(t, e.a, "GET", base, ""); st != 200 || !strings.Contains(m["html"].(string), ">3<") {
		t.Fatalf("get: %d %v", st, m)
	}
	// Another tenant: 404 session_gone on every verb, never 403.
	for _, c := range []struct{ method, path, body string }{
		{"POST", base + "/events", `{"type":"click","target":"#inc"}`}, {"GET", base, ""}, {"DELETE", base, ""},
	} {
		if st, m := e.do(t, e.b, c.method, c.path, c.body); st != 404 || errCode(m) != "session_gone" {
			t.Fatalf("bravo %s: %d %v", c.method, st, m)
		}
	}
	// Bravo has no block "counter": opening one from storage is not_found.
	if st, m := e.do(t, e.b, "POST", "/api/content-block/counter/sessions", ""); st != 404 || errCode(m) != "not_found" {
		t.Fatalf("bravo open: %d %v", st, m)
	}
	// Bad events.
	for body, code := range map[string]string{
		`{"type":"click","target":"#nothing"}`:   "no_target",
		`{"type":"click"}`:                       "invalid_event",
		`{"type":"click","target":"#inc","x":1}`: "invalid_event",
		`not json`:                               "invalid_event",
	} {
		if st, m := e.do(t, e.a, "POST", base+"/events", body); st != 400 || errCode(m) != code {
			t.Fatalf("%s: %d %v, want 400 %s", body, st, m, code)
		}
	}
	if st, m := e.do(t, e.a, "POST", "/api/content-block/counter/sessions/i-other~abc/events", `{"type":"click","target":"#inc"}`); st != 409 || errCode(m) != "session_moved" ||
		!strings.Contains(m["error"].(map[string]any)["message"].(string), "open a new session") {
		t.Fatalf("moved: %d %v", st, m)
	}
	// A code change ends it: the next event says why.
	e.do(t, e.a, "POST", "/api/execute-content-block", exec("counter", "<b>v2</b>"))
	st, m = e.do(t, e.a, "POST", base+"/events", `{"type":"click","target":"#inc"}`)
	if msg, _ := m["error"].(map[string]any)["message"].(string); st != 404 || !strings.Contains(msg, "code_changed") {
		t.Fatalf("after code change: %d %v", st, m)
	}
	st, m = e.do(t, e.a, "POST", "/api/content-block/counter/sessions", `{"code":{"html":"<i>given</i>"}}`)
	if st != 201 || !strings.Contains(m["html"].(string), "<i>given</i>") {
		t.Fatalf("open with code: %d %v", st, m)
	}
	sid = m["sessionId"].(string)
	if st, _ := e.do(t, e.a, "DELETE", "/api/content-block/counter/sessions/"+sid, ""); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	if st, _ := e.do(t, e.a, "GET", "/api/content-block/counter/sessions/"+sid, ""); st != 404 {
		t.Fatalf("after delete: %d", st)
	}
	// Deleting the block ends its sessions.
	_, m = e.do(t, e.a, "POST", "/api/content-block/counter/sessions", "{}")
	sid = m["sessionId"].(string)
	e.do(t, e.a, "DELETE", "/api/content-block/counter", "")
	_, m = e.do(t, e.a, "GET", "/api/content-block/counter/sessions/"+sid, "")
	if msg, _ := m["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "deleted") {
		t.Fatalf("after block delete: %v", m)
	}
	// Metrics carry the sessions.
	if st := e.mgr.Stats(); st.Opened != 3 || st.Events != 4 || st.Ended[session.ReasonCodeChanged] != 1 || st.Ended[session.ReasonDeleted] != 1 {
		t.Fatalf("stats %+v", st)
	}
	fams, err := e.s.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() != "deleted" {
					v = -1
				}
			}
			if v >= 0 {
				got[f.GetName()] = v
			}
		}
	}
	if got["symposium_sessions_open"] != 0 || got["symposium_session_events_total"] != 4 || got["symposium_sessions_opened_total"] != 3 || got["symposium_sessions_ended_total"] != 1 {
		t.Fatalf("prometheus: %v", got)
	}
}

func TestSessionRateLimits(t *testing.T) {
	e := newSessionEnv(t, session.Config{EventsPerSecond: 2}, Config{})
	_, m := e.do(t, e.a, "POST", "/api/content-block/r/sessions", `{"code":{"html":"x"}}`)
	sid := m["sessionId"].(string)
	var st int
	var hdr map[string]any
	for range 10 {
		st, hdr = e.do(t, e.a, "POST", "/api/content-block/r/sessions/"+sid+"/events", `{"type":"click","target":"#inc"}`)
		if st != 200 {
			break
		}
	}
	if st != 429 || errCode(hdr) != "session_rate_limited" {
		t.Fatalf("per-session limit: %d %v", st, hdr)
	}
	// The shared limiter (RATE_LIMIT) counts session events too.
	e = newSessionEnv(t, session.Config{EventsPerSecond: -1}, Config{RateLimit: 5})
	_, m = e.do(t, e.a, "POST", "/api/content-block/r/sessions", `{"code":{"html":"x"}}`)
	sid = m["sessionId"].(string)
	for range 10 {
		st, hdr = e.do(t, e.a, "POST", "/api/content-block/r/sessions/"+sid+"/events", `{"type":"click","target":"#inc"}`)
		if st != 200 {
			break
		}
	}
	if st != 429 || errCode(hdr) != "rate_limited" {
		t.Fatalf("shared limit: %d %v", st, hdr)
	}
}

func TestEmbedTokens(t *testing.T) {
	e := newSessionEnv(t, session.Config{}, Config{})
	e.do(t, e.a, "POST", "/api/execute-content-block", exec("widget", "<b>w</b>"))
	st, m := e.do(t, e.a, "POST", "/api/content-block/widget/embed", "{}")
	if st != 200 {
		t.Fatalf("embed: %d %v", st, m)
	}
	u := m["url"].(string)
	frame := m["html"].(string)
	if !strings.HasPrefix(u, "/embed/widget?token=") || !strings.Contains(frame, `sandbox="allow-scripts allow-same-origin"`) || !strings.Contains(frame, "/embed/widget?token=") {
		t.Fatalf("embed answer %v", m)
	}
	token := u[strings.Index(u, "token=")+6:]
	p, err := e.s.EmbedPrincipal("widget", token)
	if err != nil || p.Tenant != "acme" || p.Admin {
		t.Fatalf("token: %+v %v", p, err)
	}
	for _, c := range []struct{ id, token string }{{"other", token}, {"widget", ""}, {"widget", token + "x"}, {"widget", "YnJhdm8." + token[strings.Index(token, ".")+1:]}} {
		if _, err := e.s.EmbedPrincipal(c.id, c.token); err == nil {
			t.Fatalf("token for %q accepted: %q", c.id, c.token)
		}
	}
	if st, m := e.do(t, e.b, "POST", "/api/content-block/widget/embed", "{}"); st != 404 {
		t.Fatalf("bravo embeds acme's block: %d %v", st, m)
	}
}

// A session's first render is a run of the block like an execution: the
// tenant's execution quota holds for it, so sessions are no way around it.
func TestSessionOpensCountInTenantQuota(t *testing.T) {
	e := newSessionEnv(t, session.Config{}, Config{},
		blocksvc.WithTenantOf(func(id string) string { t, _ := SplitID(id); return t }),
		blocksvc.WithTenantQuota(blocksvc.TenantQuota{ExecutionsPerMinute: 2, Isolates: -1}))
	open := `{"code":{"html":"<p id=n>0</p>"}}`
	for i := range 2 {
		if st, m := e.do(t, e.a, "POST", "/api/content-block/q/sessions", open); st != 201 {
			t.Fatalf("open %d: %d %v", i, st, m)
		}
	}
	st, m := e.do(t, e.a, "POST", "/api/content-block/q/sessions", open)
	if st != 429 || errCode(m) != "execution_quota" {
		t.Fatalf("third open over a quota of 2 a minute: %d %v, want 429 execution_quota", st, m)
	}
	if st, m := e.do(t, e.b, "POST", "/api/content-block/q/sessions", open); st != 201 {
		t.Fatalf("another tenant's open: %d %v", st, m)
	}
}
