package live

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	fastws "github.com/fasthttp/websocket"

	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/supervisor/session"
	"github.com/symposium/symposium/web"
	"github.com/symposium/symposium/web/auth"
)

// Sessions over the WebSocket through the real server, guard, key store,
// manager and hub, over a fake session runtime (no root needed): a click
// counter; code whose JavaScript says "clock" also ticks every 30 ms.

type pageRuntime struct {
	mu   sync.Mutex
	live map[string]*livePage
}

type livePage struct {
	html         string
	clicks, tick int
	clock        bool
}

func (f *pageRuntime) turn(p *livePage) *isolate.Turn {
	next := time.Duration(-1)
	if p.clock {
		next = 30 * time.Millisecond
	}
	return &isolate.Turn{Result: isolate.Result{Kind: isolate.KindOK, CSS: "p{color:red}</style><script>x</script>",
		HTML: fmt.Sprintf(`%s<button data-symposium-node="2" onclick="evil()">+</button><p data-symposium-node="3">%d</p><time>%d</time><script>evil()</script>`, p.html, p.clicks, p.tick)},
		NextTimer: next}
}

func (f *pageRuntime) OpenSession(_ context.Context, _, sid string, code isolate.Code, _ []byte, _ bool) (*isolate.Turn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := &livePage{html: code.HTML, clock: strings.Contains(code.JavaScript, "clock")}
	f.live[sid] = p
	return f.turn(p), nil
}

func (f *pageRuntime) Dispatch(_ context.Context, _, sid string, ev isolate.UserEvent) (*isolate.Turn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.live[sid]
	if p == nil {
		return nil, isolate.ErrNoSession
	}
	if ev.Node == 99 {
		return nil, fmt.Errorf("%w: no element with node 99", isolate.ErrNoTarget)
	}
	if ev.Type == "click" {
		p.clicks++
	}
	return f.turn(p), nil
}

func (f *pageRuntime) Tick(_ context.Context, _, sid string) (*isolate.Turn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.live[sid]
	if p == nil {
		return nil, isolate.ErrNoSession
	}
	p.tick++
	return f.turn(p), nil
}

func (f *pageRuntime) CloseSession(_, sid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.live, sid)
}

func (f *pageRuntime) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.live)
}

type sessionWSEnv struct {
	base string // http://host:port
	srv  *web.Server
	rt   *pageRuntime
	a, b string
}

func newSessionWSEnv(t *testing.T) *sessionWSEnv {
	t.Helper()
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	ctx := context.Background()
	keys := apikeys.New(kv)
	authn, err := auth.New(ctx, auth.ModeKeys, keyAdapter(keys), kv)
	if err != nil {
		t.Fatal(err)
	}
	e := &sessionWSEnv{rt: &pageRuntime{live: map[string]*livePage{}}}
	e.a, _, _ = keys.Create(ctx, "acme", "", false)
	e.b, _, _ = keys.Create(ctx, "bravo", "", false)
	mgr := session.New(e.rt, session.Config{InstanceID: "i-ws", MinTick: 30 * time.Millisecond})
	svc := web.SessionBlocks{Blocks: blocksvc.New(echoRuntime{}), Ends: mgr}
	limiter := auth.NewLimiter(0)
	e.srv = web.New(web.Config{}, svc, monitor.New(echoRuntime{}, monitor.DefaultThresholds()),
		web.WithAuth(authn), web.WithLimiter(limiter), web.WithSessions(mgr, nil))
	hub := New(WithAuth(authn.Identify), WithLimiter(limiter))
	hub.UseSessions(e.srv.Sessions())
	hub.Mount(e.srv.App(), svc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.Serve(ln)
	t.Cleanup(func() {
		hub.Close()
		e.srv.Shutdown(context.Background())
		mgr.Shutdown()
	})
	e.base = "http://" + ln.Addr().String()
	return e
}

func (e *sessionWSEnv) dial(t *testing.T, secret, query string) *wsClient {
	t.Helper()
	h := http.Header{}
	if secret != "" {
		h.Set("Authorization", "Bearer "+secret)
	}
	conn, _, err := fastws.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.base, "http")+"/ws"+query, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &wsClient{t: t, conn: conn}
	if m := c.next(); m["type"] != "hello" {
		t.Fatalf("first message: %v", m)
	}
	return c
}

// reply reads until the answer to ref (skipping pushes).
func (c *wsClient) reply(ref string) map[string]any {
	c.t.Helper()
	for {
		m := c.next()
		if m["ref"] == ref {
			return m
		}
	}
}

func TestWSSessionOpenEventClose(t *testing.T) {
	e := newSessionWSEnv(t)
	ws := e.dial(t, e.a, "")
	ws.send(map[string]any{"type": "session.open", "ref": "o", "blockId": "w", "code": map[string]any{"html": "<h1>hi</h1>"}})
	m := ws.reply("o")
	if m["type"] != "session" || m["ended"] != false || m["blockId"] != "w" {
		t.Fatalf("open: %v", m)
	}
	html := m["html"].(string)
	// Sanitised, with the bridge's node ids kept.
	if strings.Contains(html, "<script") || strings.Contains(html, "onclick") || !strings.Contains(html, `data-symposium-node="3"`) || !strings.Contains(html, "<h1>hi</h1>") {
		t.Fatalf("open html not sanitised as it should be: %s", html)
	}
	if css := m["css"].(string); strings.Contains(css, "</style") {
		t.Fatalf("css can close its style element: %q", css)
	}
	if removed, _ := m["removed"].([]any); len(removed) == 0 {
		t.Fatalf("removed not reported: %v", m)
	}
	sid := m["sessionId"].(string)
	for i := 1; i <= 3; i++ {
		ref := fmt.Sprint("e", i)
		ws.send(map[string]any{"type": "session.event", "ref": ref, "sessionId": sid, "event": map[string]any{"type": "click", "node": 2}})
		m = ws.reply(ref)
		if m["type"] != "session.update" || !strings.Contains(m["html"].(string), fmt.Sprintf(`data-symposium-node="3">%d<`, i)) {
			t.Fatalf("click %d: %v", i, m)
		}
	}
	// An event that changes nothing omits html.
	ws.send(map[string]any{"type": "session.event", "ref": "f", "sessionId": sid, "event": map[string]any{"type": "focusin", "node": 2}})
	if m = ws.reply("f"); m["type"] != "session.update" || m["html"] != nil {
		t.Fatalf("unchanged page: %v", m)
	}
	ws.send(map[string]any{"type": "session.event", "ref": "nt", "sessionId": sid, "event": map[string]any{"type": "click", "node": 99}})
	if m = ws.reply("nt"); m["type"] != "error" || m["code"] != "no_target" {
		t.Fatalf("no target: %v", m)
	}
	// Another tenant's socket cannot use it.
	other := e.dial(t, e.b, "")
	other.send(map[string]any{"type": "session.event", "ref": "x", "sessionId": sid, "event": map[string]any{"type": "click", "node": 2}})
	if m = other.reply("x"); m["code"] != "session_gone" {
		t.Fatalf("bravo's socket: %v", m)
	}
	ws.send(map[string]any{"type": "session.close", "ref": "c", "sessionId": sid})
	if m = ws.reply("c"); m["type"] != "session.closed" || m["sessionId"] != sid {
		t.Fatalf("close: %v", m)
	}
	ws.send(map[string]any{"type": "session.event", "ref": "g", "sessionId": sid, "event": map[string]any{"type": "click", "node": 2}})
	if m = ws.reply("g"); m["code"] != "session_gone" {
		t.Fatalf("after close: %v", m)
	}
	if n := e.rt.count(); n != 0 {
		t.Fatalf("%d runtime sessions left", n)
	}
}

func TestWSSessionPushesTicksAndEndsWithSocket(t *testing.T) {
	e := newSessionWSEnv(t)
	ws := e.dial(t, e.a, "")
	ws.send(map[string]any{"type": "session.open", "ref": "o", "blockId": "clock", "code": map[string]any{"javascript": "clock"}})
	m := ws.reply("o")
	sid := m["sessionId"].(string)
	var pushes int
	for pushes < 3 {
		p := ws.next()
		if p["type"] != "session.update" || p["sessionId"] != sid {
			continue
		}
		if _, hasRef := p["ref"]; hasRef || !strings.Contains(p["html"].(string), "<time>") {
			t.Fatalf("push: %v", p)
		}
		pushes++
	}
	// A code change ends it, pushed with the reason.
	ws.send(map[string]any{"type": "execute", "ref": "x", "blockId": "clock", "code": map[string]any{"html": "new", "javascript": ""}})
	for {
		p := ws.next()
		if p["type"] == "session.update" && p["ended"] == true {
			if p["reason"] != "code_changed" {
				t.Fatalf("ending: %v", p)
			}
			break
		}
	}
	// A socket's sessions end when it goes.
	ws2 := e.dial(t, e.a, "")
	ws2.send(map[string]any{"type": "session.open", "ref": "o", "blockId": "b2", "code": map[string]any{"html": "x"}})
	ws2.reply("o")
	if n := e.rt.count(); n != 1 {
		t.Fatalf("%d runtime sessions, want 1", n)
	}
	ws2.conn.Close()
	deadline := time.Now().Add(3 * time.Second)
	for e.rt.count() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a closed socket's session lives on")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWSEmbedSocketIsLimitedToItsBlock(t *testing.T) {
	e := newSessionWSEnv(t)
	token := e.srv.EmbedToken("acme", "widget")
	// Without a token, or with another block's, no socket (AUTH_MODE=keys).
	for _, q := range []string{"?embed=widget", "?embed=other&token=" + url.QueryEscape(token)} {
		if conn, resp, err := fastws.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.base, "http")+"/ws"+q, nil); err == nil {
			conn.Close()
			t.Fatalf("%s: upgraded", q)
		} else if resp == nil || resp.StatusCode != 401 {
			t.Fatalf("%s: %v %v", q, resp, err)
		}
	}
	ws := e.dial(t, "", "?embed=widget&token="+url.QueryEscape(token))
	for ref, msg := range map[string]map[string]any{
		"s": {"type": "subscribe", "ref": "s", "topics": []string{"blocks"}},
		"x": {"type": "execute", "ref": "x", "blockId": "widget", "code": map[string]any{"html": "pwned"}},
		"d": {"type": "delete", "ref": "d", "blockId": "widget"},
		"o": {"type": "session.open", "ref": "o", "blockId": "other"},
		"c": {"type": "session.open", "ref": "c", "blockId": "widget", "code": map[string]any{"javascript": "symposium.saveData('k', 'pwned')"}},
	} {
		ws.send(msg)
		if m := ws.reply(ref); m["type"] != "error" || m["code"] != "forbidden" {
			t.Fatalf("embed %s: %v", msg["type"], m)
		}
	}
	// The stored block's own page.
	if st, _ := e.post(t, e.a, "/api/execute-content-block", `{"blockId":"widget","code":{"html":"<i>w</i>","css":"","javascript":""}}`); st != 200 {
		t.Fatalf("execute widget: %d", st)
	}
	ws.send(map[string]any{"type": "session.open", "ref": "ok", "blockId": "widget"})
	m := ws.reply("ok")
	if m["type"] != "session" || !strings.Contains(m["html"].(string), "<i>w</i>") {
		t.Fatalf("embed open: %v", m)
	}
	sid := m["sessionId"].(string)
	ws.send(map[string]any{"type": "session.event", "ref": "e", "sessionId": sid, "event": map[string]any{"type": "click", "node": 2}})
	if m = ws.reply("e"); m["type"] != "session.update" {
		t.Fatalf("embed event: %v", m)
	}
	// The session is acme's: acme's REST sees it (its owner), bravo's not.
	for secret, want := range map[string]int{e.a: 200, e.b: 404} {
		req, _ := http.NewRequest("GET", e.base+"/api/content-block/widget/sessions/"+sid, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("GET the embed's session: %d, want %d", resp.StatusCode, want)
		}
	}
}

func (e *sessionWSEnv) post(t *testing.T, key, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
