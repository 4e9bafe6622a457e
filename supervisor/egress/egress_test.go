package egress_test

import (
	"context"
	"errors"
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

func TestFetchAllowlisted(t *testing.T) {
	srv, _ := server(t)
	f := egress.New([]string{"127.0.0.1"})
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

func TestFetchRefusals(t *testing.T) {
	srv, hits := server(t)
	localhostURL := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	cases := []struct {
		name  string
		f     *egress.Fetcher
		url   string
		want  error
		words string
	}{
		{"empty allowlist", egress.New(nil), srv.URL + "/json", egress.ErrNotAllowed, "FETCH_ALLOWLIST is empty"},
		{"host not listed", egress.New([]string{"127.0.0.1"}), localhostURL + "/json", egress.ErrNotAllowed, `"localhost"`},
		{"file scheme", egress.New([]string{"127.0.0.1"}), "file:///etc/passwd", egress.ErrInvalidURL, "http"},
		{"relative", egress.New([]string{"127.0.0.1"}), "/json", egress.ErrInvalidURL, "http"},
		{"redirect to unlisted host", egress.New([]string{"127.0.0.1"}), srv.URL + "/redirect?to=" + localhostURL + "/json", egress.ErrNotAllowed, `"localhost"`},
		{"redirect to other scheme", egress.New([]string{"127.0.0.1"}), srv.URL + "/redirect?to=ftp://127.0.0.1/x", egress.ErrInvalidURL, "http"},
	}
	for _, c := range cases {
		hits.Store(0)
		_, err := c.f.Fetch(context.Background(), c.url)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.words) {
			t.Errorf("%s: %v, want %v mentioning %s", c.name, err, c.want, c.words)
		}
		// Only the allowlisted first hop of a redirect may reach the server.
		if max := map[bool]int32{true: 1, false: 0}[strings.Contains(c.name, "redirect")]; hits.Load() > max {
			t.Errorf("%s: server got %d requests, want at most %d", c.name, hits.Load(), max)
		}
	}
}

func TestFetchFollowsAllowlistedRedirect(t *testing.T) {
	srv, _ := server(t)
	resp, err := egress.New([]string{"127.0.0.1"}).Fetch(context.Background(), srv.URL+"/redirect?to=/json")
	if err != nil || string(resp.Body) != `{"ok":true}` {
		t.Fatalf("redirect within allowlist: %+v, %v", resp, err)
	}
	if _, err := egress.New([]string{"127.0.0.1"}).Fetch(context.Background(), srv.URL+"/loop"); !errors.Is(err, egress.ErrTooManyRedirects) {
		t.Fatalf("redirect loop: %v, want ErrTooManyRedirects", err)
	}
}

func TestFetchSizeCap(t *testing.T) {
	srv, _ := server(t)
	f := egress.New([]string{"127.0.0.1"})
	resp, err := f.Fetch(context.Background(), srv.URL+"/size/exact")
	if err != nil || len(resp.Body) != 1<<20 {
		t.Fatalf("exactly 1 MiB: %v", err)
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/size/over"); !errors.Is(err, egress.ErrTooLarge) {
		t.Fatalf("1 MiB + 1: %v, want ErrTooLarge", err)
	}
}

func TestFetchTimeout(t *testing.T) {
	srv, _ := server(t)
	f := egress.New([]string{"127.0.0.1"}, egress.WithTimeout(200*time.Millisecond))
	if _, err := f.Fetch(context.Background(), srv.URL+"/slow"); !errors.Is(err, egress.ErrTimeout) {
		t.Fatalf("slow server: %v, want ErrTimeout", err)
	}
}

func TestFetchUnreachable(t *testing.T) {
	srv, _ := server(t)
	url := srv.URL
	srv.Close()
	if _, err := egress.New([]string{"127.0.0.1"}).Fetch(context.Background(), url+"/json"); !errors.Is(err, egress.ErrUnavailable) {
		t.Fatalf("closed server: %v, want ErrUnavailable", err)
	}
}

func TestParseAllowlist(t *testing.T) {
	got, err := egress.ParseAllowlist(" API.example.com, 127.0.0.1 ,,::1")
	if err != nil || strings.Join(got, "|") != "api.example.com|127.0.0.1|::1" {
		t.Fatalf("ParseAllowlist = %q, %v", got, err)
	}
	if got, err := egress.ParseAllowlist(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %q, %v", got, err)
	}
	for _, bad := range []string{"https://example.com", "example.com:443", "example.com/path", "a b"} {
		if _, err := egress.ParseAllowlist(bad); !errors.Is(err, egress.ErrBadAllowlist) {
			t.Errorf("ParseAllowlist(%q): %v, want ErrBadAllowlist", bad, err)
		}
	}
}
