package isolate

import "testing"

// TestLoweredBlockRunsConfined: a block with syntax goja lacks goes through
// esbuild inside the confined runner. esbuild asks whether stderr is a
// terminal (ioctl) on every Transform; the seccomp policy answers ENOTTY
// instead of killing, and the web APIs a block reaches need no syscall the
// policy forbids.
func TestLoweredBlockRunsConfined(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1})
	res := env.exec(t, "lowered", `async function* g() { yield 'a'; yield 'b' } for await (const v of g()) console.log(v);
console.log(Object.groupBy([1], x => 'k').k.length, new URL('../b', 'https://x.y/a/c').href, btoa('hi'), crypto.randomUUID().length,
  new TextDecoder().decode(new TextEncoder().encode('é')), structuredClone(new Map([[1, 2]])).get(1), localStorage.length);
crypto.subtle.digest('SHA-256', new Uint8Array(1)).then(b => console.log(b.byteLength))`)
	if res.Kind != KindOK {
		t.Fatalf("kind %s: %s", res.Kind, res.Message)
	}
	want := []string{"a", "b", "1 https://x.y/b aGk= 36 é 2 0", "32"}
	if len(res.Logs) != len(want) {
		t.Fatalf("logs = %+v, want %q", res.Logs, want)
	}
	for i, l := range res.Logs {
		if l.Message != want[i] {
			t.Errorf("log %d = %q, want %q", i, l.Message, want[i])
		}
	}
}
