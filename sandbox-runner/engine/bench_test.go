package engine

import (
	"context"
	"testing"
	"time"
)

func loadBench(tb testing.TB, name string) Block {
	tb.Helper()
	blocks, err := LoadBenchBlocks("testdata/bench-blocks")
	if err != nil {
		tb.Fatal(err)
	}
	b, ok := blocks[name]
	if !ok {
		tb.Fatalf("bench block %q missing", name)
	}
	return b
}

func benchmarkBlock(b *testing.B, name string) {
	blk := loadBench(b, name)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if r := Execute(ctx, blk, Options{}); r.Error != nil || r.TimedOut {
			b.Fatalf("execute: %+v", r)
		}
	}
}

// BenchmarkExecuteText is the in-process floor for the one-line block.
func BenchmarkExecuteText(b *testing.B) { benchmarkBlock(b, "text") }

// BenchmarkExecuteList100 is the in-process floor for the 100-<li> block.
func BenchmarkExecuteList100(b *testing.B) { benchmarkBlock(b, "list100") }
