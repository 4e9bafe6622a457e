package auth

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/kv/bolt"
)

func keysAuth(t *testing.T) (*Authenticator, *apikeys.Store) {
	t.Helper()
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	keys := apikeys.New(kv)
	a, err := New(context.Background(), ModeKeys, keyAdapter(keys), kv)
	if err != nil {
		t.Fatal(err)
	}
	// A second instance on the same store signs with the same secret.
	b, err := New(context.Background(), ModeKeys, keyAdapter(keys), kv)
	if err != nil || string(b.secret) != string(a.secret) {
		t.Fatalf("instances disagree on the session secret: %v", err)
	}
	return a, keys
}

func TestBearerAndSessionAndRevocation(t *testing.T) {
	a, keys := keysAuth(t)
	ctx := context.Background()
	secret, k, _ := keys.Create(ctx, "acme", "", false)
	p, err := a.Identify(ctx, "Bearer "+secret, "")
	if err != nil || p.Tenant != "acme" || p.Admin || p.KeyID != k.ID {
		t.Fatalf("bearer: %+v %v", p, err)
	}
	if _, err := a.Identify(ctx, "", ""); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("anonymous: %v", err)
	}
	if _, err := a.Identify(ctx, "Bearer sym_x_y", ""); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("bad key: %v", err)
	}
	c, _, err := a.SignIn(ctx, secret)
	if err != nil || !c.HTTPOnly || c.SameSite != fiber.CookieSameSiteLaxMode || strings.Contains(c.Value, secret) {
		t.Fatalf("cookie %+v, %v", c, err)
	}
	if p, err := a.Identify(ctx, "", c.Value); err != nil || p.Tenant != "acme" {
		t.Fatalf("session: %+v %v", p, err)
	}
	for _, forged := range []string{c.Value + "x", strings.Replace(c.Value, k.ID, "000000000000", 1), "a.b.c", "..."} {
		if _, err := a.Identify(ctx, "", forged); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("forged cookie %q accepted: %v", forged, err)
		}
	}
	a.now = func() time.Time { return time.Now().Add(13 * time.Hour) }
	if _, err := a.Identify(ctx, "", c.Value); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("expired session accepted: %v", err)
	}
	a.now = time.Now
	// Revocation ends the bearer key and every session signed in with it.
	if err := keys.Revoke(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Identify(ctx, "", c.Value); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("session of a revoked key: %v", err)
	}
	if _, err := a.Identify(ctx, "Bearer "+secret, ""); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("revoked key: %v", err)
	}
}

func TestModes(t *testing.T) {
	if m, err := ParseMode("", "127.0.0.1"); err != nil || m != ModeLocal {
		t.Fatalf("default: %v %v", m, err)
	}
	if _, err := ParseMode("local", "0.0.0.0"); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("local on 0.0.0.0 must be refused: %v", err)
	}
	if m, err := ParseMode("keys", "0.0.0.0"); err != nil || m != ModeKeys {
		t.Fatalf("keys: %v %v", m, err)
	}
	a, _ := New(context.Background(), ModeLocal, nil, nil)
	if p, err := a.Identify(context.Background(), "", ""); err != nil || p.Tenant != LocalTenant || !p.Admin {
		t.Fatalf("local: %+v %v", p, err)
	}
}

func TestCrossOrigin(t *testing.T) {
	cases := []struct {
		method, site, origin string
		ok                   bool
	}{
		{"GET", "cross-site", "https://evil.example", true},
		{"POST", "same-origin", "", true},
		{"POST", "none", "", true},
		{"POST", "cross-site", "", false},
		{"POST", "same-site", "", false},
		{"POST", "", "https://evil.example", false},
		{"POST", "", "http://app.example:8000", true},
		{"DELETE", "", "null", false},
		{"POST", "", "", true}, // curl
	}
	for _, c := range cases {
		err := CheckCrossOrigin(c.method, c.site, c.origin, "app.example:8000")
		if (err == nil) != c.ok {
			t.Errorf("%+v: %v", c, err)
		}
	}
	if err := CheckJSON("POST", "text/plain", 10); !errors.Is(err, ErrContentType) {
		t.Errorf("text/plain: %v", err)
	}
	if err := CheckJSON("POST", "application/x-www-form-urlencoded", 10); !errors.Is(err, ErrContentType) {
		t.Errorf("form: %v", err)
	}
	if err := CheckJSON("POST", "application/json; charset=utf-8", 10); err != nil {
		t.Errorf("json: %v", err)
	}
	if err := CheckJSON("DELETE", "", 0); err != nil {
		t.Errorf("bodiless delete: %v", err)
	}
}

func TestClientIP(t *testing.T) {
	ps, err := ParseProxies("10.0.0.0/8, 169.254.1.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseProxies("nope"); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("bad: %v", err)
	}
	cases := []struct {
		peer string
		xff  []string
		want string
	}{
		{"203.0.113.9", []string{"1.2.3.4"}, "203.0.113.9"},                       // untrusted peer: header ignored
		{"10.1.1.1", []string{"198.51.100.7"}, "198.51.100.7"},                    // one trusted hop
		{"10.1.1.1", []string{"6.6.6.6, 198.51.100.7, 10.2.2.2"}, "198.51.100.7"}, // forged left part ignored
		{"169.254.1.1", []string{"198.51.100.8"}, "198.51.100.8"},
		{"10.1.1.1", nil, "10.1.1.1"},
	}
	for _, c := range cases {
		if got := ps.ClientIP(c.peer, c.xff); got != c.want {
			t.Errorf("ClientIP(%s, %q) = %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	if got := Proxies(nil).ClientIP("10.1.1.1", []string{"1.1.1.1"}); got != "10.1.1.1" {
		t.Errorf("no trusted proxies: %s", got)
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(30)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	ok := 0
	for range 100 {
		if a, _ := l.Allow("a"); a {
			ok++
		}
	}
	if ok != 30 {
		t.Fatalf("allowed %d of 100 at 30/min, want 30", ok)
	}
	if a, wait := l.Allow("a"); a || wait < time.Second {
		t.Fatalf("over the limit: %v %v", a, wait)
	}
	if a, _ := l.Allow("b"); !a {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(2 * time.Second) // one token a 2 s at 30/min
	if a, _ := l.Allow("a"); !a {
		t.Fatal("no refill")
	}
	l.maxKeys = 10
	for i := range 50 {
		now = now.Add(3 * time.Minute)
		l.Allow(string(rune('A' + i)))
	}
	if len(l.buckets) > 11 {
		t.Fatalf("limiter holds %d buckets", len(l.buckets))
	}
	if a, _ := NewLimiter(0).Allow("x"); !a {
		t.Fatal("0 disables")
	}
}

// keyAdapter is the key store seen as auth.Keys, as main wires it.
func keyAdapter(s *apikeys.Store) apikeys.Adapter[Principal] {
	return apikeys.Adapter[Principal]{Store: s, Invalid: ErrUnauthenticated, Of: func(k apikeys.Key) Principal {
		return Principal{Tenant: k.Tenant, Admin: k.Admin, KeyID: k.ID}
	}}
}
