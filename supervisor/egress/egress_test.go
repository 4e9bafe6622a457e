package egress_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/egress"
)

// server is a real HTTP server on 127.0.0.1 counting the requests it gets,
// so tests can prove a refused fetch never left the supervisor.
func server(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/size/", func(w http.ResponseWriter, r *http.Request) {
		n := map[string]int{"exact": 1 << 20, "over": 1<<20 + 1}[strings.TrimPrefix(r.URL.Path, "/size/")]
		// Streamed without Content-Length so the cap on the body itself is tested.
		w.(http.Flusher).Flush()
		w.Write([]byte(strings.Repeat("a", n)))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// rule is the exact allowlist entry for a test server.
func rule(t *testing.T, srvURL string) []egress.Rule {
	t.Helper()
	rules, err := egress.ParseAllowlist(srvURL)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func TestFetchAllowlisted(t *testing.T) {
	srv, _ := server(t)
	f := egress.New(rule(t, srv.URL))
	resp, err := f.Fetch(context.Background(), srv.URL+"/json")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.ContentType != "application/json" || string(resp.Body) != `{"ok":true}` {
		t.Fatalf("response = %+v", resp)
	}
	resp, err = f.Fetch(context.Background(), srv.URL+"/missing")
	if err != nil || resp.Status != 404 {
		t.Fatalf("404 should be a response, not an error: %+v, %v", resp, err)
	}
}

// Every refusal reads the same to the script, whatever the reason; the
// reason is in the log only. Nothing refused reaches a server, except the
// allowlisted first hop of a redirect.
func TestFetchRefusals(t *testing.T) {
	srv, hits := server(t)
	other, otherHits := server(t) // another port on the same allowlisted address
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	localhostURL := "http://localhost:" + port
	self, selfHits := server(t) // plays the supervisor's own API
	_, selfPort, _ := net.SplitHostPort(strings.TrimPrefix(self.URL, "http://"))
	selfN := 0
	fmt.Sscan(selfPort, &selfN)
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	rules := rule(t, srv.URL)
	cases := []struct {
		name, url, reason string
		f                 *egress.Fetcher
		firstHop          bool
	}{
		{"empty allowlist", srv.URL + "/json", "FETCH_ALLOWLIST is empty", egress.New(nil, egress.WithLogger(logger)), false},
		{"other port of an allowlisted host", other.URL + "/json", "is not on FETCH_ALLOWLIST", egress.New(rules, egress.WithLogger(logger)), false},
		{"other scheme", strings.Replace(srv.URL, "http:", "https:", 1) + "/json", "is not on FETCH_ALLOWLIST", egress.New(rules, egress.WithLogger(logger)), false},
		{"host not listed", localhostURL + "/json", "localhost", egress.New(rules, egress.WithLogger(logger)), false},
		{"name resolving to loopback", localhostURL + "/json", "loopback", egress.New(rule(t, localhostURL), egress.WithLogger(logger)), false},
		{"redirect to unlisted host", srv.URL + "/redirect?to=" + localhostURL + "/json", "localhost", egress.New(rules, egress.WithLogger(logger)), true},
		{"redirect to other port", srv.URL + "/redirect?to=" + other.URL + "/json", "is not on FETCH_ALLOWLIST", egress.New(rules, egress.WithLogger(logger)), true},
		{"the supervisor's own port", self.URL + "/metrics", "own port", egress.New(rule(t, self.URL), egress.WithLogger(logger), egress.WithSelfPort(selfN)), false},
	}
	for _, c := range cases {
		hits.Store(0)
		otherHits.Store(0)
		selfHits.Store(0)
		log.Reset()
		_, err := c.f.Fetch(context.Background(), c.url)
		if !errors.Is(err, egress.ErrRefused) || err.Error() != "fetch refused" {
			t.Errorf("%s: %v, want exactly \"fetch refused\"", c.name, err)
		}
		if !strings.Contains(log.String(), c.reason) {
			t.Errorf("%s: the log does not say why (%q): %s", c.name, c.reason, log.String())
		}
		want := int32(0)
		if c.firstHop {
			want = 1
		}
		if got := hits.Load() + otherHits.Load() + selfHits.Load(); got != want {
			t.Errorf("%s: servers got %d requests, want %d", c.name, got, want)
		}
	}
	for _, bad := range []string{"file:///etc/passwd", "/json", srv.URL + "/redirect?to=ftp://127.0.0.1/x"} {
		if _, err := egress.New(rules).Fetch(context.Background(), bad); !errors.Is(err, egress.ErrInvalidURL) {
			t.Errorf("%s: %v, want ErrInvalidURL", bad, err)
		}
	}
}

// A closed port and a port that never answers read the same to a script.
func TestFetchFailuresAreGeneric(t *testing.T) {
	srv, _ := server(t)
	slow := egress.New(rule(t, srv.URL), egress.WithTimeout(200*time.Millisecond))
	_, errSlow := slow.Fetch(context.Background(), srv.URL+"/slow")
	closed, _ := server(t)
	url := closed.URL
	closed.Close()
	_, errClosed := egress.New(rule(t, url)).Fetch(context.Background(), url+"/json")
	for _, err := range []error{errSlow, errClosed} {
		if !errors.Is(err, egress.ErrFailed) || err.Error() != "fetch failed" {
			t.Errorf("got %v, want exactly \"fetch failed\"", err)
		}
	}
	var e *egress.Error
	if !errors.As(errSlow, &e) || !strings.Contains(e.Detail, "timed out") {
		t.Errorf("the log detail should say it timed out: %+v", e)
	}
}

func TestFetchFollowsAllowlistedRedirect(t *testing.T) {
	srv, _ := server(t)
	resp, err := egress.New(rule(t, srv.URL)).Fetch(context.Background(), srv.URL+"/redirect?to=/json")
	if err != nil || string(resp.Body) != `{"ok":true}` {
		t.Fatalf("redirect within allowlist: %+v, %v", resp, err)
	}
	if _, err := egress.New(rule(t, srv.URL)).Fetch(context.Background(), srv.URL+"/loop"); !errors.Is(err, egress.ErrFailed) {
		t.Fatalf("redirect loop: %v, want ErrFailed", err)
	}
}

func TestFetchSizeCap(t *testing.T) {
	srv, _ := server(t)
	f := egress.New(rule(t, srv.URL))
	resp, err := f.Fetch(context.Background(), srv.URL+"/size/exact")
	if err != nil || len(resp.Body) != 1<<20 {
		t.Fatalf("exactly 1 MiB: %v", err)
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/size/over"); !errors.Is(err, egress.ErrTooLarge) {
		t.Fatalf("1 MiB + 1: %v, want ErrTooLarge", err)
	}
}

func TestParseAllowlist(t *testing.T) {
	got, err := egress.ParseAllowlist(" https://API.example.com, http://127.0.0.1:9000 ,,https://[::1]:8443, example.org")
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, r := range got {
		s = append(s, r.String())
	}
	want := "https://api.example.com:443|http://127.0.0.1:9000|https://[::1]:8443|http://example.org:80|https://example.org:443"
	if strings.Join(s, "|") != want {
		t.Fatalf("ParseAllowlist = %q, want %q", strings.Join(s, "|"), want)
	}
	if got, err := egress.ParseAllowlist(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %q, %v", got, err)
	}
	for _, bad := range []string{"ftp://example.com", "example.com:443", "https://example.com/path", "a b",
		"https://user@example.com", "https://*.example.com", "https://example.com:99999"} {
		if _, err := egress.ParseAllowlist(bad); !errors.Is(err, egress.ErrBadAllowlist) {
			t.Errorf("ParseAllowlist(%q): %v, want ErrBadAllowlist", bad, err)
		}
	}
}
