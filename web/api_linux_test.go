package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/symposium/symposium/storage/cache/lru"
	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/cgroup"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
	"github.com/symposium/symposium/supervisor/monitor"
)

var runnerPath string

func TestMain(m *testing.M) { isolatetest.Main(m, &runnerPath) }

type apiEnv struct {
	url string
	srv *Server
	mgr *isolate.Runtime
	mon *monitor.Monitor
}

func newAPI(t *testing.T, icfg isolate.Config, wcfg Config) *apiEnv {
	t.Helper()
	isolatetest.NeedRoot(t)
	name := fmt.Sprintf("symposium-webtest-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	cg, err := cgroup.New(cgroup.WithName(name))
	if err != nil {
		t.Fatal(err)
	}
	icfg.RunnerPath, icfg.RunDir = runnerPath, "/run/"+name
	if icfg.Limits.MemoryBytes == 0 {
		icfg.Limits = cgroup.Limits{MemoryBytes: 128 << 20, CPU: 1, Pids: 32}
	}
	mgr, err := isolate.New(icfg, cg)
	if err != nil {
		t.Fatal(err)
	}
	mon := monitor.New(mgr, monitor.DefaultThresholds())
	svc := blocksvc.New(mgr)
	// The real in-process cache keeps output pages: every test below also
	// proves that a change invalidates the cached page.
	srv := New(wcfg, svc, mon, WithPageCache(lru.New()), WithHealth(func(context.Context) map[string]any {
		return map[string]any{"enforcement": map[string]any{"cgroup": map[string]any{"mode": cg.Detection().Mode}}}
	}))
	// A real listener: body limits and errors behave as they do in service.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(ln)
	t.Cleanup(func() {
		srv.Shutdown(context.Background())
		mgr.Close()
		cg.Close()
	})
	return &apiEnv{url: "http://" + ln.Addr().String(), srv: srv, mgr: mgr, mon: mon}
}

func (e *apiEnv) do(t *testing.T, method, path string, body any) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		js, _ := json.Marshal(b)
		r = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, e.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return m
}

func block(id, js string) map[string]any {
	return map[string]any{"blockId": id, "code": map[string]any{"html": `<div id="x">old</div><script>alert(1)</script>`, "css": "#x{color:red}", "javascript": js}}
}

func TestExecuteUpdateOutputDelete(t *testing.T) {
	e := newAPI(t, isolate.Config{PoolSize: 1}, Config{})
	status, _, body := e.do(t, "POST", "/api/execute-content-block", map[string]any{
		"blockId": "demo", "data": map[string]any{"who": "world"},
		"code": map[string]any{"html": `<div id="x">old</div>`, "css": "#x{color:red}", "javascript": `document.getElementById('x').textContent = 'hi ' + DATA.who; console.warn('careful')`},
	})
	if status != 200 {
		t.Fatalf("execute: %d %s", status, body)
	}
	m := decode(t, body)
	if m["success"] != true || m["html"] != `<div id="x">hi world</div>` || m["css"] != "#x{color:red}" || m["blockId"] != "demo" {
		t.Fatalf("execute answer: %s", body)
	}
	logs := m["logs"].([]any)
	if len(logs) != 1 || logs[0].(map[string]any)["level"] != "warn" || logs[0].(map[string]any)["message"] != "careful" {
		t.Fatalf("logs: %v", logs)
	}
	iso := m["isolate"].(map[string]any)
	if iso["pid"].(float64) <= 0 || iso["memoryBytes"].(float64) <= 0 || iso["cpuMicros"].(float64) <= 0 {
		t.Fatalf("isolate figures: %v", iso)
	}
	if _, ok := m["durationMs"].(float64); !ok {
		t.Fatalf("durationMs missing: %s", body)
	}

	if status, _, page := e.do(t, "GET", "/api/content-block-output/demo", nil); status != 200 || !strings.Contains(string(page), "#x{color:red}") {
		t.Fatalf("output before update: %d %s", status, page)
	}
	status, _, body = e.do(t, "POST", "/api/update-content-block", map[string]any{"blockId": "demo", "code": map[string]any{"css": "#x{color:blue}"}})
	m = decode(t, body)
	if status != 200 || m["html"] != `<div id="x">hi world</div>` || m["css"] != "#x{color:blue}" {
		t.Fatalf("update: %d %s", status, body)
	}

	status, hdr, body := e.do(t, "GET", "/api/content-block-output/demo", nil)
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("output: %d %v", status, hdr)
	}
	csp := hdr.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Fatalf("output CSP must forbid scripts and loads: %q", csp)
	}
	if !strings.Contains(string(body), `<div id="x">hi world</div>`) || !strings.Contains(string(body), "#x{color:blue}") {
		t.Fatalf("output document: %s", body)
	}

	status, _, _ = e.do(t, "DELETE", "/api/content-block/demo", nil)
	if status != 204 {
		t.Fatalf("delete: %d", status)
	}
	for _, c := range []struct{ method, path string }{
		{"DELETE", "/api/content-block/demo"},
		{"GET", "/api/content-block-output/demo"},
		{"GET", "/api/isolate-stats?id=demo"},
	} {
		if status, _, body := e.do(t, c.method, c.path, nil); status != 404 {
			t.Errorf("%s %s after delete: %d %s", c.method, c.path, status, body)
		}
	}
	if status, _, body := e.do(t, "POST", "/api/update-content-block", map[string]any{"blockId": "demo", "code": map[string]any{"css": ""}}); status != 404 {
		t.Errorf("update of unknown block: %d %s", status, body)
	}
}

func TestOutputIsSanitised(t *testing.T) {
	e := newAPI(t, isolate.Config{PoolSize: 1}, Config{})
	js := `document.body.insertAdjacentHTML ? 0 : 0; const d = document.createElement('div'); d.setAttribute('onclick', 'steal()'); d.innerHTML = '<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'; document.body.appendChild(d);`
	if status, _, body := e.do(t, "POST", "/api/execute-content-block", block("xss", js)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	_, _, body := e.do(t, "GET", "/api/content-block-output/xss", nil)
	low := strings.ToLower(string(body))
	for _, bad := range []string{"<script", "onerror", "onclick", "javascript:"} {
		if strings.Contains(low, bad) {
			t.Errorf("output still contains %q: %s", bad, body)
		}
	}
}

func TestOutcomesAreDataNotErrors(t *testing.T) {
	e := newAPI(t, isolate.Config{PoolSize: 1, ExecTimeout: 300 * time.Millisecond}, Config{})
	for _, c := range []struct{ js, kind string }{
		{`while(true){}`, "timeout"},
		{`throw new Error('boom')`, "script"},
	} {
		status, _, body := e.do(t, "POST", "/api/execute-content-block", block("o", c.js))
		m := decode(t, body)
		if status != 200 || m["success"] != false {
			t.Fatalf("%s: %d %s", c.kind, status, body)
		}
		if k := m["error"].(map[string]any)["kind"]; k != c.kind {
			t.Fatalf("want kind %s, got %v: %s", c.kind, k, body)
		}
	}
}

func TestBadRequests(t *testing.T) {
	e := newAPI(t, isolate.Config{NoPool: true, MaxIsolates: 1}, Config{BodyLimit: 4096})
	cases := []struct {
		name   string
		body   any
		status int
		says   string
	}{
		{"empty", "", 400, "empty"},
		{"not json", "{nope", 400, "not valid JSON"},
		{"no id", map[string]any{"code": map[string]any{}}, 400, "blockId"},
		{"bad id", map[string]any{"blockId": "../etc", "code": map[string]any{}}, 400, "blockId"},
		{"no code", map[string]any{"blockId": "a"}, 400, "code"},
		{"code wrong type", map[string]any{"blockId": "a", "code": map[string]any{"html": 5}}, 400, "string"},
		{"too large", map[string]any{"blockId": "a", "code": map[string]any{"html": strings.Repeat("x", 8192)}}, 413, "limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := e.do(t, "POST", "/api/execute-content-block", c.body)
			if status != c.status || !strings.Contains(string(body), c.says) {
				t.Fatalf("want %d mentioning %q, got %d %s", c.status, c.says, status, body)
			}
			m := decode(t, body)
			if m["success"] != false {
				t.Fatalf("error answer shape: %s", body)
			}
		})
	}
	if status, _, body := e.do(t, "GET", "/api/isolate-stats", nil); status != 400 {
		t.Errorf("isolate-stats without id: %d %s", status, body)
	}
	// A table whose every isolate is executing answers 503 with Retry-After.
	done := make(chan int, 1)
	go func() {
		status, _, _ := e.do(t, "POST", "/api/execute-content-block", block("one", "const end = Date.now() + 1500; while (Date.now() < end) {}"))
		done <- status
	}()
	time.Sleep(700 * time.Millisecond)
	status, hdr, body := e.do(t, "POST", "/api/execute-content-block", block("two", "1"))
	if status != 503 || hdr.Get("Retry-After") == "" || !strings.Contains(string(body), "no_capacity") {
		t.Fatalf("every isolate executing: %d %v %s", status, hdr, body)
	}
	if s := <-done; s != 200 {
		t.Fatalf("the slow block: %d", s)
	}
	// Idle now: the new block takes the place of the least recently used.
	if status, _, body := e.do(t, "POST", "/api/execute-content-block", block("two", "1")); status != 200 {
		t.Fatalf("after the slow block finished: %d %s", status, body)
	}
}

func TestRateLimit(t *testing.T) {
	e := newAPI(t, isolate.Config{PoolSize: 1}, Config{RateLimit: 3})
	for i := 0; i < 3; i++ {
		if status, _, body := e.do(t, "POST", "/api/execute-content-block", block("r", "1")); status != 200 {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	status, hdr, body := e.do(t, "POST", "/api/execute-content-block", block("r", "1"))
	if status != 429 || hdr.Get("Retry-After") == "" {
		t.Fatalf("want 429 with Retry-After, got %d %v %s", status, hdr, body)
	}
}

func TestStatsMetricsHealth(t *testing.T) {
	e := newAPI(t, isolate.Config{PoolSize: 1}, Config{})
	if status, _, body := e.do(t, "POST", "/api/execute-content-block", block("s", `const a = []; for (let i = 0; i < 1e5; i++) a.push(i); console.log(a.length)`)); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	status, _, body := e.do(t, "GET", "/api/isolate-stats?id=s", nil)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	st := decode(t, body)
	mem := st["memory"].(map[string]any)
	if mem["currentBytes"].(float64) <= 0 || mem["limitBytes"].(float64) != 128<<20 {
		t.Fatalf("memory figures: %v", mem)
	}
	if st["executions"].(float64) != 1 || st["seccomp"].(map[string]any)["mode"].(float64) != 2 {
		t.Fatalf("stats: %s", body)
	}
	if v := st["cgroup"].(map[string]any)["version"]; v != "v1" && v != "v2" {
		t.Fatalf("cgroup version: %v", v)
	}

	e.mon.Sample()
	_, _, body = e.do(t, "GET", "/api/metrics", nil)
	m := decode(t, body)
	isos := m["isolates"].(map[string]any)
	if isos["activeIsolates"].(float64) != 1 || isos["totalMemoryUsed"].(float64) <= 0 {
		t.Fatalf("metrics: %s", body)
	}
	list := isos["isolates"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != "s" || list[0].(map[string]any)["memoryMB"].(float64) <= 0 {
		t.Fatalf("metrics isolates: %v", list)
	}
	sys := m["system"].(map[string]any)
	if sys["cpu"].(map[string]any)["count"].(float64) < 1 || sys["memory"].(map[string]any)["rss"].(float64) <= 0 {
		t.Fatalf("system: %v", sys)
	}

	_, _, body = e.do(t, "GET", "/metrics", nil)
	for _, want := range []string{`symposium_isolate_memory_bytes{block="s"`, `symposium_executions_total{outcome="ok"} 1`, `symposium_execution_duration_seconds_bucket{outcome="ok"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	status, _, body = e.do(t, "GET", "/api/health", nil)
	h := decode(t, body)
	if status != 200 || h["status"] != "ok" || h["enforcement"] == nil {
		t.Fatalf("health: %d %s", status, body)
	}
}
