package ui_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/web"
	"github.com/symposium/symposium/web/auth"
	"github.com/symposium/symposium/web/live"
	"github.com/symposium/symposium/web/ui"
)

// startKeysStack is the real stack in AUTH_MODE=keys, wired as main does;
// it returns the page's address and a key of tenant acme.
func startKeysStack(t *testing.T) (string, string) {
	t.Helper()
	isolatetest.NeedRoot(t)
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	keys := apikeys.New(kv)
	secret, _, err := keys.Create(context.Background(), "acme", "", false)
	if err != nil {
		t.Fatal(err)
	}
	// Secure cookies would be dropped over the test's plain http.
	authn, err := auth.New(context.Background(), auth.ModeKeys, keyAdapter(keys), kv, auth.WithSecureCookies(false))
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("symposium-uikeys-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	cg, err := cgroup.New(cgroup.WithName(name))
	if err != nil {
		t.Fatal(err)
	}
	limiter := auth.NewLimiter(600)
	hub := live.New(live.WithAuth(authn.Identify), live.WithLimiter(limiter))
	rt, err := isolate.New(isolate.Config{RunnerPath: runnerPath, RunDir: "/run/" + name, PoolSize: 1,
		Limits: cgroup.Limits{MemoryBytes: 256 << 20, CPU: 1, Pids: 32}}, cg, isolate.WithEvents(hub.Event))
	if err != nil {
		cg.Close()
		t.Fatal(err)
	}
	svc := blocksvc.New(rt)
	mon := monitor.New(rt, monitor.DefaultThresholds(), monitor.OnSample(hub.Sample), monitor.OnAlert(hub.Alert))
	ctx, stop := context.WithCancel(context.Background())
	go mon.Run(ctx)
	srv := web.New(web.Config{RateLimit: 600}, svc, mon, web.WithAuth(authn), web.WithLimiter(limiter))
	ui.Mount(srv.App())
	hub.Mount(srv.App(), svc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		stop()
		hub.Close()
		srv.Shutdown(context.Background())
		rt.Close()
		cg.Close()
		kv.Close()
	})
	return "http://" + ln.Addr().String(), secret
}

// In keys mode the page asks for a key, refuses a wrong one, and once
// signed in runs a block over the WebSocket and shows its preview.
func TestSignInWithAKey(t *testing.T) {
	base, secret := startKeysStack(t)
	ctx := browser(t)
	step(t, ctx, "open the page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("signin-key")))
	step(t, ctx, "a wrong key", chromedp.SendKeys(chromedp.ID("signin-key"), "sym_000000000000_wrong\r"))
	waitFor(t, ctx, "the refusal", `document.getElementById('signin-error').textContent.includes('not valid')`)
	step(t, ctx, "the right key",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('signin-key').value = ''`),
		chromedp.SendKeys(chromedp.ID("signin-key"), secret+"\r"))
	// The page reloads once signed in: poll across the navigation.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector('.signin-back') && document.getElementById('conn')?.textContent === 'live'`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not signed in and live after 30 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if eval[bool](t, ctx, `document.cookie.includes('symposium_session')`) {
		t.Error("the session cookie is readable by scripts")
	}
	step(t, ctx, "create a block", chromedp.Click(chromedp.ID("new-block")), chromedp.WaitVisible(chromedp.CSS("#code-html .cm-content")))
	waitPreview(t, ctx, "Hello, world!")
}

// keyAdapter is the key store seen as auth.Keys, as main wires it.
func keyAdapter(s *apikeys.Store) apikeys.Adapter[auth.Principal] {
	return apikeys.Adapter[auth.Principal]{Store: s, Invalid: auth.ErrUnauthenticated, Of: func(k apikeys.Key) auth.Principal {
		return auth.Principal{Tenant: k.Tenant, Admin: k.Admin, KeyID: k.ID}
	}}
}
