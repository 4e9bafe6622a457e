package web

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
)

// htmlRuntime renders the block's HTML code as its output, repeated as
// many times as the JavaScript says ("x5" five times).
type htmlRuntime struct{ fakeRuntime }

func (f *htmlRuntime) Run(_ context.Context, id string, code isolate.Code, _ []byte) (*isolate.Result, error) {
	n := strings.Count(code.JavaScript, "x")
	return &isolate.Result{BlockID: id, HTML: strings.Repeat(code.HTML, max(n, 1)), CSS: code.CSS, Kind: isolate.KindOK}, nil
}

func get(t *testing.T, s *Server, path string) (int, string) {
	t.Helper()
	resp, err := s.App().Test(httptest.NewRequest("GET", path, nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The output page is built once, when the output is made: GETs of a 5 MB
// output serve the stored page and never sanitise again. SVG survives, a
// script does not, and the execute answer says what was removed.
func TestOutputPageBuiltOnce(t *testing.T) {
	rt := &htmlRuntime{}
	svc := blocksvc.New(rt, blocksvc.WithRenderer(RenderPage), blocksvc.WithLimits(blocksvc.Limits{HTMLBytes: 8 << 20}))
	s := New(Config{BodyLimit: 1 << 20}, svc, monitor.New(&rt.fakeRuntime, monitor.DefaultThresholds()))

	unit := `<svg viewBox=\"0 0 10 10\"><circle cx=\"5\" cy=\"5\" r=\"4\"/></svg><p>0123456789</p>`
	reps := (5 << 20) / (len(unit) - 8)
	js := strings.Repeat("x", reps)
	body := `{"blockId":"big","code":{"html":"` + unit + `<script>alert(1)</script>","css":"p{}","javascript":"` + js + `"}}`
	before := pagesBuilt.Load()
	status, _, m := call(t, s, "POST", "/api/execute-content-block", body)
	if status != 200 || m["success"] != true {
		t.Fatalf("execute: %d %v", status, m["error"])
	}
	removed, _ := m["removed"].([]any)
	if len(removed) == 0 || !strings.Contains(removed[0].(map[string]any)["what"].(string), "script") {
		t.Fatalf("removed = %v, want the <script>", m["removed"])
	}
	if n := pagesBuilt.Load() - before; n != 1 {
		t.Fatalf("execute built %d pages, want 1", n)
	}
	for range 3 {
		status, page := get(t, s, "/api/content-block-output/big")
		if status != 200 || len(page) < 5<<20 || !strings.Contains(page, "<circle") || strings.Contains(page, "<script") {
			t.Fatalf("GET: %d, %d bytes, svg kept %v, script kept %v", status, len(page), strings.Contains(page, "<circle"), strings.Contains(page, "<script"))
		}
	}
	if n := pagesBuilt.Load() - before; n != 1 {
		t.Fatalf("3 GETs sanitised again: %d pages built in all, want 1", n)
	}
}

func TestOutputTooLargeAnswer(t *testing.T) {
	rt := &htmlRuntime{}
	svc := blocksvc.New(rt, blocksvc.WithLimits(blocksvc.Limits{HTMLBytes: 1024}))
	s := New(Config{}, svc, monitor.New(&rt.fakeRuntime, monitor.DefaultThresholds()))
	status, _, m := call(t, s, "POST", "/api/execute-content-block", `{"blockId":"b","code":{"html":"<p>12345678</p>","javascript":"`+strings.Repeat("x", 100)+`"}}`)
	e, _ := m["error"].(map[string]any)
	if status != 200 || m["success"] != false || e["kind"] != "output_too_large" || !strings.Contains(e["message"].(string), "MAX_OUTPUT_HTML_BYTES") || m["html"] != "" {
		t.Fatalf("%d %v", status, m)
	}
	if status, _ := get(t, s, "/api/content-block-output/b"); status != 404 {
		t.Fatalf("an output over the limit was stored: GET answered %d", status)
	}
}

func TestProblemForSizeQuotaDelete(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		code   string
		say    string
	}{
		{fmt.Errorf("%w: the block takes 2000000 bytes stored, over the limit of 1048576 bytes (MAX_BLOCK_BYTES)", blocksvc.ErrTooLarge), 413, "block_too_large", "MAX_BLOCK_BYTES"},
		{fmt.Errorf("%w: 1000 blocks are stored, the most allowed (MAX_BLOCKS); delete one first", blocksvc.ErrQuota), 507, "quota_exceeded", "MAX_BLOCKS"},
		{blocksvc.ErrDeleted, 409, "block_deleted", "deleted while it executed"},
	} {
		p, ok := ProblemFor(c.err)
		if !ok || p.Status != c.status || p.Code != c.code || !strings.Contains(p.Message, c.say) || strings.Contains(p.Message, "blocksvc") {
			t.Fatalf("%v: %+v", c.err, p)
		}
	}
}
