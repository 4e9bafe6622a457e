package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func execute(t *testing.T, b Block, opts Options) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return Execute(ctx, b, opts)
}

func logs(entries ...string) []LogEntry {
	var out []LogEntry
	for _, e := range entries {
		level, msg, _ := strings.Cut(e, ":")
		out = append(out, LogEntry{Level: level, Message: msg})
	}
	return out
}

func TestBenchBlocksOutput(t *testing.T) {
	var items strings.Builder
	for i := range 100 {
		fmt.Fprintf(&items, `<li class="item">item %d</li>`, i)
	}
	tests := []struct {
		name, html string
		logs       []LogEntry
	}{
		{"text", `<div id="x">hi</div>`, logs("log:set hi")},
		{"list100", `<h1>List</h1><ul id="list">` + items.String() + `</ul>`, logs("log:items 100", "log:{ok: true, n: 100}")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := loadBench(t, tt.name)
			r := execute(t, b, Options{})
			if r.Error != nil || r.TimedOut {
				t.Fatalf("error %+v timedOut %v", r.Error, r.TimedOut)
			}
			if r.HTML != tt.html {
				t.Errorf("HTML = %q\nwant %q", r.HTML, tt.html)
			}
			if !reflect.DeepEqual(r.Logs, tt.logs) {
				t.Errorf("logs = %q, want %q", r.Logs, tt.logs)
			}
			if r.CSS != b.CSS {
				t.Errorf("CSS = %q, want %q", r.CSS, b.CSS)
			}
		})
	}
}

func TestConsole(t *testing.T) {
	tests := []struct{ js, want string }{
		{`console.log('a', 1, true, null, undefined)`, "log:a 1 true null undefined"},
		{`console.info({ok: true, n: 100})`, "info:{ok: true, n: 100}"},
		{`console.warn([1, 'two', [3, {x: null}]])`, "warn:(3) [1, 'two', Array(2)]"},
		{`console.error({'a-b': {c: {d: {e: 1}}}})`, "error:{'a-b': {…}}"},
		{`console.debug({}, [], '')`, "debug:{} [] "},
		{`console.log(function foo() {}, () => 1)`, "log:ƒ foo() {} () => 1"},
		{`const o = {name: 'o'}; o.self = o; console.log(o)`, "log:{name: 'o', self: {…}}"},
		{`console.log(new TypeError('bad'), [new Error('in')])`, "log:TypeError: bad [Error: in]"},
		{`console.log('%s has %d items (%i%%) %f %o%c!', 'cart', 3.5, 42.9, 1.5, {a: 1}, 'color: red', 'extra')`, `log:cart has 3 items (42%) 1.5 {a: 1}! extra`},
		{`class P { constructor() { this.x = 1 } }; console.log(new P())`, "log:P {x: 1}"},
		{`console.log(setTimeout, document.body.appendChild, document.body.classList.add)`, "log:ƒ setTimeout() { [native code] } ƒ appendChild() { [native code] } ƒ add() { [native code] }"},
		{`console.log = (...a) => console.info('wrapped', ...a); console.log('x')`, "info:wrapped x"},
		{`console.log(new Date(0).toISOString(), /a+/g)`, "log:1970-01-01T00:00:00.000Z /a+/g"},
		{`console.log(Promise.resolve(4), -0, 10n)`, "log:Promise {'[[PromiseState]]': 'fulfilled', '[[PromiseResult]]': 4} -0 10n"},
		{`console.log(document.getElementById('a'), document.querySelectorAll('p'))`, `log:p#a NodeList [p#a]`},
		{`console.log('it\'s\n')`, "log:it's\n"},
		{`console.log(["it's"])`, `log:["it's"]`},
		{`console.log(Array.from({length: 102}, (_, i) => i).length, Array(101).fill(0))`, "log:102 (101) [" + strings.Repeat("0, ", 100)[:298] + ", …]"},
	}
	for _, tt := range tests {
		t.Run(tt.js, func(t *testing.T) {
			r := execute(t, Block{HTML: `<p id="a">x</p>`, JavaScript: tt.js}, Options{})
			if r.Error != nil {
				t.Fatalf("error: %+v", r.Error)
			}
			if want := logs(tt.want); !reflect.DeepEqual(r.Logs, want) {
				t.Errorf("logs = %q, want %q", r.Logs, want)
			}
		})
	}
}

func TestEventLoop(t *testing.T) {
	tests := []struct {
		name, js string
		logs     []LogEntry
	}{
		{"microtasks before timers, timers by delay", `
			setTimeout(() => console.log('t10'), 10);
			setTimeout(() => console.log('t0'), 0);
			setTimeout(() => console.log('t5'), 5);
			setTimeout(() => console.log('t0b'), 0);
			Promise.resolve().then(() => console.log('p1')).then(() => console.log('p2'));
			queueMicrotask(() => console.log('m'));
			console.log('sync');`,
			logs("log:sync", "log:p1", "log:m", "log:p2", "log:t0", "log:t0b", "log:t5", "log:t10")},
		{"microtasks run between timers", `
			setTimeout(() => { console.log('a'); Promise.resolve().then(() => console.log('a-micro')) }, 1);
			setTimeout(() => console.log('b'), 1);`,
			logs("log:a", "log:a-micro", "log:b")},
		{"nested timers and virtual clock", `
			const t0 = Date.now();
			setTimeout(() => {
				console.log('outer', Date.now() - t0);
				setTimeout(() => console.log('inner', Date.now() - t0), 500);
			}, 1000);
			setTimeout(() => console.log('mid', Date.now() - t0), 1200);`,
			logs("log:outer 1000", "log:mid 1200", "log:inner 1500")},
		{"interval cleared and arguments", `
			let n = 0;
			const id = setInterval((tag) => { n++; console.log(tag, n); if (n === 3) clearInterval(id) }, 100, 'tick');
			const gone = setTimeout(() => console.log('never'), 50);
			clearTimeout(gone);`,
			logs("log:tick 1", "log:tick 2", "log:tick 3")},
		{"async await with timers", `
			const sleep = ms => new Promise(r => setTimeout(r, ms));
			(async () => {
				console.log('start');
				await sleep(2000);
				console.log('after sleep');
				document.body.innerHTML = '<b>done</b>';
			})();`,
			logs("log:start", "log:after sleep")},
		{"top-level await", `await null; console.log('awaited'); const v = await Promise.resolve(5); console.log(v)`,
			logs("log:awaited", "log:5")},
		{"handled rejection is not an error", `Promise.reject(new Error('x')).catch(e => console.log('caught', e.message))`,
			logs("log:caught x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execute(t, Block{JavaScript: tt.js}, Options{})
			if r.Error != nil || r.TimedOut {
				t.Fatalf("error %+v timedOut %v", r.Error, r.TimedOut)
			}
			if !reflect.DeepEqual(r.Logs, tt.logs) {
				t.Errorf("logs = %q\nwant %q", r.Logs, tt.logs)
			}
		})
	}
}

func TestEventLoopBounds(t *testing.T) {
	t.Run("never-cleared interval stops at the callback limit", func(t *testing.T) {
		r := execute(t, Block{JavaScript: `let n = 0; setInterval(() => { n++; document.body.textContent = n }, 1)`}, Options{})
		if r.Error != nil || r.TimedOut {
			t.Fatalf("error %+v timedOut %v", r.Error, r.TimedOut)
		}
		if r.HTML != fmt.Sprint(MaxTimerCallbacks) {
			t.Errorf("callbacks run = %s, want %d", r.HTML, MaxTimerCallbacks)
		}
		if len(r.Logs) != 0 || len(r.Notices) != 1 || !strings.Contains(r.Notices[0], "1 pending timer(s) dropped") {
			t.Errorf("logs = %q, notices = %q, want one drop notice", r.Logs, r.Notices)
		}
	})
	t.Run("timers beyond the virtual horizon are dropped", func(t *testing.T) {
		r := execute(t, Block{JavaScript: `setTimeout(() => console.log('soon'), 59000); setTimeout(() => console.log('late'), 61000)`}, Options{})
		if len(r.Logs) != 1 || r.Logs[0] != (LogEntry{"log", "soon"}) || len(r.Notices) != 1 {
			t.Errorf("logs = %q, notices = %q", r.Logs, r.Notices)
		}
	})
}

func TestTimeout(t *testing.T) {
	for name, js := range map[string]string{
		"while(true)":             `document.body.textContent = 'partial'; while (true) {}`,
		"await loop":              `document.body.textContent = 'partial'; (async () => { for (;;) { await null } })()`,
		"busy timer":              `document.body.textContent = 'partial'; setTimeout(() => { for (;;) {} }, 10)`,
		"try/finally can't catch": `document.body.textContent = 'partial'; for (;;) { try { while (true) {} } catch (e) {} finally { continue } }`,
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			r := Execute(ctx, Block{HTML: `<p>x</p>`, JavaScript: js}, Options{})
			if !r.TimedOut || r.Error != nil {
				t.Fatalf("timedOut %v error %+v, want timeout only", r.TimedOut, r.Error)
			}
			if r.HTML != "partial" {
				t.Errorf("HTML = %q, want the DOM as the script left it", r.HTML)
			}
		})
	}
	t.Run("cancelled before start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := Execute(ctx, Block{HTML: `<p>x</p>`, JavaScript: `document.body.textContent = 'ran'`}, Options{})
		if !r.TimedOut || r.HTML != "<p>x</p>" {
			t.Errorf("timedOut %v HTML %q, want untouched document and timeout", r.TimedOut, r.HTML)
		}
	})
}

func TestScriptErrors(t *testing.T) {
	tests := []struct {
		name, js, msg, stack string
		logs                 []LogEntry
	}{
		{"type error", "const x = 1;\nconsole.log('before');\nx();", "TypeError: Value is not an object: 1", "block.js:3:", logs("log:before")},
		{"thrown error keeps its stack", "function f() { throw new RangeError('deep') }\nf()", "RangeError: deep", "at f (block.js:1:", nil},
		{"thrown string", `throw 'boom'`, "boom", "block.js:1:", nil},
		{"thrown object", `throw {code: 7}`, "{code: 7}", "block.js:1:", nil},
		{"syntax error", `let = ;`, "SyntaxError: ", "block.js:1:", nil},
		{"reference error", `nope.x`, "ReferenceError: nope is not defined", "block.js:1:", nil},
		{"unhandled rejection", `Promise.reject(new Error('nope'))`, "Uncaught (in promise) Error: nope", "block.js:1:", nil},
		{"async throw", `(async () => { await null; undefined.x })()`, "Uncaught (in promise) TypeError: Cannot read property 'x' of undefined", "block.js:1:", nil},
		{"error in timer stops the loop", `setTimeout(() => { throw new Error('in timer') }, 5); setTimeout(() => console.log('never'), 10)`, "Error: in timer", "block.js:1:", nil},
		{"stack overflow", `function r() { return r() + 1 } r()`, "RangeError: Maximum call stack size exceeded", "block.js:1:", nil},
		{"timer callback must be a function", `setTimeout('alert(1)', 1)`, "TypeError: The \"callback\" argument must be of type function", "block.js:1:", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execute(t, Block{HTML: "<p>x</p>", JavaScript: tt.js}, Options{})
			if r.Error == nil {
				t.Fatalf("no error; logs %q", r.Logs)
			}
			if !strings.HasPrefix(r.Error.Message, tt.msg) {
				t.Errorf("message = %q, want prefix %q", r.Error.Message, tt.msg)
			}
			if !strings.Contains(r.Error.Stack, tt.stack) {
				t.Errorf("stack = %q, want it to contain %q", r.Error.Stack, tt.stack)
			}
			if !reflect.DeepEqual(r.Logs, tt.logs) {
				t.Errorf("logs = %q, want %q", r.Logs, tt.logs)
			}
			if r.HTML != "<p>x</p>" || r.TimedOut {
				t.Errorf("HTML %q timedOut %v", r.HTML, r.TimedOut)
			}
		})
	}
}

func TestData(t *testing.T) {
	const js = `console.log(DATA === null ? 'null' : JSON.stringify(DATA))`
	tests := []struct {
		data []byte
		want string
	}{
		{nil, "null"},
		{[]byte(`{"title":"Hi","items":[1,2.5,"x",true,null],"nested":{"k":"v"}}`), `{"title":"Hi","items":[1,2.5,"x",true,null],"nested":{"k":"v"}}`},
		{[]byte(`[1]`), `[1]`},
	}
	for _, tt := range tests {
		r := execute(t, Block{JavaScript: js, Data: tt.data}, Options{})
		if r.Error != nil || !reflect.DeepEqual(r.Logs, logs("log:"+tt.want)) {
			t.Errorf("DATA %s: error %+v logs %q", tt.data, r.Error, r.Logs)
		}
	}
	r := execute(t, Block{JavaScript: js, Data: []byte(`{bad`)}, Options{})
	if r.Error == nil || !strings.Contains(r.Error.Message, "DATA") || len(r.Logs) != 0 {
		t.Errorf("invalid DATA: error %+v logs %q, want a DATA error and no run", r.Error, r.Logs)
	}
}

// memHost stands in for the supervisor's host service.
type memHost struct {
	mu      sync.Mutex
	data    map[string]string
	fetches []string
	inUse   int // concurrent Fetch calls, to show calls overlap
	maxUse  int
}

func (h *memHost) SaveData(_ context.Context, key string, v []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if key == "" {
		return errors.New("empty key")
	}
	h.data[key] = string(v)
	return nil
}

func (h *memHost) GetData(_ context.Context, key string) ([]byte, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.data[key]
	return []byte(v), ok, nil
}

func (h *memHost) DeleteData(_ context.Context, key string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.data, key)
	return nil
}

func (h *memHost) Fetch(ctx context.Context, url string) (int, string, []byte, error) {
	h.mu.Lock()
	h.fetches = append(h.fetches, url)
	h.inUse++
	h.maxUse = max(h.maxUse, h.inUse)
	h.mu.Unlock()
	defer func() { h.mu.Lock(); h.inUse--; h.mu.Unlock() }()
	if url == "slow" {
		<-ctx.Done()
		return 0, "", nil, ctx.Err()
	}
	if url == "bad" {
		return 0, "", nil, errors.New("blocked by policy")
	}
	time.Sleep(20 * time.Millisecond) // long enough for parallel calls to overlap
	return 200, "application/json", []byte(`{"url":"` + url + `"}`), nil
}

func TestHost(t *testing.T) {
	h := &memHost{data: map[string]string{"pre": `{"n":1}`}}
	js := `
		(async () => {
			await symposium.saveData('k', {a: [1, 'b']});
			console.log('saved', await symposium.getData('k'));
			console.log('alias', (await demoAPI.getData('pre')).n);
			await symposium.deleteData('k');
			console.log('deleted', await symposium.getData('k'));
			const [r1, r2] = await Promise.all([symposium.fetch('u1'), symposium.fetch('u2')]);
			console.log(r1.status, r1.ok, r1.contentType, (await r1.json()).url, await r2.text());
			try { await symposium.fetch('bad') } catch (e) { console.log('fetch failed:', e.message) }
			try { await symposium.saveData('x', undefined) } catch (e) { console.log('save failed:', e.message) }
			document.body.textContent = 'ok';
		})();`
	r := execute(t, Block{JavaScript: js}, Options{Host: h})
	if r.Error != nil || r.TimedOut {
		t.Fatalf("error %+v timedOut %v; logs %q", r.Error, r.TimedOut, r.Logs)
	}
	want := logs(
		"log:saved {a: Array(2)}",
		"log:alias 1",
		"log:deleted null",
		`log:200 true application/json u1 {"url":"u2"}`,
		"log:fetch failed: symposium.fetch: blocked by policy",
		"log:save failed: symposium.saveData: value is not JSON-serializable",
	)
	if !reflect.DeepEqual(r.Logs, want) {
		t.Errorf("logs = %q\nwant %q", r.Logs, want)
	}
	if r.HTML != "ok" {
		t.Errorf("HTML = %q", r.HTML)
	}
	if _, ok := h.data["k"]; ok {
		t.Error("deleteData left the key in the host")
	}
	if h.maxUse < 2 {
		t.Errorf("max concurrent fetches = %d, want Promise.all calls to overlap", h.maxUse)
	}

	t.Run("no host", func(t *testing.T) {
		r := execute(t, Block{JavaScript: `symposium.getData('k').catch(e => console.log(e.message))`}, Options{})
		if want := logs("log:symposium.getData: " + ErrHostUnavailable.Error()); !reflect.DeepEqual(r.Logs, want) || r.Error != nil {
			t.Errorf("logs %q error %+v, want %q", r.Logs, r.Error, want)
		}
	})
	t.Run("deadline while waiting on the host", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r := Execute(ctx, Block{JavaScript: `symposium.fetch('slow').then(() => console.log('never'))`}, Options{Host: h})
		if !r.TimedOut || len(r.Logs) != 0 {
			t.Errorf("timedOut %v logs %q", r.TimedOut, r.Logs)
		}
	})
}

func TestIsolation(t *testing.T) {
	r := execute(t, Block{JavaScript: `globalThis.leak = 1; var v = 2; Array.prototype.evil = 3; document.body.dataset.x = 'y'`}, Options{})
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	r = execute(t, Block{JavaScript: `console.log(typeof leak, typeof v, [].evil, document.body.dataset.x, window === globalThis, window.document === document)`}, Options{})
	if want := logs("log:undefined undefined undefined undefined true true"); !reflect.DeepEqual(r.Logs, want) {
		t.Errorf("logs = %q, want %q", r.Logs, want)
	}
}

func TestOutputCaps(t *testing.T) {
	t.Run("entries", func(t *testing.T) {
		r := execute(t, Block{JavaScript: `for (let i = 0; i < 100; i++) console.log(i)`}, Options{MaxLogEntries: 5})
		if len(r.Logs) != 6 || r.Logs[4].Message != "4" || r.Logs[5].Level != "warn" || !strings.Contains(r.Logs[5].Message, "truncated") {
			t.Errorf("logs = %q", r.Logs)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		r := execute(t, Block{JavaScript: `for (let i = 0; i < 100; i++) console.log('x'.repeat(10))`}, Options{MaxLogBytes: 35})
		if len(r.Logs) != 4 || r.Logs[2].Message != strings.Repeat("x", 10) || !strings.Contains(r.Logs[3].Message, "truncated") {
			t.Errorf("logs = %q", r.Logs)
		}
	})
	t.Run("default entry limit", func(t *testing.T) {
		r := execute(t, Block{JavaScript: `for (let i = 0; i < 5000; i++) console.log(i)`}, Options{})
		if len(r.Logs) != defaultMaxLogEntries+1 {
			t.Errorf("len(logs) = %d, want %d", len(r.Logs), defaultMaxLogEntries+1)
		}
	})
	t.Run("html", func(t *testing.T) {
		r := execute(t, Block{JavaScript: `document.body.textContent = 'x'.repeat(9 * 1024 * 1024)`}, Options{})
		if r.Error == nil || !strings.Contains(r.Error.Message, ErrHTMLTooLarge.Error()) || r.HTML != "" {
			t.Errorf("error %+v len(HTML) %d, want a too-large error and no HTML", r.Error, len(r.HTML))
		}
	})
}

func TestProgramCache(t *testing.T) {
	src := fmt.Sprintf("console.log(%d)", time.Now().UnixNano())
	p1, err := compile(src)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := compile(src)
	if err != nil || p1 != p2 {
		t.Errorf("second compile returned %p (%v), want cached %p", p2, err, p1)
	}
}
