package sanitize

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// hostileSuite is markup a block may leave in its body. Each payload, if
// it ever ran, would record its name in window.__pwned.
func hostileSuite() map[string]string {
	mark := func(name string) string {
		return fmt.Sprintf("void(window.__pwned=(window.__pwned||[]).concat(%q))", name)
	}
	return map[string]string{
		"script":         `<script>` + mark("script") + `</script>`,
		"onerror":        `<img src="data:image/png;base64,AAAA" onerror="` + mark("onerror") + `">`,
		"javascript: a":  `<a id="js" href="javascript:` + mark("javascript-link") + `">x</a>`,
		"svg script":     `<svg><script>` + mark("svg-script") + `</script></svg>`,
		"svg onload":     `<svg onload="` + mark("svg-onload") + `"><circle r="2"></circle></svg>`,
		"foreignObject":  `<svg><foreignObject><img src="data:," onerror="` + mark("foreignobject") + `"></foreignObject></svg>`,
		"srcdoc":         `<iframe srcdoc="<script>parent.__pwned=['srcdoc']</script>"></iframe>`,
		"meta refresh":   `<meta http-equiv="refresh" content="0;url=javascript:` + mark("meta-refresh") + `">`,
		"base":           `<base href="javascript:` + mark("base") + `//"><a id="rel" href="x">rel</a>`,
		"form action":    `<form action="javascript:` + mark("form-action") + `"><button id="sub">go</button></form>`,
		"formaction":     `<form><button id="fa" formaction="javascript:` + mark("formaction") + `">go</button></form>`,
		"svg animate":    `<svg><a id="anim"><animate attributeName="href" to="javascript:` + mark("svg-animate") + `"></animate><text y="10">x</text></a></svg>`,
		"object":         `<object data="data:text/html,<script>parent.__pwned=['object']</script>"></object>`,
		"embed":          `<embed src="data:text/html,<script>parent.__pwned=['embed']</script>">`,
		"style onload":   `<style onload="` + mark("style-onload") + `"></style>`,
		"details toggle": `<details open ontoggle="` + mark("ontoggle") + `"><summary>s</summary></details>`,
		"autofocus":      `<input autofocus onfocus="` + mark("onfocus") + `">`,
	}
}

// The two walls, each on its own: the sanitised page, and the raw hostile
// markup behind the page's CSP alone. Neither may run any payload, even
// when its links and buttons are clicked.
func TestHostileMarkupNeverRunsInTheBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required under CI: %v", err)
		}
		t.Skipf("chromium not installed: %v", err)
	}
	suite := hostileSuite()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := suite[r.URL.Query().Get("case")]
		var page string
		if r.URL.Path == "/raw" {
			page = "<!DOCTYPE html><html><head></head><body>" + body + "</body></html>"
		} else {
			page, _ = Page("t", body, "")
		}
		w.Header().Set("Content-Security-Policy", CSP)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	defer srv.Close()

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	// The same probe against a page without either wall proves it detects
	// a payload that runs.
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(suite["script"]))
	}))
	defer control.Close()
	if got := probe(t, ctx, control.URL+"/"); !strings.Contains(got, "script") {
		t.Fatalf("the probe does not see a payload that runs: %q", got)
	}
	for _, wall := range []string{"/page", "/raw"} {
		for name := range suite {
			url := srv.URL + wall + "?case=" + strings.ReplaceAll(name, " ", "+")
			if got := probe(t, ctx, url); got != "" {
				t.Errorf("%s %s: payload ran: %s", wall, name, got)
			}
		}
	}
}

// probe loads a page, clicks everything clickable (a plain link may
// navigate; only a payload that ran writes the record), waits for refreshes
// and returns what any payload recorded.
func probe(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Navigate(url)); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	click := `document.querySelectorAll('a,button').forEach((e) => { try { e.click() } catch (_) {} }); true`
	if _, err := chromedp.Run(c, chromedp.Evaluate[bool](click)); err != nil {
		t.Fatalf("%s: click: %v", url, err)
	}
	time.Sleep(300 * time.Millisecond) // meta refresh, toggles, focus
	got, err := chromedp.Run(c, chromedp.Evaluate[string](`String(window.__pwned || '')`))
	if err != nil {
		t.Fatalf("%s: read the record: %v", url, err)
	}
	return got
}
