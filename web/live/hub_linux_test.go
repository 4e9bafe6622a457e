package live

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	fastws "github.com/fasthttp/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
)

var runnerPath string

func TestMain(m *testing.M) { isolatetest.Main(m, &runnerPath) }

// newManager is a real block service over a real isolate runtime, with a
// real runner and cgroups.
func newManager(t *testing.T) *blocksvc.Service {
	t.Helper()
	svc, _ := newStack(t)
	return svc
}

// newStack is newManager with the runtime under the service.
func newStack(t *testing.T) (*blocksvc.Service, *isolate.Runtime) {
	t.Helper()
	isolatetest.NeedRoot(t)
	name := fmt.Sprintf("symposium-livetest-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	cg, err := cgroup.New(cgroup.WithName(name))
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := isolate.New(isolate.Config{RunnerPath: runnerPath, RunDir: "/run/" + name, PoolSize: 1,
		Limits: cgroup.Limits{MemoryBytes: 128 << 20, CPU: 1, Pids: 32}}, cg)
	if err != nil {
		cg.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mgr.Close()
		cg.Close()
	})
	return blocksvc.New(mgr), mgr
}

// serveHub mounts h on a fiber app listening on 127.0.0.1 and returns the ws URL.
func serveHub(t *testing.T, h *Hub, iso Blocks) string {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	h.Mount(app, iso)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() {
		h.Close()
		app.Shutdown()
	})
	return "ws://" + ln.Addr().String() + "/ws"
}

type wsClient struct {
	t    *testing.T
	conn *fastws.Conn
}

// dial connects and waits for the hello, so the hub has registered the tab.
func dial(t *testing.T, url string, topics ...string) *wsClient {
	t.Helper()
	conn, _, err := fastws.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &wsClient{t: t, conn: conn}
	if m := c.next(); m["type"] != "hello" {
		t.Fatalf("first message: %v", m)
	}
	if topics != nil {
		c.send(map[string]any{"type": "subscribe", "topics": topics})
		if m := c.next(); m["type"] != "subscribed" {
			t.Fatalf("subscribe answer: %v", m)
		}
	}
	return c
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	var err error
	if s, ok := v.(string); ok {
		err = c.conn.WriteMessage(fastws.TextMessage, []byte(s))
	} else {
		err = c.conn.WriteJSON(v)
	}
	if err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsClient) next() map[string]any {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var m map[string]any
	if err := c.conn.ReadJSON(&m); err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// nextOf skips messages of other types (metrics, isolate events).
func (c *wsClient) nextOf(typ string) map[string]any {
	c.t.Helper()
	for {
		if m := c.next(); m["type"] == typ {
			return m
		}
	}
}

func execMsg(id, ref, js string) map[string]any {
	return map[string]any{"type": "execute", "ref": ref, "blockId": id,
		"code": map[string]any{"html": `<p id="p">x</p>`, "css": "p{color:red}", "javascript": js}}
}

func TestBadMessagesAnsweredOthersKeepReceiving(t *testing.T) {
	mgr := newManager(t)
	h := New(WithMaxMessage(4096))
	url := serveHub(t, h, mgr)
	bad := dial(t, url)
	other := dial(t, url)

	for _, c := range []struct {
		msg  any
		code string
		says string
	}{
		{"{nope", "invalid_message", "not valid JSON"},
		{map[string]any{"type": "explode", "blockId": "a"}, "invalid_message", "unknown type"},
		{map[string]any{"type": "execute", "ref": "r1", "code": map[string]any{}}, "invalid_message", "blockId"},
		{map[string]any{"type": "execute", "blockId": "a", "code": map[string]any{"html": strings.Repeat("x", 5000)}}, "too_large", "limit of 4096"},
		{map[string]any{"type": "update", "ref": "r2", "blockId": "never-made", "code": map[string]any{"css": ""}}, "not_found", "no content block"},
	} {
		bad.send(c.msg)
		m := bad.next()
		if m["type"] != "error" || m["code"] != c.code || !strings.Contains(m["message"].(string), c.says) {
			t.Fatalf("for %v want error %s saying %q, got %v", c.msg, c.code, c.says, m)
		}
	}
	if err := bad.conn.WriteMessage(fastws.BinaryMessage, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if m := bad.next(); m["type"] != "error" || !strings.Contains(m["message"].(string), "binary") {
		t.Fatalf("binary: %v", m)
	}

	// The offending tab is still connected and served; the other tab gets the change.
	bad.send(execMsg("b1", "go", `document.getElementById('p').textContent = 'hi'; console.log('ran')`))
	m := bad.next()
	if m["type"] != "result" || m["ref"] != "go" || m["success"] != true || m["html"] != `<p id="p">hi</p>` {
		t.Fatalf("result: %v", m)
	}
	logs := m["logs"].([]any)
	if len(logs) != 1 || logs[0].(map[string]any)["message"] != "ran" {
		t.Fatalf("logs: %v", logs)
	}
	o := other.nextOf("result")
	if o["blockId"] != "b1" || o["html"] != `<p id="p">hi</p>` || o["ref"] != nil {
		t.Fatalf("other tab's copy: %v", o)
	}
	// Script outcomes are results with a kind, as in the REST API.
	bad.send(execMsg("b1", "boom", `throw new Error('boom')`))
	m = bad.next()
	if e, _ := m["error"].(map[string]any); m["success"] != false || e["kind"] != "script" || !strings.Contains(e["message"].(string), "boom") {
		t.Fatalf("script error: %v", m)
	}
	bad.send(map[string]any{"type": "rename", "ref": "n", "blockId": "b1", "name": "First"})
	if m := bad.next(); m["type"] != "renamed" || m["name"] != "First" {
		t.Fatalf("rename: %v", m)
	}
	bad.send(map[string]any{"type": "delete", "ref": "d", "blockId": "b1"})
	if m := bad.next(); m["type"] != "deleted" || m["ref"] != "d" {
		t.Fatalf("delete: %v", m)
	}
	if m := other.nextOf("renamed"); m["name"] != "First" {
		t.Fatalf("other tab rename: %v", m)
	}
	if m := other.nextOf("deleted"); m["blockId"] != "b1" {
		t.Fatalf("other tab delete: %v", m)
	}
}

func TestCrossOriginRefused(t *testing.T) {
	h := New()
	url := serveHub(t, h, nil)
	_, resp, err := fastws.DefaultDialer.Dial(url, http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("want 403 for a foreign origin, got %v %v", resp, err)
	}
	conn, _, err := fastws.DefaultDialer.Dial(url, http.Header{"Origin": {"http://" + strings.TrimPrefix(strings.TrimSuffix(url, "/ws"), "ws://")}})
	if err != nil {
		t.Fatalf("same origin refused: %v", err)
	}
	conn.Close()
}

// liveCount counts the tabs the hub has not given up on.
func (h *Hub) liveCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for c := range h.clients {
		select {
		case <-c.done:
		default:
			n++
		}
	}
	return n
}

// A tab that stops reading is disconnected once its queue is full; the hub
// never waits for it, and a tab that reads gets every message.
func TestSlowClientIsDisconnected(t *testing.T) {
	var logs lockedBuffer
	h := New(WithQueueSize(4), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	url := serveHub(t, h, nil)
	slow := dial(t, url)
	fast := dial(t, url)

	got := make(chan int, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			var m struct{ Seq int }
			if err := fast.conn.ReadJSON(&m); err != nil {
				return
			}
			got <- m.Seq
		}
	}()
	pad := strings.Repeat("x", 64<<10)
	sent := 0
	// Loopback socket buffers hold a few MB; 2000 x 64 KiB is far beyond them.
	for sent < 2000 && h.liveCount() == 2 {
		sent++
		h.deliver(topicMetrics, nil, []byte(fmt.Sprintf(`{"type":"metrics","seq":%d,"pad":%q}`, sent, pad)))
		if seq := <-got; seq != sent {
			t.Fatalf("fast tab got message %d, want %d", seq, sent)
		}
	}
	if h.liveCount() != 1 {
		t.Fatalf("slow tab still connected after %d messages of 64 KiB", sent)
	}
	// The slow tab sees the messages it was sent, then the close.
	_ = slow.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var err error
	for err == nil {
		_, _, err = slow.conn.ReadMessage()
	}
	if !fastws.IsCloseError(err, fastws.ClosePolicyViolation) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("slow tab: want a close, got %v", err)
	}
	// Its goroutines are gone and the hub forgot it.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		h.mu.Lock()
		n := len(h.clients)
		h.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slow tab not removed: %d clients", n)
		}
	}
	// The hub keeps serving the fast tab.
	h.deliver(topicMetrics, nil, []byte(`{"type":"metrics","seq":-1}`))
	if seq := <-got; seq != -1 {
		t.Fatalf("after the drop: %d", seq)
	}
	fast.conn.Close()
	wg.Wait()
	// One line for the drop, however many messages found its queue full.
	if n := strings.Count(logs.String(), "client too slow"); n != 1 {
		t.Fatalf("the drop was logged %d times, want once:\n%s", n, logs.String())
	}
	t.Logf("slow tab disconnected after %d messages (%d MiB)", sent, sent*64>>10)
}

// lockedBuffer is a log sink the hub's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// redisClient is the real Redis at 127.0.0.1:6379; absent, the test skips
// (fails under CI=true).
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis at 127.0.0.1:6379: %v", err)
		}
		t.Skipf("redis at 127.0.0.1:6379 unreachable: %v", err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Two instances on one Redis channel: a change made through one reaches the
// tabs of the other, and no instance hears its own change twice.
func TestRedisFanOutBetweenInstances(t *testing.T) {
	rdb := redisClient(t)
	mgr := newManager(t)
	channel := fmt.Sprintf("symposium:test:%d:%d", os.Getpid(), time.Now().UnixNano())
	h1 := New(WithRedis(rdb), WithChannel(channel), WithInstanceID("one"))
	h2 := New(WithRedis(rdb), WithChannel(channel), WithInstanceID("two"))
	url1, url2 := serveHub(t, h1, mgr), serveHub(t, h2, mgr)
	for _, h := range []*Hub{h1, h2} {
		select {
		case <-h.subscribed:
		case <-time.After(10 * time.Second):
			t.Fatal("redis subscription not confirmed")
		}
	}
	author := dial(t, url1, "blocks")
	sameInstance := dial(t, url1, "blocks")
	remote := dial(t, url2, "blocks")

	author.send(execMsg("shared", "1", `document.getElementById('p').textContent = 'from one'`))
	if m := author.next(); m["type"] != "result" || m["ref"] != "1" {
		t.Fatalf("author: %v", m)
	}
	for name, c := range map[string]*wsClient{"same instance": sameInstance, "other instance": remote} {
		if m := c.next(); m["type"] != "result" || m["blockId"] != "shared" || m["html"] != `<p id="p">from one</p>` {
			t.Fatalf("%s: %v", name, m)
		}
	}
	remote.send(map[string]any{"type": "rename", "ref": "2", "blockId": "shared", "name": "Shared"})
	if m := remote.next(); m["type"] != "renamed" || m["ref"] != "2" {
		t.Fatalf("renamer: %v", m)
	}
	// Redis delivers in order: an echo of the result would come before this.
	for name, c := range map[string]*wsClient{"author": author, "same instance": sameInstance} {
		if m := c.next(); m["type"] != "renamed" || m["name"] != "Shared" {
			t.Fatalf("%s: want the rename next (no echo), got %v", name, m)
		}
	}
}
