package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
)

// The REST transport against a fake runtime: the real block service, error
// mapping, metrics and health, without root or runners.

type fakeRuntime struct {
	err    error
	health isolate.Health
	runs   uint64
}

func (f *fakeRuntime) Run(_ context.Context, id string, code isolate.Code, _ []byte) (*isolate.Result, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.runs++
	return &isolate.Result{BlockID: id, HTML: "<p>hi</p>", CSS: code.CSS, Kind: isolate.KindOK, Notices: []string{"a notice"}, PID: 7}, nil
}
func (f *fakeRuntime) End(string) bool             { return false }
func (f *fakeRuntime) LiveBlocks() map[string]bool { return map[string]bool{} }
func (f *fakeRuntime) Sample() isolate.Sample {
	return isolate.Sample{Time: time.Now(), MaxIsolates: 3, Health: f.health,
		Outcomes: []isolate.Outcome{{Kind: isolate.KindOK, Count: f.runs, Buckets: make([]uint64, len(isolate.LatencyBuckets))}},
		Isolates: []isolate.IsolateSample{{ID: "iso-1", BlockID: "a", PID: 7, State: isolate.StateIdle, Executions: 2, StatsOK: true}}}
}

func fakeServer(rt *fakeRuntime) *Server {
	return New(Config{}, blocksvc.New(rt), monitor.New(rt, monitor.DefaultThresholds()))
}

func call(t *testing.T, s *Server, method, path, body string) (int, map[string]string, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, map[string]string{"Retry-After": resp.Header.Get("Retry-After")}, m
}

const execBody = `{"blockId":"a","code":{"html":"<p></p>","css":"p{}","javascript":"1"}}`

func TestRESTErrorMapping(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		code   string
		retry  string
	}{
		{isolate.ErrCapacity, 503, "no_capacity", "1"},
		{fmt.Errorf("%w: save block: %w", blocksvc.ErrStorage, errors.New("pq: password authentication failed")), 503, "storage_unavailable", "5"},
		{fmt.Errorf("%w: fork/exec /opt/runner: permission denied", isolate.ErrSpawn), 503, "runner_unavailable", "5"},
		{isolate.ErrClosed, 503, "shutting_down", "5"},
		{errors.New("panic-ish at /srv/secret.go:12"), 500, "internal", ""},
	} {
		s := fakeServer(&fakeRuntime{err: c.err})
		status, hdr, m := call(t, s, "POST", "/api/execute-content-block", execBody)
		e, _ := m["error"].(map[string]any)
		if status != c.status || e["code"] != c.code || hdr["Retry-After"] != c.retry {
			t.Fatalf("%v: %d %v %v, want %d %s Retry-After %q", c.err, status, hdr, m, c.status, c.code, c.retry)
		}
		if msg, _ := e["message"].(string); strings.Contains(msg, "/") && c.code == "internal" {
			t.Fatalf("internals leaked: %q", msg)
		}
	}
	s := fakeServer(&fakeRuntime{})
	if status, _, m := call(t, s, "POST", "/api/update-content-block", `{"blockId":"zz","code":{}}`); status != 404 || m["error"].(map[string]any)["code"] != "not_found" {
		t.Fatalf("unknown block: %d %v", status, m)
	}
}

func TestRESTResultMetricsHealth(t *testing.T) {
	rt := &fakeRuntime{health: isolate.Health{OK: true}}
	s := fakeServer(rt)
	status, _, m := call(t, s, "POST", "/api/execute-content-block", execBody)
	if status != 200 || m["success"] != true || len(m["notices"].([]any)) != 1 {
		t.Fatalf("execute: %d %v", status, m)
	}
	if status, _, m := call(t, s, "GET", "/api/isolate-stats?id=a", ""); status != 200 || m["executions"].(float64) != 2 {
		t.Fatalf("isolate stats from the sample: %d %v", status, m)
	}
	if _, _, m := call(t, s, "GET", "/api/health", ""); m["status"] != "ok" {
		t.Fatalf("health: %v", m)
	}
	rt.health = isolate.Health{OK: false, Reason: "cannot start a sandbox runner: permission denied"}
	time.Sleep(1100 * time.Millisecond) // the monitor's sample is at most a second old
	_, _, m = call(t, s, "GET", "/api/health", "")
	if m["status"] != "degraded" || !strings.Contains(fmt.Sprint(m["reason"]), "cannot start") {
		t.Fatalf("health with a failing runner: %v", m)
	}
	req := httptest.NewRequest("GET", "/metrics", nil)
	resp, _ := s.App().Test(req, -1)
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`symposium_executions_total{outcome="ok"} 1`, `symposium_isolate_executions_total{block="a",isolate="iso-1",pid="7"} 2`, `symposium_runtime_healthy 0`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
