package live

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
)

// fakeBlocks answers every command with one error, or runs it trivially.
type fakeBlocks struct{ err error }

func (f fakeBlocks) Execute(_ context.Context, b blocksvc.Block) (*isolate.Result, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &isolate.Result{BlockID: b.ID, HTML: "<p>ok</p>", Kind: isolate.KindOOM, Message: "stopped", Notices: []string{"listeners wait"}}, nil
}
func (f fakeBlocks) Update(context.Context, string, blocksvc.Patch) (*isolate.Result, error) {
	return nil, f.err
}
func (f fakeBlocks) Delete(context.Context, string) error         { return f.err }
func (f fakeBlocks) Rename(context.Context, string, string) error { return f.err }

// The WebSocket speaks the REST API's error mapping: a storage outage is
// storage_unavailable (not "internal"), a busy table no_capacity with the
// same retry hint. No root needed: the service is a fake.
func TestLiveErrorsMatchTheAPI(t *testing.T) {
	for _, c := range []struct {
		err   error
		code  string
		retry float64
	}{
		{fmt.Errorf("%w: load block: %w", blocksvc.ErrStorage, errors.New("dial tcp: refused")), "storage_unavailable", 5},
		{isolate.ErrCapacity, "no_capacity", 1},
		{fmt.Errorf("%w: permission denied", isolate.ErrSpawn), "runner_unavailable", 5},
		{blocksvc.ErrUnknownBlock, "not_found", 0},
		{errors.New("something unexpected at /var/lib/secret"), "internal", 0},
	} {
		url := serveHub(t, New(), fakeBlocks{err: c.err})
		ws := dial(t, url)
		ws.send(execMsg("b", "r1", "1"))
		m := ws.nextOf("error")
		if m["code"] != c.code || m["ref"] != "r1" {
			t.Fatalf("%v: got %v, want code %s", c.err, m, c.code)
		}
		if r, _ := m["retryAfter"].(float64); r != c.retry {
			t.Fatalf("%v: retryAfter %v, want %v", c.err, m["retryAfter"], c.retry)
		}
		if msg := m["message"].(string); c.code == "internal" && msg != "internal error; see the server log" {
			t.Fatalf("internals leaked: %q", msg)
		}
	}
}

func TestLiveResultCarriesNoticesAndOOM(t *testing.T) {
	url := serveHub(t, New(), fakeBlocks{})
	ws := dial(t, url)
	ws.send(execMsg("b", "r", "1"))
	m := ws.nextOf("result")
	if n, _ := m["notices"].([]any); len(n) != 1 || m["success"] != false || m["error"].(map[string]any)["kind"] != "oom" {
		t.Fatalf("result: %v", m)
	}
}

// A run over the WebSocket is counted where every run is, in the runtime,
// so symposium_executions_total (read from its sample) includes it.
func TestLiveRunsAreCounted(t *testing.T) {
	svc, rt := newStack(t)
	url := serveHub(t, New(), svc)
	ws := dial(t, url)
	count := func() uint64 {
		for _, o := range rt.Sample().Outcomes {
			if o.Kind == isolate.KindOK {
				return o.Count
			}
		}
		return 0
	}
	before := count()
	ws.send(execMsg("counted", "r", `document.getElementById('p').textContent = 'y'`))
	if m := ws.nextOf("result"); m["success"] != true {
		t.Fatalf("result: %v", m)
	}
	if after := count(); after != before+1 {
		t.Fatalf("ok executions %d -> %d after one WebSocket run", before, after)
	}
}
