package isolate

import (
	"context"
	"testing"
)

// BenchmarkManagerExecuteWarm is the supervisor-side cost of a warm
// execution without HTTP: gRPC to the confined runner, goja, stats.
func BenchmarkManagerExecuteWarm(b *testing.B) {
	env := newTestManager(b, Config{PoolSize: 1})
	blk := Block{ID: "warm", Code: Code{HTML: `<div id="x">old</div>`, CSS: "#x{color:red}", JavaScript: `document.getElementById('x').textContent = 'hi'; console.log('set', document.getElementById('x').textContent);`}}
	ctx := context.Background()
	if _, err := env.mgr.Execute(ctx, blk); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res, err := env.mgr.Execute(ctx, blk); err != nil || res.Kind != KindOK {
			b.Fatal(err, res.Message)
		}
	}
}
