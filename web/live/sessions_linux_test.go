package live

import (
	"context"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/supervisor/session"
	"github.com/symposium/symposium/web"
)

// A live session over the socket on the real stack (runner, engine,
// runtime, manager): the page comes annotated and sanitised, a click named
// by its node id runs the listener in the isolate, and a setInterval clock
// pushes its changes without being asked.
func TestWSLiveSessionOnTheRealStack(t *testing.T) {
	svc, rt := newStack(t)
	mgr := session.New(rt, session.Config{InstanceID: "i-real"})
	t.Cleanup(mgr.Shutdown)
	blocks := web.SessionBlocks{Blocks: svc, Ends: mgr}
	srv := web.New(web.Config{}, blocks, monitor.New(rt, monitor.DefaultThresholds()), web.WithSessions(mgr, nil))
	hub := New(WithSessions(srv.Sessions()))
	hub.Mount(srv.App(), blocks)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { hub.Close(); srv.Shutdown(context.Background()) })
	ws := dial(t, "ws://"+ln.Addr().String()+"/ws")

	ws.send(map[string]any{"type": "session.open", "ref": "o", "blockId": "live-counter", "code": map[string]any{
		"html": `<button id="inc" onclick="alert(1)">+</button> <span id="n">0</span> <time id="t">0</time>`,
		"javascript": `let n = 0, ticks = 0; document.getElementById('inc').addEventListener('click', () => { document.getElementById('n').textContent = ++n });
			setInterval(() => { document.getElementById('t').textContent = ++ticks }, 100)`}})
	m := ws.reply("o")
	if m["type"] != "session" || m["ended"] != false {
		t.Fatalf("open: %v", m)
	}
	html := m["html"].(string)
	if strings.Contains(html, "onclick") {
		t.Fatalf("handler attribute reached the browser: %s", html)
	}
	node := regexp.MustCompile(`<button data-symposium-node="(\d+)"|<button[^>]* data-symposium-node="(\d+)"`).FindStringSubmatch(html)
	if node == nil {
		t.Fatalf("no node id on the button: %s", html)
	}
	id, _ := strconv.Atoi(node[1] + node[2])
	sid := m["sessionId"].(string)
	for i := 1; i <= 3; i++ {
		ref := "c" + strconv.Itoa(i)
		ws.send(map[string]any{"type": "session.event", "ref": ref, "sessionId": sid, "event": map[string]any{"type": "click", "node": id}})
		r := ws.reply(ref)
		if r["type"] != "session.update" || !regexp.MustCompile(`<span[^>]*>`+strconv.Itoa(i)+`</span>`).MatchString(r["html"].(string)) {
			t.Fatalf("click %d: %v", i, r)
		}
	}
	// The clock pushes by itself.
	deadline := time.Now().Add(5 * time.Second)
	for {
		p := ws.next()
		if p["type"] == "session.update" && p["ref"] == nil && p["html"] != nil {
			if !regexp.MustCompile(`<time[^>]*>[1-9]\d*</time>`).MatchString(p["html"].(string)) {
				t.Fatalf("push: %v", p)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no pushed clock update")
		}
	}
	ws.send(map[string]any{"type": "session.close", "ref": "x", "sessionId": sid})
	if r := ws.reply("x"); r["type"] != "session.closed" {
		t.Fatalf("close: %v", r)
	}
}
