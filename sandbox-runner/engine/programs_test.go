package engine

import (
	"reflect"
	"strings"
	"testing"
)

func TestLoweredSyntax(t *testing.T) {
	tests := []struct {
		name, js string
		logs     []LogEntry
	}{
		{"async generator and for await", `
async function* count(n) { for (let i = 0; i < n; i++) { await null; yield i } }
(async () => { const out = []; for await (const v of count(3)) out.push(v); console.log(out.join(',')) })()`,
			logs("log:0,1,2")},
		{"for await at top level", `
const sleep = ms => new Promise(r => setTimeout(r, ms));
async function* ticks() { yield 1; await sleep(10); yield 2 }
for await (const t of ticks()) console.log('tick', t)
console.log('done')`,
			logs("log:tick 1", "log:tick 2", "log:done")},
		{"for await over an array of promises", `for await (const v of [Promise.resolve('a'), 'b']) console.log(v)`, logs("log:a", "log:b")},
		{"using declaration", `{ using r = { [Symbol.dispose || Symbol.for('Symbol.dispose')]() { console.log('disposed') } }; console.log('in') }`,
			logs("log:in", "log:disposed")},
		{"top-level await keeps working", `const v = await Promise.resolve(2); console.log(v * 2)`, logs("log:4")},
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

// Positions in a lowered script are the author's, through esbuild's source map.
func TestLoweredPositions(t *testing.T) {
	tests := []struct{ name, js, stack string }{
		{"lowered script", "async function* g() { yield 1 }\nconst a = 1;\n  nope.x", "block.js:3:3"},
		{"lowered with top-level await", "async function* g() { yield 1 }\nfor await (const x of g()) {}\n\n    missing()", "block.js:4:5"},
		{"top-level await only", "await null;\n\n  undefinedFn()", "block.js:3:3"},
		{"plain script", "const a = 1;\n  nope.x", "block.js:2:3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execute(t, Block{JavaScript: tt.js}, Options{})
			if r.Error == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(r.Error.Stack, tt.stack) {
				t.Errorf("stack %q does not contain %q", r.Error.Stack, tt.stack)
			}
			if pcSuffix.MatchString(r.Error.Stack) {
				t.Errorf("stack %q carries a program counter", r.Error.Stack)
			}
		})
	}
}

func TestVLQRoundTrip(t *testing.T) {
	for _, f := range [][]int{{0, 0, 0, 0}, {5, -1, 17, -300, 2}, {1 << 20, 0, -1, 31, 32}} {
		got, ok := decodeVLQ(encodeVLQ(f))
		if !ok || !reflect.DeepEqual(got, f) {
			t.Errorf("round trip of %v = %v, %v", f, got, ok)
		}
	}
}

func TestStacksHideEngineFrames(t *testing.T) {
	r := execute(t, Block{JavaScript: "function make() {\n  return new URL('not a url')\n}\nmake()"}, Options{})
	if r.Error == nil {
		t.Fatal("no error")
	}
	want := "TypeError: Failed to construct 'URL': Invalid URL\n\tat make (block.js:2:10)\n\tat block.js:4:5\n"
	if r.Error.Stack != want {
		t.Errorf("stack = %q\nwant    %q", r.Error.Stack, want)
	}
}
