package live

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	fastws "github.com/fasthttp/websocket"

	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/web"
	"github.com/symposium/symposium/web/auth"
)

// Access control over the WebSocket, through the real server's guard, key
// store and block service (over a trivial runtime: no root needed).

type echoRuntime struct{}

func (echoRuntime) Run(_ context.Context, id string, code isolate.Code, _ []byte) (*isolate.Result, error) {
	return &isolate.Result{BlockID: id, HTML: code.HTML, Kind: isolate.KindOK}, nil
}
func (echoRuntime) End(string) bool             { return false }
func (echoRuntime) LiveBlocks() map[string]bool { return map[string]bool{} }
func (echoRuntime) Sample() isolate.Sample      { return isolate.Sample{Time: time.Now()} }

type accessEnv struct {
	url        string
	hub        *Hub
	keys       *apikeys.Store
	a, b, root string
	aID        string
}

func newAccessEnv(t *testing.T, rate, perTenant, perAddr int) *accessEnv {
	t.Helper()
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	ctx := context.Background()
	e := &accessEnv{keys: apikeys.New(kv)}
	authn, err := auth.New(ctx, auth.ModeKeys, keyAdapter(e.keys), kv)
	if err != nil {
		t.Fatal(err)
	}
	var ka apikeys.Key
	e.a, ka, _ = e.keys.Create(ctx, "acme", "", false)
	e.aID = ka.ID
	e.b, _, _ = e.keys.Create(ctx, "bravo", "", false)
	e.root, _, _ = e.keys.Create(ctx, "ops", "", true)
	svc := blocksvc.New(echoRuntime{})
	limiter := auth.NewLimiter(rate)
	srv := web.New(web.Config{RateLimit: rate}, svc, monitor.New(echoRuntime{}, monitor.DefaultThresholds()),
		web.WithAuth(authn), web.WithLimiter(limiter))
	e.hub = New(WithAuth(authn.Identify), WithLimiter(limiter), WithConnLimits(perTenant, perAddr), WithRecheck(100*time.Millisecond))
	e.hub.Mount(srv.App(), svc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		e.hub.Close()
		srv.Shutdown(context.Background())
	})
	e.url = "ws://" + ln.Addr().String() + "/ws"
	return e
}

func (e *accessEnv) dial(t *testing.T, secret string) *wsClient {
	t.Helper()
	conn, resp, err := fastws.DefaultDialer.Dial(e.url, http.Header{"Authorization": {"Bearer " + secret}})
	if err != nil {
		t.Fatalf("dial: %v %v", err, resp)
	}
	t.Cleanup(func() { conn.Close() })
	c := &wsClient{t: t, conn: conn}
	if m := c.next(); m["type"] != "hello" {
		t.Fatalf("first message: %v", m)
	}
	return c
}

// until reads messages until one of type typ with ref, failing on any
// message about another tenant's block on the way.
func (c *wsClient) until(typ, ref string, forbidden string) map[string]any {
	c.t.Helper()
	for {
		m := c.next()
		if forbidden != "" && m["html"] == forbidden {
			c.t.Fatalf("received another tenant's result: %v", m)
		}
		if m["type"] == typ && (ref == "" || m["ref"] == ref) {
			return m
		}
		if m["type"] == "error" && m["ref"] == ref {
			return m
		}
	}
}

func TestLiveTenantsNeverSeeEachOther(t *testing.T) {
	e := newAccessEnv(t, 0, 0, 0)
	a1, a2, b := e.dial(t, e.a), e.dial(t, e.a), e.dial(t, e.b)
	for _, c := range []*wsClient{a1, a2, b} {
		c.send(map[string]any{"type": "subscribe", "ref": "s", "topics": []string{"blocks"}})
		c.until("subscribed", "s", "")
	}
	a1.send(map[string]any{"type": "execute", "ref": "1", "blockId": "only-a", "code": map[string]any{"html": "acme secret"}})
	if m := a1.until("result", "1", ""); m["blockId"] != "only-a" {
		t.Fatalf("acme's result: %v", m)
	}
	// acme's other tab sees the change, by its public id.
	if m := a2.until("result", "", ""); m["blockId"] != "only-a" || m["html"] != "acme secret" {
		t.Fatalf("acme's other tab: %v", m)
	}
	// bravo cannot change, rename or delete it: not found, as if absent.
	for i, cmd := range []map[string]any{
		{"type": "update", "blockId": "only-a", "code": map[string]any{"html": "pwned"}},
		{"type": "rename", "blockId": "only-a", "name": "pwned"},
		{"type": "delete", "blockId": "only-a"},
	} {
		ref := string(rune('a' + i))
		cmd["ref"] = ref
		b.send(cmd)
		if m := b.until("error", ref, "acme secret"); m["code"] != "not_found" {
			t.Fatalf("bravo %v: %v", cmd["type"], m)
		}
	}
	// bravo's own "only-a" is its own block; acme's tabs never hear of it.
	b.send(map[string]any{"type": "execute", "ref": "2", "blockId": "only-a", "code": map[string]any{"html": "bravo's"}})
	b.until("result", "2", "acme secret")
	a2.send(map[string]any{"type": "subscribe", "ref": "s2", "topics": []string{"blocks"}})
	a2.until("subscribed", "s2", "bravo's")
	// bravo's socket got nothing of acme's: its next answer comes first.
	b.send(map[string]any{"type": "subscribe", "ref": "s3", "topics": []string{"blocks"}})
	b.until("subscribed", "s3", "acme secret")

	// Kernel figures and events: each tenant its own, system figures for admins.
	root := e.dial(t, e.root)
	for _, c := range []*wsClient{a1, b} {
		c.send(map[string]any{"type": "subscribe", "ref": "all", "topics": []string{"blocks", "metrics", "isolates", "alerts"}})
		c.until("subscribed", "all", "")
	}
	e.hub.Sample(monitor.Sample{Time: time.Now(), Isolates: []monitor.IsolateSample{
		{ID: "iso-a", BlockID: "acme.only-a"}, {ID: "iso-b", BlockID: "bravo.only-a"}, {ID: "iso-pool"}}})
	mb := b.until("metrics", "", "")
	if mb["system"] != nil || len(mb["isolates"].([]any)) != 1 || mb["isolates"].([]any)[0].(map[string]any)["isolateId"] != "iso-b" ||
		mb["isolates"].([]any)[0].(map[string]any)["blockId"] != "only-a" {
		t.Fatalf("bravo's figures: %v", mb)
	}
	if mr := root.until("metrics", "", ""); mr["system"] == nil || len(mr["isolates"].([]any)) != 3 {
		t.Fatalf("admin's figures: %v", mr)
	}
	e.hub.Event(isolate.Event{Type: isolate.EventExecuted, IsolateID: "iso-a", BlockID: "acme.only-a", Time: time.Now()})
	e.hub.Alert(monitor.Alert{Type: "total-memory", Message: "system alert", Time: time.Now()})
	if m := a1.until("isolate", "", ""); m["blockId"] != "only-a" {
		t.Fatalf("acme's event: %v", m)
	}
	if m := root.until("alert", "", ""); m["alert"].(map[string]any)["message"] != "system alert" {
		t.Fatalf("admin's alert: %v", m)
	}
	b.send(map[string]any{"type": "subscribe", "ref": "s4", "topics": []string{"blocks"}})
	for {
		m := b.next()
		if m["type"] == "isolate" || m["type"] == "alert" {
			t.Fatalf("bravo got %v", m)
		}
		if m["ref"] == "s4" {
			break
		}
	}
}

func TestLiveRateLimitAndRevocation(t *testing.T) {
	e := newAccessEnv(t, 30, 0, 0)
	c := e.dial(t, e.a)
	ok, limited := 0, 0
	for i := range 100 {
		ref := "r" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		c.send(map[string]any{"type": "execute", "ref": ref, "blockId": "x", "code": map[string]any{"html": "x"}})
		m := c.until("result", ref, "")
		switch {
		case m["type"] == "result":
			ok++
		case m["code"] == "rate_limited" && m["retryAfter"].(float64) >= 1:
			limited++
		default:
			t.Fatalf("execution %d: %v", i, m)
		}
	}
	if ok > 31 || limited < 69 {
		t.Fatalf("%d ran, %d rate-limited of 100 at RATE_LIMIT=30", ok, limited)
	}
	// A key revoked mid-session stops working at its next command, and a
	// socket that only listens is closed within the re-check.
	d := e.dial(t, e.b)
	idle := e.dial(t, e.b)
	e.keys.Revoke(context.Background(), "nope") // an unknown id changes nothing
	k, _ := e.keys.List(context.Background())
	for _, key := range k {
		if key.Tenant == "bravo" {
			if err := e.keys.Revoke(context.Background(), key.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	d.send(map[string]any{"type": "execute", "ref": "after", "blockId": "y", "code": map[string]any{"html": "y"}})
	// The socket is told, then closed ("signed out"), which may come first.
	_ = d.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m map[string]any
	if err := d.conn.ReadJSON(&m); err == nil && m["code"] != "unauthenticated" {
		t.Fatalf("revoked key's command: %v", m)
	} else if err != nil && !fastws.IsCloseError(err, fastws.ClosePolicyViolation) {
		t.Fatalf("revoked key's socket: %v", err)
	}
	_ = idle.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		var m map[string]any
		if err := idle.conn.ReadJSON(&m); err != nil {
			if !fastws.IsCloseError(err, fastws.ClosePolicyViolation) {
				t.Fatalf("revoked key's idle socket: %v", err)
			}
			break
		}
	}
	if _, resp, err := fastws.DefaultDialer.Dial(e.url, http.Header{"Authorization": {"Bearer " + e.b}}); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("revoked key's dial: %v", err)
	}
	if _, resp, err := fastws.DefaultDialer.Dial(e.url, nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("anonymous dial: %v", err)
	}
}

func TestLiveConnectionLimits(t *testing.T) {
	e := newAccessEnv(t, 0, 3, 2)
	e.dial(t, e.a)
	e.dial(t, e.a)
	if _, resp, err := fastws.DefaultDialer.Dial(e.url, http.Header{"Authorization": {"Bearer " + e.b}}); err == nil || resp == nil || resp.StatusCode != 429 {
		t.Fatalf("third socket from one address: %v", err)
	}
}

// keyAdapter is the key store seen as auth.Keys, as main wires it.
func keyAdapter(s *apikeys.Store) apikeys.Adapter[auth.Principal] {
	return apikeys.Adapter[auth.Principal]{Store: s, Invalid: auth.ErrUnauthenticated, Of: func(k apikeys.Key) auth.Principal {
		return auth.Principal{Tenant: k.Tenant, Admin: k.Admin, KeyID: k.ID}
	}}
}
