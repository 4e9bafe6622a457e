package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	fastws "github.com/fasthttp/websocket"
)

// Live sessions across instances: two supervisors on one PostgreSQL. With
// Redis, an event for a session held by instance A that reaches instance B
// is forwarded to A and answered as if A got it; a code change made on B
// ends A's sessions; once A is gone B answers session_moved at once.
// Without Redis, B answers session_moved saying what to do.
func TestSessionsAcrossInstances(t *testing.T) {
	db := scratchDatabase(t)
	rdb := redisFor(t)
	counter := map[string]any{"blockId": "shared-counter", "code": map[string]any{
		"html":       `<button id="inc">+</button><span id="n">0</span>`,
		"javascript": `let n = 0; document.getElementById('inc').addEventListener('click', () => { document.getElementById('n').textContent = ++n })`}}
	click := map[string]any{"type": "click", "target": "#inc"}

	t.Run("forwarded through redis", func(t *testing.T) {
		a := launch(t, fmt.Sprintf("symposium-e2e-sa-%d", os.Getpid()), "DATA_DIR="+t.TempDir(), "DATABASE_URL="+db, "REDIS_URL="+rdb)
		b := launch(t, fmt.Sprintf("symposium-e2e-sb-%d", os.Getpid()), "DATA_DIR="+t.TempDir(), "DATABASE_URL="+db, "REDIS_URL="+rdb)
		if st, m := a.post("/api/execute-content-block", counter); st != 200 {
			t.Fatalf("execute on a: %d %v", st, m)
		}
		st, m := a.post("/api/content-block/shared-counter/sessions", map[string]any{})
		if st != 201 {
			t.Fatalf("open on a: %d %v", st, m)
		}
		path := "/api/content-block/shared-counter/sessions/" + m["sessionId"].(string)
		a.post(path+"/events", click)
		st, m = b.post(path+"/events", click)
		if st != 200 || !strings.Contains(m["html"].(string), `<span id="n">2</span>`) {
			t.Fatalf("a's session through b: %d %v", st, m)
		}
		st, page := b.get(path)
		var got map[string]any
		json.Unmarshal([]byte(page), &got)
		if h, _ := got["html"].(string); st != 200 || !strings.Contains(h, `<span id="n">2</span>`) {
			t.Fatalf("GET a's session through b: %d %s", st, page)
		}
		// A code change on b ends a's session.
		changed := map[string]any{"blockId": "shared-counter", "code": map[string]any{"javascript": `document.getElementById('n').textContent = 'v2'`}}
		if st, m := b.post("/api/update-content-block", changed); st != 200 {
			t.Fatalf("update on b: %d %v", st, m)
		}
		st, m = a.post(path+"/events", click)
		if st != 404 || !strings.Contains(fmt.Sprint(m["error"]), "code_changed") {
			t.Fatalf("a's session after b changed the code: %d %v", st, m)
		}
		// a goes: its sessions are session_moved on b.
		st, m = a.post("/api/content-block/shared-counter/sessions", map[string]any{})
		if st != 201 {
			t.Fatalf("reopen on a: %d %v", st, m)
		}
		path = "/api/content-block/shared-counter/sessions/" + m["sessionId"].(string)
		a.cmd.Process.Signal(os.Interrupt)
		a.wait()
		st, m = b.post(path+"/events", click)
		if st != 409 || m["error"].(map[string]any)["code"] != "session_moved" {
			t.Fatalf("a gone: %d %v", st, m)
		}
	})

	t.Run("without redis: session_moved", func(t *testing.T) {
		a := launch(t, fmt.Sprintf("symposium-e2e-sc-%d", os.Getpid()), "DATA_DIR="+t.TempDir(), "DATABASE_URL="+db)
		b := launch(t, fmt.Sprintf("symposium-e2e-sd-%d", os.Getpid()), "DATA_DIR="+t.TempDir(), "DATABASE_URL="+db)
		a.post("/api/execute-content-block", counter)
		st, m := a.post("/api/content-block/shared-counter/sessions", map[string]any{})
		if st != 201 {
			t.Fatalf("open on a: %d %v", st, m)
		}
		path := "/api/content-block/shared-counter/sessions/" + m["sessionId"].(string)
		st, m = b.post(path+"/events", click)
		e, _ := m["error"].(map[string]any)
		if st != 409 || e["code"] != "session_moved" || !strings.Contains(e["message"].(string), "open a new session") {
			t.Fatalf("a's session on b: %d %v", st, m)
		}
		if st, m := a.post(path+"/events", click); st != 200 || !strings.Contains(m["html"].(string), `<span id="n">1</span>`) {
			t.Fatalf("on a itself: %d %v", st, m)
		}
		// An embed token made on a opens an embed socket on b: the secret
		// is shared through the store.
		st, m = a.post("/api/content-block/shared-counter/embed", map[string]any{})
		if st != 200 {
			t.Fatalf("embed on a: %d %v", st, m)
		}
		u := m["url"].(string)
		ws, resp, err := fastws.DefaultDialer.Dial("ws"+strings.TrimPrefix(b.url, "http")+"/ws?embed=shared-counter&"+u[strings.Index(u, "token="):], nil)
		if err != nil {
			t.Fatalf("embed socket on b: %v %v", resp, err)
		}
		defer ws.Close()
		var hello, opened map[string]any
		ws.ReadJSON(&hello)
		ws.WriteJSON(map[string]any{"type": "session.open", "ref": "1", "blockId": "shared-counter"})
		ws.ReadJSON(&opened)
		if opened["type"] != "session" || !strings.Contains(opened["html"].(string), `id="n">0</span>`) {
			t.Fatalf("embed session on b: %v", opened)
		}
	})
}

// redisFor is the test Redis's URL (TEST_REDIS_URL, or 127.0.0.1:6379).
func redisFor(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	if os.Getenv("SYMPOSIUM_IN_GUEST") == "1" {
		t.Skip("the cgroup v2 guest has no Redis; this test runs on the host")
	}
	return "redis://127.0.0.1:6379/0"
}
