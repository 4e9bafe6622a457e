package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/web/auth"
)

// Access control over REST: real key store (bolt), real authenticator,
// real block service over the fake runtime.

type keysEnv struct {
	s          *Server
	keys       *apikeys.Store
	a, b, root string // secrets of tenants acme and bravo, and an admin
	aID        string
}

func newKeysEnv(t *testing.T, cfg Config, opts ...Option) *keysEnv {
	t.Helper()
	e, a := newKeys(t)
	rt := &fakeRuntime{}
	e.s = New(cfg, blocksvc.New(rt), monitor.New(rt, monitor.DefaultThresholds()), append([]Option{WithAuth(a)}, opts...)...)
	return e
}

// newKeys is a key store with tenants acme and bravo and an admin, and an
// authenticator over it, for a test to build its server with.
func newKeys(t *testing.T) (*keysEnv, *auth.Authenticator) {
	t.Helper()
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	ctx := context.Background()
	e := &keysEnv{keys: apikeys.New(kv)}
	a, err := auth.New(ctx, auth.ModeKeys, keyAdapter(e.keys), kv)
	if err != nil {
		t.Fatal(err)
	}
	var ka apikeys.Key
	e.a, ka, _ = e.keys.Create(ctx, "acme", "", false)
	e.aID = ka.ID
	e.b, _, _ = e.keys.Create(ctx, "bravo", "", false)
	e.root, _, _ = e.keys.Create(ctx, "ops", "", true)
	return e, a
}

// do sends a request as the holder of secret ("" for nobody).
func (e *keysEnv) do(t *testing.T, secret, method, path, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func exec(id, html string) string {
	return fmt.Sprintf(`{"blockId":%q,"code":{"html":%q,"css":"","javascript":""}}`, id, html)
}

func listIDs(t *testing.T, m map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	list, _ := m["blocks"].([]any)
	for _, b := range list {
		b := b.(map[string]any)
		out[b["blockId"].(string)] = b["code"].(map[string]any)["html"].(string)
	}
	return out
}

func TestTenantsNeverSeeEachOther(t *testing.T) {
	e := newKeysEnv(t, Config{})
	if st, m := e.do(t, e.a, "POST", "/api/execute-content-block", exec("hello", "acme's")); st != 200 || m["blockId"] != "hello" {
		t.Fatalf("acme execute: %d %v", st, m)
	}
	if st, _ := e.do(t, e.a, "POST", "/api/execute-content-block", exec("only-a", "secret of acme")); st != 200 {
		t.Fatalf("acme execute: %d", st)
	}
	req := httptest.NewRequest("GET", "/api/content-block-output/hello", nil)
	req.Header.Set("Authorization", "Bearer "+e.a)
	if resp, err := e.s.App().Test(req, -1); err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox;") {
		t.Fatalf("output page: %v %v", resp.Header, err)
	}
	// Both tenants may have "hello"; neither sees the other's.
	if st, m := e.do(t, e.b, "POST", "/api/execute-content-block", exec("hello", "bravo's")); st != 200 || m["blockId"] != "hello" {
		t.Fatalf("bravo execute: %d %v", st, m)
	}
	_, m := e.do(t, e.b, "GET", "/api/content-blocks", "")
	if got := listIDs(t, m); len(got) != 1 || got["hello"] != "bravo's" {
		t.Fatalf("bravo lists %v", got)
	}
	_, m = e.do(t, e.a, "GET", "/api/content-blocks", "")
	if got := listIDs(t, m); len(got) != 2 || got["hello"] != "acme's" || got["only-a"] != "secret of acme" {
		t.Fatalf("acme lists %v", got)
	}
	// Every way at acme's block from bravo: 404, never 403.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/content-block-output/only-a", ""},
		{"POST", "/api/update-content-block", `{"blockId":"only-a","code":{"html":"pwned"}}`},
		{"PATCH", "/api/content-block/only-a", `{"name":"pwned"}`},
		{"DELETE", "/api/content-block/only-a", ""},
		{"GET", "/api/isolate-stats?id=only-a", ""},
	} {
		if st, m := e.do(t, e.b, c.method, c.path, c.body); st != 404 {
			t.Errorf("bravo %s %s: %d %v, want 404", c.method, c.path, st, m)
		}
	}
	// Running "only-a" as bravo makes bravo's own block; acme's is untouched.
	e.do(t, e.b, "POST", "/api/execute-content-block", exec("only-a", "bravo's own"))
	_, m = e.do(t, e.a, "GET", "/api/content-blocks", "")
	if got := listIDs(t, m); got["only-a"] != "secret of acme" {
		t.Fatalf("acme's block changed by bravo: %v", got)
	}
	if st, _ := e.do(t, e.a, "DELETE", "/api/content-block/only-a", ""); st != 204 {
		t.Fatalf("acme deletes its own: %d", st)
	}
	_, m = e.do(t, e.b, "GET", "/api/content-blocks", "")
	if got := listIDs(t, m); got["only-a"] != "bravo's own" {
		t.Fatalf("bravo's block deleted by acme: %v", got)
	}
	// Nobody: 401.
	if st, m := e.do(t, "", "GET", "/api/content-blocks", ""); st != 401 || m["error"].(map[string]any)["code"] != "unauthenticated" {
		t.Fatalf("anonymous: %d %v", st, m)
	}
	if st, _ := e.do(t, "", "GET", "/API/Content-Blocks", ""); st != 401 {
		t.Fatalf("anonymous, other case: %d", st)
	}
	if st, _ := e.do(t, "", "GET", "/api/health", ""); st != 200 {
		t.Fatalf("health needs no key: %d", st)
	}
}

func TestSystemViewsAreAdmins(t *testing.T) {
	e := newKeysEnv(t, Config{})
	// The fake runtime's one isolate serves the local tenant's block "a".
	_, m := e.do(t, e.a, "GET", "/api/metrics", "")
	if _, ok := m["system"]; ok {
		t.Fatalf("a tenant sees system figures: %v", m)
	}
	if n := m["isolates"].(map[string]any)["isolates"].([]any); len(n) != 0 {
		t.Fatalf("a tenant sees others' isolates: %v", n)
	}
	if st, _ := e.do(t, e.a, "GET", "/metrics", ""); st != 403 {
		t.Fatalf("/metrics for a tenant: %d", st)
	}
	_, m = e.do(t, e.root, "GET", "/api/metrics", "")
	if _, ok := m["system"]; !ok || len(m["isolates"].(map[string]any)["isolates"].([]any)) != 1 {
		t.Fatalf("admin view: %v", m)
	}
	if st, _ := e.do(t, e.root, "GET", "/metrics", ""); st != 200 {
		t.Fatalf("/metrics for an admin: %d", st)
	}
	if st, m := e.do(t, e.root, "GET", "/api/isolate-stats?id=a", ""); st != 200 || m["cgroup"].(map[string]any)["path"] == nil {
		t.Fatalf("admin isolate stats: %d %v", st, m)
	}
}

func TestRevokedSessionEndsAtOnce(t *testing.T) {
	e := newKeysEnv(t, Config{})
	req := httptest.NewRequest("POST", "/api/session", strings.NewReader(`{"key":"`+e.a+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.s.App().Test(req, -1)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in: %v %v", resp.StatusCode, err)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", cookie)
	}
	get := func() int {
		req := httptest.NewRequest("GET", "/api/content-blocks", nil)
		req.AddCookie(cookie)
		resp, err := e.s.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if st := get(); st != 200 {
		t.Fatalf("signed in: %d", st)
	}
	if err := e.keys.Revoke(context.Background(), e.aID); err != nil {
		t.Fatal(err)
	}
	if st := get(); st != 401 {
		t.Fatalf("session of a revoked key: %d", st)
	}
	if st, _ := e.do(t, e.a, "GET", "/api/content-blocks", ""); st != 401 {
		t.Fatalf("revoked bearer key: %d", st)
	}
	if st, _ := e.do(t, "", "POST", "/api/session", `{"key":"sym_000000000000_nope"}`); st != 401 {
		t.Fatalf("sign in with a bad key: %d", st)
	}
}

func TestCrossSiteRequestsRefused(t *testing.T) {
	e := newKeysEnv(t, Config{})
	// What a page elsewhere can send without a preflight: text/plain and
	// forms (the browser adds Origin and Sec-Fetch-Site).
	for _, c := range []struct {
		ctype, body string
		hdr         []string
		want        int
	}{
		{"text/plain", exec("x", "planted"), []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403},
		{"application/x-www-form-urlencoded", "blockId=x", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403},
		{"text/plain", exec("x", "planted"), nil, 415},                                       // an old browser without the headers
		{"application/x-www-form-urlencoded", "blockId=x", nil, 415},                         // likewise
		{"application/json", exec("x", "ok"), []string{"Origin", "http://example.com"}, 200}, // this site's own page
	} {
		req := httptest.NewRequest("POST", "/api/execute-content-block", strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.ctype)
		req.Header.Set("Authorization", "Bearer "+e.a)
		for i := 0; i+1 < len(c.hdr); i += 2 {
			req.Header.Set(c.hdr[i], c.hdr[i+1])
		}
		resp, err := e.s.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != c.want {
			t.Errorf("%s %v: %d, want %d", c.ctype, c.hdr, resp.StatusCode, c.want)
		}
	}
	_, m := e.do(t, e.a, "GET", "/api/content-blocks", "")
	if got := listIDs(t, m); got["x"] != "ok" {
		t.Fatalf("a refused request planted a block: %v", got)
	}
}

func TestPagination(t *testing.T) {
	e := newKeysEnv(t, Config{})
	for i := range 120 {
		if st, _ := e.do(t, e.a, "POST", "/api/execute-content-block", exec(fmt.Sprintf("b%03d", i), "x")); st != 200 {
			t.Fatalf("execute %d: %d", i, st)
		}
	}
	e.do(t, e.b, "POST", "/api/execute-content-block", exec("b050x", "bravo"))
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		_, m := e.do(t, e.a, "GET", "/api/content-blocks?cursor="+cursor, "")
		got := listIDs(t, m)
		if len(got) > DefaultPage {
			t.Fatalf("page of %d", len(got))
		}
		for id := range got {
			if seen[id] {
				t.Fatalf("%s on two pages", id)
			}
			seen[id] = true
		}
		pages++
		cursor, _ = m["nextCursor"].(string)
		if cursor == "" {
			break
		}
	}
	if len(seen) != 120 || pages != 3 || seen["b050x"] {
		t.Fatalf("%d blocks on %d pages", len(seen), pages)
	}
	if _, m := e.do(t, e.a, "GET", "/api/content-blocks?limit=7", ""); len(listIDs(t, m)) != 7 {
		t.Fatalf("limit=7: %v", m)
	}
	if st, _ := e.do(t, e.a, "GET", "/api/content-blocks?limit=0", ""); st != 400 {
		t.Fatalf("limit=0: %d", st)
	}
}

// The rate limit keys on the forwarded client only behind a trusted proxy.
func TestRateLimitBehindTrustedProxies(t *testing.T) {
	for _, c := range []struct {
		trusted string
		split   bool
	}{{"127.0.0.1", true}, {"", false}} {
		proxies, _ := auth.ParseProxies(c.trusted)
		e := newKeysEnv(t, Config{RateLimit: 3}, WithProxies(proxies))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go e.s.Serve(ln)
		t.Cleanup(func() { e.s.Shutdown(context.Background()) })
		post := func(xff string) int {
			req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/execute-content-block", strings.NewReader(exec("r", "x")))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.a)
			req.Header.Set("X-Forwarded-For", xff)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		for range 3 {
			if st := post("198.51.100.1"); st != 200 {
				t.Fatalf("trusted=%q: within the limit: %d", c.trusted, st)
			}
		}
		if st := post("198.51.100.1"); st != 429 {
			t.Fatalf("trusted=%q: over the limit: %d", c.trusted, st)
		}
		// Another forwarded client: its own bucket behind a trusted proxy; a
		// spoofed header from an untrusted peer changes nothing.
		st := post("198.51.100.2")
		if c.split && st != 200 || !c.split && st != 429 {
			t.Fatalf("trusted=%q: second client: %d", c.trusted, st)
		}
	}
}

func TestLocalModeNeedsNoSignIn(t *testing.T) {
	s := fakeServer(&fakeRuntime{})
	if st, _, m := call(t, s, "POST", "/api/execute-content-block", execBody); st != 200 || m["blockId"] != "a" {
		t.Fatalf("local execute: %d %v", st, m)
	}
	if st, _, m := call(t, s, "GET", "/api/session", ""); st != 200 || m["mode"] != "local" || m["tenant"] != auth.LocalTenant {
		t.Fatalf("local session: %d %v", st, m)
	}
}

// keyAdapter is the key store seen as auth.Keys, as main wires it.
func keyAdapter(s *apikeys.Store) apikeys.Adapter[auth.Principal] {
	return apikeys.Adapter[auth.Principal]{Store: s, Invalid: auth.ErrUnauthenticated, Of: func(k apikeys.Key) auth.Principal {
		return auth.Principal{Tenant: k.Tenant, Admin: k.Admin, KeyID: k.ID}
	}}
}
