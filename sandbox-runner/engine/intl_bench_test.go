package engine

import (
	"context"
	"testing"
	"time"

	"github.com/dop251/goja"
)

func benchScript(b *testing.B, js string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	blk := Block{JavaScript: js}
	if r := Execute(ctx, blk, Options{}); r.Error != nil {
		b.Fatalf("execute: %+v", r.Error)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if r := Execute(ctx, blk, Options{}); r.Error != nil || r.TimedOut {
			b.Fatalf("execute: %+v", r)
		}
	}
}

// BenchmarkIntlFirstUse is an execution whose script makes its first Intl
// call (a currency NumberFormat and a DateTimeFormat); the difference to
// BenchmarkIntlBaseline is what first Intl use costs an execution once the
// runner process has decoded the locale.
func BenchmarkIntlFirstUse(b *testing.B) {
	benchScript(b, `var s = new Intl.NumberFormat('de-DE', {style: 'currency', currency: 'EUR'}).format(1234.5) +
  new Intl.DateTimeFormat('de-DE', {dateStyle: 'medium', timeZone: 'Europe/Berlin'}).format(0)`)
}

// BenchmarkIntlFirstNumberFormat is the same with only a NumberFormat.
func BenchmarkIntlFirstNumberFormat(b *testing.B) {
	benchScript(b, `var s = new Intl.NumberFormat('de-DE', {style: 'currency', currency: 'EUR'}).format(1234.5)`)
}

// BenchmarkIntlToLocaleString is a first toLocaleString with options.
func BenchmarkIntlToLocaleString(b *testing.B) {
	benchScript(b, `var s = (1234.5).toLocaleString('en-US', {style: 'currency', currency: 'USD'})`)
}

// BenchmarkIntlBaseline is the same execution without Intl.
func BenchmarkIntlBaseline(b *testing.B) {
	benchScript(b, `var s = (1234.5).toFixed(2) + new Date(0).getTime()`)
}

// BenchmarkIntlLocaleMethodsInstall is what every execution pays for the
// toLocale*/localeCompare overrides, Intl used or not.
func BenchmarkIntlLocaleMethodsInstall(b *testing.B) {
	ex := &execution{rt: goja.New()}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		ex.installLocaleMethods("x.toLocaleString()")
	}
}

// reportCPU adds the process CPU time per op as the cpu-ns/op metric.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() { b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op") }
}
