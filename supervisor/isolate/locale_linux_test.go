package isolate

import "testing"

// TestBlockLocaleReachesTheRunner: BLOCK_LOCALE and BLOCK_TIME_ZONE travel
// with every execution to the confined runner, whose Intl uses them as the
// defaults (the runner has no environment of its own).
func TestBlockLocaleReachesTheRunner(t *testing.T) {
	env := newTestManager(t, Config{PoolSize: 1, Locale: "de-DE", TimeZone: "Europe/Berlin"})
	res := env.exec(t, "locale", `console.log(new Intl.NumberFormat().format(1234.5), (1234.5).toLocaleString(),
  new Date(Date.UTC(2024, 6, 1, 12)).toLocaleTimeString(), Intl.DateTimeFormat().resolvedOptions().timeZone)`)
	if res.Kind != KindOK || len(res.Logs) != 1 {
		t.Fatalf("kind %s: %s %+v", res.Kind, res.Message, res.Logs)
	}
	if want := "1.234,5 1.234,5 14:00:00 Europe/Berlin"; res.Logs[0].Message != want {
		t.Fatalf("got %q, want %q", res.Logs[0].Message, want)
	}
}
