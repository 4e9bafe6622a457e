package engine

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// Native Array loops over a huge sparse length end at the deadline.
func TestArrayGuardStopsAtDeadline(t *testing.T) {
	for _, js := range []string{
		"const a = []; a.length = 2 ** 32 - 1; a.join('')",
		"const a = []; a.length = 2**32 - 1; a.indexOf(1)",
		"const a = []; a.length = 4294967295; a.fill(0)",
		"const a = new Array(2 ** 32 - 1); a.forEach(x => x)",
		"const a = []; a.length = Math.pow(2, 32) - 1; a.concat([1])",
		"Array.prototype.includes.call({ length: Number.MAX_SAFE_INTEGER }, 1)",
		"Array.from({ length: 2 ** 32 })",
		"const a = []; a.length = 65536 * 65536 - 1; a.join('')",
		"const a = []; a.length = DATA.n; a.indexOf(1)",
		"Array.prototype.join.call({ length: DATA.n }, '')",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		done := make(chan Result, 1)
		go func() { done <- Execute(ctx, Block{JavaScript: js, Data: []byte(`{"n": 4294967295}`)}, Options{}) }()
		select {
		case r := <-done:
			if !r.TimedOut {
				t.Errorf("%s: timedOut false, error %+v", js, r.Error)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still running 5 s after a 200 ms deadline", js)
		}
		cancel()
	}
}

// With the guard loaded, ordinary arrays behave as before.
func TestArrayGuardKeepsResults(t *testing.T) {
	js := `const big = 2 ** 10; const a = [3, 1, 2];
		console.log(a.join('-'), a.indexOf(2), a.map(x => x * 2).join(), [0, 0].fill(7).join(), a.concat([4]).length,
			a.slice().sort().join(), a.toString(), Array.from('ab').join(), a.reverse() === a, Array.prototype.join.name, big)`
	if !needsArrayGuard(js) {
		t.Fatal("the guard is not loaded for this source")
	}
	r := execute(t, Block{JavaScript: js}, Options{})
	if want := logs("log:3-1-2 2 6,2,4 7,7 4 1,2,3 3,1,2 a,b true join 1024"); r.Error != nil || !reflect.DeepEqual(r.Logs, want) {
		t.Errorf("logs %q error %+v, want %q", r.Logs, r.Error, want)
	}
	if needsArrayGuard("const xs = [1, 2]; for (let i = 0; i < xs.length; i++) console.log(xs[i] * 1000)") {
		t.Error("an ordinary block loads the guard")
	}
}
