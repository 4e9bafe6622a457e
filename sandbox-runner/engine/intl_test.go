package engine

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

type intlCase struct{ Expr, Out string }

// knownIntlDifferences are the conformance cases that differ from Node's
// ICU, each with its reason (also listed in the README's Intl section). The
// test fails if one of them starts to match, so the list stays true.
var knownIntlDifferences = map[string]string{
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"EUR","currencyDisplay":"name"}).format(1)`:           trName,
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"GBP","currencyDisplay":"name"}).format(2.5)`:         trName,
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"JPY","currencyDisplay":"name"}).format(0.5)`:         trName,
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"JPY","currencyDisplay":"name"}).format(1)`:           trName,
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"JPY","currencyDisplay":"name"}).format(2)`:           trName,
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"JPY","currencyDisplay":"name"}).format(5)`:           trName,
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"JPY","currencyDisplay":"name"}).format(21)`:          trName,
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"JPY","currencyDisplay":"name"}).format(1500)`:        trName,
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"JPY","currencyDisplay":"name"}).format(-98765.4321)`: trName,
	`new Intl.NumberFormat("tr-TR", {"style":"currency","currency":"USD","currencySign":"accounting"}).format(-42)`: "ICU's " +
		"tr_TR bundle drops tr's accounting pattern (-$42,00); we use CLDR's tr pattern (($42,00)), as ICU does for plain tr",
	`new Intl.DateTimeFormat("ja-JP", {month: 'long', day: 'numeric'}).formatRange(new Date(Date.UTC(2024, 0, 5, 13, 4, 5, 678)), new Date(Date.UTC(2024, 0, 20)))`:                                cjkRange,
	`new Intl.DateTimeFormat("ja-JP", {year: 'numeric', month: 'short', day: 'numeric'}).formatRange(new Date(Date.UTC(2024, 0, 5, 13, 4, 5, 678)), new Date(Date.UTC(2024, 10, 3, 0, 5, 9, 45)))`: cjkRange,
	`new Intl.DateTimeFormat("zh-CN", {month: 'long', day: 'numeric'}).formatRange(new Date(Date.UTC(2024, 0, 5, 13, 4, 5, 678)), new Date(Date.UTC(2024, 0, 20)))`:                                cjkRange,
	`new Intl.DateTimeFormat("zh-CN", {year: 'numeric', month: 'short', day: 'numeric'}).formatRange(new Date(Date.UTC(2024, 0, 5, 13, 4, 5, 678)), new Date(Date.UTC(2024, 10, 3, 0, 5, 9, 45)))`: cjkRange,
	`new Intl.DateTimeFormat("zh-TW", {dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC'}).format(new Date(Date.UTC(2024, 0, 5, 13, 4, 5, 678)))`: "ICU's " +
		"zh_Hant joins medium date and time with a space; CLDR's JSON for zh-Hant says {1}{0}, which we use",
	`new Intl.NumberFormat("es-AR", {style: 'currency', currency: 'CHF'}).format(120000)`:                                                                esAR,
	`new Intl.NumberFormat("es-AR", {style: 'currency', currency: 'EUR'}).format(-1234.5)`:                                                               esAR,
	`new Intl.NumberFormat("es-AR").format(1234567.891)`:                                                                                                 esAR,
	`new Intl.NumberFormat("es-AR", {notation: 'compact'}).format(1234567)`:                                                                              esAR,
	`new Intl.DateTimeFormat("es-AR", {dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC'}).format(new Date(Date.UTC(2024, 0, 5, 13, 4, 5, 678)))`: esAR,
	`Array.from(new Intl.Segmenter('ja-JP', {granularity: 'word'}).segment('今日は良い天気'), s => s.segment).join('|')`: "ICU " +
		"splits CJK words with its dictionary; uniseg implements the UAX #29 rules only, which break between ideographs",
}

const (
	trName = "ICU's tr_TR bundle, unlike its tr, prints the currency symbol inside the long name (€1,00 " +
		"Euro); we print CLDR's tr data for tr-TR (1,00 Euro), which is what ICU prints for plain tr"
	cjkRange = "ICU's DateIntervalFormat falls back to numeric skeletons for ja/zh text-month ranges " +
		"(01/05～01/20); we format CLDR's intervalFormats for the requested month width (1月5日～20日)"
	esAR = "es-AR is not embedded: it resolves through CLDR's parent chain to es-419 (1,234.5); ICU " +
		"carries es-AR's own data (1.234,5). The embedded locales are listed in intl/gen/gen.mjs"
)

// TestIntlConformance replays intl/testdata/golden.json (recorded from Node's
// full ICU by `make intl-golden`) through the engine.
func TestIntlConformance(t *testing.T) {
	raw, err := os.ReadFile("../intl/testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		RecordedWith map[string]string
		Cases        []intlCase
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 300 {
		t.Fatalf("only %d cases", len(g.Cases))
	}
	exprs := make([]string, len(g.Cases))
	for i, c := range g.Cases {
		exprs[i] = c.Expr
	}
	src, _ := json.Marshal(exprs)
	script := `const cases = ` + string(src) + `;
console.log(JSON.stringify(cases.map(expr => {
  try { const r = (0, eval)(expr); return typeof r === 'string' ? r : r === undefined ? 'undefined' : JSON.stringify(r); }
  catch (e) { return 'throws ' + e.name + ': ' + e.message; }
})));`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := Execute(ctx, Block{JavaScript: script}, Options{})
	if res.Error != nil || len(res.Logs) != 1 {
		t.Fatalf("execute: %+v %+v", res.Error, res.Logs)
	}
	var got []string
	if err := json.Unmarshal([]byte(res.Logs[0].Message), &got); err != nil {
		t.Fatal(err)
	}
	pass, known := 0, 0
	var fails []string
	byAPI := map[string][2]int{} // matched, cases
	for i, c := range g.Cases {
		api := intlAPI(c.Expr)
		n := byAPI[api]
		n[1]++
		if got[i] == c.Out {
			n[0]++
		}
		byAPI[api] = n
		if got[i] == c.Out {
			if _, listed := knownIntlDifferences[c.Expr]; listed {
				fails = append(fails, c.Expr+"\n   now matches Node: remove it from knownIntlDifferences")
			}
			pass++
			continue
		}
		if _, listed := knownIntlDifferences[c.Expr]; listed {
			known++
			continue
		}
		fails = append(fails, c.Expr+"\n   want "+c.Out+"\n   got  "+got[i])
	}
	apis := make([]string, 0, len(byAPI))
	for a := range byAPI {
		apis = append(apis, a)
	}
	sort.Strings(apis)
	for _, a := range apis {
		t.Logf("  %-20s %4d/%4d match", a, byAPI[a][0], byAPI[a][1])
	}
	t.Logf("%d/%d cases match Node %s (ICU %s, CLDR %s); %d listed differences", pass, len(g.Cases),
		g.RecordedWith["node"], g.RecordedWith["icu"], g.RecordedWith["cldr"], known)
	if known != len(knownIntlDifferences) {
		t.Errorf("%d listed differences are no longer cases", len(knownIntlDifferences)-known)
	}
	if len(fails) > 0 {
		t.Errorf("%d cases differ:\n%s", len(fails), strings.Join(fails, "\n"))
	}
}

func runLogs(t *testing.T, js string, opts Options) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := Execute(ctx, Block{JavaScript: js}, opts)
	if res.Error != nil {
		t.Fatalf("execute: %+v", res.Error)
	}
	var out []string
	for _, l := range res.Logs {
		out = append(out, l.Message)
	}
	return out
}

// TestIntlDefaults checks Options.Locale and Options.TimeZone become the
// default of every formatter and of the toLocale* methods.
func TestIntlDefaults(t *testing.T) {
	js := `console.log((1234.5).toLocaleString(), new Date(0).toLocaleString(),
  new Intl.DateTimeFormat().resolvedOptions().timeZone, new Intl.NumberFormat().resolvedOptions().locale)`
	got := strings.Join(runLogs(t, js, Options{Locale: "de-DE", TimeZone: "Europe/Berlin"}), "|")
	if want := "1.234,5 1.1.1970, 01:00:00 Europe/Berlin de-DE"; got != want {
		t.Errorf("de-DE/Europe/Berlin: %q, want %q", got, want)
	}
	got = strings.Join(runLogs(t, js, Options{}), "|")
	if want := "1,234.5 1/1/1970, 12:00:00 AM UTC en-US"; got != want {
		t.Errorf("defaults: %q, want %q", got, want)
	}
	// an unsupported configured locale falls back to en-US
	got = strings.Join(runLogs(t, `console.log((1.5).toLocaleString())`, Options{Locale: "tlh"}), "|")
	if got != "1.5" {
		t.Errorf("fallback: %q", got)
	}
}

// TestIntlLazy checks a block that never names Intl or a toLocale method
// gets neither built: the global is absent from its runtime until read and
// the built-in methods stay goja's.
func TestIntlLazy(t *testing.T) {
	got := runLogs(t, `console.log(Number.prototype.hasOwnProperty('toLocaleString'), typeof Intl)`, Options{})
	if len(got) != 1 || got[0] != "true object" {
		t.Errorf("logs %q", got)
	}
	// The overrides are installed only for a source that names them; a
	// name assembled at run time from other pieces reaches goja's own
	// method (the documented price of not costing every block 8 µs).
	got = runLogs(t, `const m = 'toLocal' + 'eString'; console.log((1234.5)[m]())`, Options{})
	if len(got) != 1 || got[0] != "1234.5" {
		t.Errorf("computed-name call: %q", got)
	}
	got = runLogs(t, `console.log((1234.5).toLocaleString())`, Options{})
	if len(got) != 1 || got[0] != "1,234.5" {
		t.Errorf("named call: %q", got)
	}
}

// Found by FuzzReachableAPI: Array.prototype.toLocaleString on objects that
// are not arrays.
func TestArrayToLocaleStringOnArrayLikes(t *testing.T) {
	res := execute(t, Block{JavaScript: `
		console.log(JSON.stringify([].toLocaleString.call({})));
		console.log([].toLocaleString.call({length: 2, 0: 1234.5, 1: 'x'}, 'de-DE'));
		try { [].toLocaleString.call({length: 2 ** 32 - 1}) } catch (e) { console.log(e.name + ': ' + e.message) }`}, Options{})
	want := logs(`log:""`, "log:1.234,5,x", "log:RangeError: Invalid string length")
	if res.Error != nil || !reflect.DeepEqual(res.Logs, want) {
		t.Fatalf("got %+v %v, want %v", res.Logs, res.Error, want)
	}
}

// intlAPI names the API a conformance case exercises, for the per-API
// match table.
func intlAPI(expr string) string {
	for _, a := range []string{"NumberFormat", "DateTimeFormat", "PluralRules", "RelativeTimeFormat", "ListFormat",
		"Collator", "DisplayNames", "Segmenter", "getCanonicalLocales", "supportedLocalesOf", "supportedValuesOf",
		"toLocaleDateString", "toLocaleTimeString", "toLocaleString", "localeCompare"} {
		if strings.Contains(expr, a) {
			return a
		}
	}
	return "other"
}
