package web

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/web/auth"
)

func TestDraftIsStoredWithoutRunning(t *testing.T) {
	rt := &fakeRuntime{}
	s := fakeServer(rt)
	status, _, m := call(t, s, "PUT", "/api/content-block/d",
		`{"name":"Draft","code":{"html":"<p>x</p>","css":"p{}","javascript":"1+"},"data":{"a":1}}`)
	if status != 204 || rt.runs != 0 {
		t.Fatalf("PUT draft: %d %v after %d runs; want 204 and no run", status, m, rt.runs)
	}
	_, _, list := call(t, s, "GET", "/api/content-blocks", "")
	blocks, _ := list["blocks"].([]any)
	if len(blocks) != 1 {
		t.Fatalf("listed %v", list)
	}
	b := blocks[0].(map[string]any)
	code := b["code"].(map[string]any)
	if b["blockId"] != "d" || b["name"] != "Draft" || code["javascript"] != "1+" || code["html"] != "<p>x</p>" ||
		!reflect.DeepEqual(b["data"], map[string]any{"a": 1.0}) {
		t.Fatalf("stored draft listed as %v", b)
	}
	// Never run: no result yet.
	status, _, m = call(t, s, "GET", "/api/content-block-result/d", "")
	if e, _ := m["error"].(map[string]any); status != 404 || e["code"] != "not_found" {
		t.Fatalf("result before any run: %d %v", status, m)
	}
}

func TestResultIsTheLastExecuteAnswer(t *testing.T) {
	rt := &fakeRuntime{}
	s := fakeServer(rt)
	status, _, exec := call(t, s, "POST", "/api/execute-content-block", execBody)
	if status != 200 {
		t.Fatalf("execute: %d %v", status, exec)
	}
	status, _, res := call(t, s, "GET", "/api/content-block-result/a", "")
	if status != 200 || !reflect.DeepEqual(res, exec) {
		t.Fatalf("result: %d %v\nwant the execute answer %v", status, res, exec)
	}
	// A draft saved since keeps the last result (and does not run).
	if status, _, m := call(t, s, "PUT", "/api/content-block/a", `{"code":{"html":"<b>new</b>"}}`); status != 204 || rt.runs != 1 {
		t.Fatalf("PUT draft: %d %v after %d runs", status, m, rt.runs)
	}
	if _, _, again := call(t, s, "GET", "/api/content-block-result/a", ""); !reflect.DeepEqual(again, exec) {
		t.Fatalf("result after a draft: %v", again)
	}
}

func TestDraftBadInputIsToldWhatToFix(t *testing.T) {
	s := fakeServer(&fakeRuntime{})
	for _, c := range []struct {
		method, path, body, want string
	}{
		{"PUT", "/api/content-block/x%20y", `{"code":{}}`, "not allowed"},
		{"PUT", "/api/content-block/d", `{"name":"n"}`, `"code" is required`},
		{"PUT", "/api/content-block/d", `{"blockId":"e","code":{}}`, "differs from the id in the path"},
		{"PUT", "/api/content-block/d", `{"code":{"html":1}}`, "must be a string"},
		{"PUT", "/api/content-block/d", `{"code":`, "send JSON like"},
		{"PUT", "/api/content-block/d", `{"code":{}} {}`, "trailing data"},
		{"PUT", "/api/content-block/d", `{"name":"` + strings.Repeat("n", 201) + `","code":{}}`, "longer than 200"},
		{"GET", "/api/content-block-result/x%20y", "", "not allowed"},
	} {
		status, _, m := call(t, s, c.method, c.path, c.body)
		e, _ := m["error"].(map[string]any)
		msg, _ := e["message"].(string)
		if status != 400 || e["code"] != "invalid_request" || !strings.Contains(msg, c.want) {
			t.Errorf("%s %s %s: %d %v; want 400 saying %q", c.method, c.path, c.body, status, m, c.want)
		}
	}
}

func TestBlockIDProblemSaysWhatIsWrong(t *testing.T) {
	for id, want := range map[string]string{
		"":                      `"blockId" is required`,
		"x y":                   `"blockId" has a character that is not allowed (' ' at position 2)`,
		"é":                     `'é' at position 1`,
		strings.Repeat("a", 65): "is 65 characters long",
	} {
		got := BlockIDProblem(`"blockId"`, id)
		if !strings.Contains(got, want) || !strings.Contains(got, "letters") {
			t.Errorf("%q: %q; want it to say %q and what is allowed", id, got, want)
		}
		if id != "" && strings.Contains(got, "required") {
			t.Errorf("%q is told it is required: %q", id, got)
		}
	}
	for _, id := range []string{"a", "Block_1-x", strings.Repeat("z", 64)} {
		if got := BlockIDProblem("id", id); got != "" {
			t.Errorf("valid id %q: %q", id, got)
		}
	}
}

// A tenant's draft is stored under its internal id, invisible to others.
func TestDraftIsScopedToItsTenant(t *testing.T) {
	svc := blocksvc.New(&fakeRuntime{})
	sc := scoped{svc}
	acme := WithPrincipal(context.Background(), auth.Principal{Tenant: "acme"})
	if err := sc.Save(acme, blocksvc.Block{ID: "d", Code: isolate.Code{HTML: "<p>x</p>"}}); err != nil {
		t.Fatal(err)
	}
	all, _ := svc.List(context.Background())
	if len(all) != 1 || all[0].ID != "acme.d" {
		t.Fatalf("stored as %+v; want the internal id acme.d", all)
	}
	other := WithPrincipal(context.Background(), auth.Principal{Tenant: "other"})
	if mine, _ := sc.List(other); len(mine) != 0 {
		t.Fatalf("another tenant lists %+v", mine)
	}
	if err := sc.Save(context.Background(), blocksvc.Block{ID: "d"}); !errors.Is(err, errNoPrincipal) {
		t.Fatalf("save without a principal: %v", err)
	}
}
