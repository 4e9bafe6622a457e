package intl

import "testing"

// BenchmarkIntlColdNumberFormat is a process's first NumberFormat in a
// locale: the supplemental data and the locale's number section decoded.
func BenchmarkIntlColdNumberFormat(b *testing.B) {
	defer reportCPU(b)()
	for b.Loop() {
		resetCaches()
		nf, err := NewNumberFormat([]string{"de-DE"}, NoOpts{}, "en-US")
		if err != nil {
			b.Fatal(err)
		}
		_ = nf.Format(Number{F: 1234.5})
	}
}

// BenchmarkIntlWarmNumberFormat is a NumberFormat once the process has
// decoded the locale (every later execution).
func BenchmarkIntlWarmNumberFormat(b *testing.B) {
	defer reportCPU(b)()
	for b.Loop() {
		nf, err := NewNumberFormat([]string{"de-DE"}, NoOpts{}, "en-US")
		if err != nil {
			b.Fatal(err)
		}
		_ = nf.Format(Number{F: 1234.5})
	}
}

// BenchmarkIntlColdDateTimeFormat is a process's first DateTimeFormat.
func BenchmarkIntlColdDateTimeFormat(b *testing.B) {
	defer reportCPU(b)()
	for b.Loop() {
		resetCaches()
		df, err := NewDateTimeFormat([]string{"de-DE"}, mapOpts{"dateStyle": "medium", "timeStyle": "short"}, "en-US", "Europe/Berlin", "any", "date")
		if err != nil {
			b.Fatal(err)
		}
		_ = df.Format(1.7e12)
	}
}

// BenchmarkIntlWarmDateTimeFormat is a DateTimeFormat with warm caches.
func BenchmarkIntlWarmDateTimeFormat(b *testing.B) {
	defer reportCPU(b)()
	for b.Loop() {
		df, err := NewDateTimeFormat([]string{"de-DE"}, mapOpts{"weekday": "long", "month": "long", "day": "numeric"}, "en-US", "Europe/Berlin", "any", "date")
		if err != nil {
			b.Fatal(err)
		}
		_ = df.Format(1.7e12)
	}
}

// reportCPU adds the process CPU time per op as the cpu-ns/op metric.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() { b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op") }
}
