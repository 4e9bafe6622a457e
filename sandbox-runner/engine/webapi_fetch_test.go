package engine

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// fetchHost answers like the supervisor's host service: a status, a
// Content-Type and a body, or a refusal (the allowlist).
type fetchHost struct {
	memHost
	urls []string
}

func (h *fetchHost) Fetch(_ context.Context, url string) (int, string, []byte, error) {
	h.mu.Lock()
	h.urls = append(h.urls, url)
	h.mu.Unlock()
	switch {
	case strings.HasSuffix(url, "/stats.json"):
		return 200, "application/json", []byte(`[{"label":"Visitors","value":1200}]`), nil
	case strings.HasSuffix(url, "/missing"):
		return 404, "text/plain; charset=utf-8", []byte("404 page not found\n"), nil
	}
	return 0, "", nil, errors.New("https://evil.example:443 is not on FETCH_ALLOWLIST")
}

func TestFetch(t *testing.T) {
	h := &fetchHost{}
	js := `
		(async () => {
			const r = await fetch('/api/stats.json');
			console.log(r.ok, r.status, r.statusText, r.url, r.headers.get('Content-Type'), r.type, r.bodyUsed);
			const c = r.clone();
			console.log(JSON.stringify(await r.json()), r.bodyUsed, (await c.text()).length);
			try { await r.text() } catch (e) { console.log(e.name + ': ' + e.message) }
			const m = await fetch(new URL('https://api.example.com/missing'));
			console.log(m.ok, m.status, m.statusText, await m.text());
			try { await fetch('https://evil.example/x') } catch (e) { console.log(e instanceof TypeError, e.message) }
			try { await fetch('/api', { method: 'POST', body: '{}' }) } catch (e) { console.log(e.name + ': ' + e.message) }
			try { await fetch('http://[') } catch (e) { console.log(e.message) }
			const own = new Response('{"a":1}', { status: 201, headers: { 'X-A': ' b ' } });
			console.log(own.status, own.headers.get('x-a'), own.headers.get('content-type'), (await own.json()).a);
			const hs = new Headers([['b', '2'], ['A', '1']]); hs.append('a', '3');
			console.log([...hs].map(p => p.join('=')).join('&'), hs.has('B'), hs.get('nope'));
			console.log(Object.prototype.toString.call(r), typeof fetch, fetch.name);
		})();`
	r := execute(t, Block{JavaScript: js}, Options{Host: h})
	if r.Error != nil {
		t.Fatalf("error %+v; logs %q", r.Error, r.Logs)
	}
	want := logs(
		"log:true 200 OK https://block.symposium.local/api/stats.json application/json basic false",
		`log:[{"label":"Visitors","value":1200}] true 35`,
		"log:TypeError: Failed to execute 'text' on 'Response': body stream already read",
		"log:false 404 Not Found 404 page not found\n",
		"log:true Failed to fetch",
		"log:TypeError: Failed to execute 'fetch' on 'Window': method POST is not supported on a server render; only GET requests reach the host",
		"log:Failed to execute 'fetch' on 'Window': Failed to parse URL from http://[",
		"log:201 b text/plain;charset=UTF-8 1",
		"log:a=1, 3&b=2 true null",
		"log:[object Response] function fetch",
	)
	if !reflect.DeepEqual(r.Logs, want) {
		t.Errorf("logs:\n%q\nwant\n%q", r.Logs, want)
	}
	wantURLs := []string{"https://block.symposium.local/api/stats.json", "https://api.example.com/missing", "https://evil.example/x"}
	if !reflect.DeepEqual(h.urls, wantURLs) {
		t.Errorf("host saw %q, want %q (the POST must not reach it)", h.urls, wantURLs)
	}
	for _, n := range []string{"fetch(https://evil.example/x) failed", "method POST was refused"} {
		if !slices.ContainsFunc(r.Notices, func(s string) bool { return strings.Contains(s, n) }) {
			t.Errorf("notices %q lack %q", r.Notices, n)
		}
	}
}

// Without a host, fetch rejects as a browser does offline, so the block's
// fallback renders, and a notice says why.
func TestFetchWithoutHost(t *testing.T) {
	js := `fetch('/api/stats.json').then(r => r.json()).then(rows => { document.body.textContent = 'api' })
		.catch(err => { document.body.textContent = 'fallback: ' + err.name + ': ' + err.message })`
	r := execute(t, Block{JavaScript: js}, Options{})
	if r.Error != nil || r.HTML != "fallback: TypeError: Failed to fetch" {
		t.Fatalf("HTML %q error %+v", r.HTML, r.Error)
	}
	if len(r.Notices) != 1 || !strings.Contains(r.Notices[0], ErrHostUnavailable.Error()) {
		t.Errorf("notices %q", r.Notices)
	}
	r = execute(t, Block{JavaScript: `fetch('/x')`}, Options{})
	if r.Error == nil || r.Error.Message != "Uncaught (in promise) TypeError: Failed to fetch" {
		t.Errorf("an unhandled fetch rejection: %+v", r.Error)
	}
}

// The global scope's names are shared by executions: one that adds or
// deletes a global copies them first, so the next one sees them whole.
func TestGlobalNamesCopyOnWrite(t *testing.T) {
	globalNames.once.Do(buildGlobalNames)
	before := slices.Clone(globalNames.names)
	scope := func() *lazyObject {
		return &lazyObject{names: globalNames.names, index: globalNames.index, vals: map[string]goja.Value{},
			build: func(string) goja.Value { return goja.Undefined() }}
	}
	a := scope()
	a.Delete("fetch")
	a.Set("mine", goja.Undefined())
	if a.Has("fetch") || !a.Has("mine") || slices.Contains(a.Keys(), "fetch") {
		t.Errorf("the changed scope: has fetch %v, has mine %v", a.Has("fetch"), a.Has("mine"))
	}
	b := scope()
	if !b.Has("fetch") || b.Has("mine") || !slices.Equal(globalNames.names, before) || !slices.Equal(b.Keys(), before) {
		t.Error("a change to one execution's globals leaked into the shared list")
	}
	if !slices.Contains(before, "fetch") || !slices.Contains(before, "document") {
		t.Errorf("shared names lack fetch or document: %q", before)
	}
}
