package fidelity

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// target is the bar: at least 97% of blocks with the same body HTML.
const target = 0.97

const workers = 2 // tabs rendering at once; the machine has 2 cores

var (
	suiteOnce sync.Once
	suite     []outcome
	suiteErr  string
)

// results renders the (selected) corpus on both sides once per test binary.
func results(t *testing.T) []outcome {
	t.Helper()
	suiteOnce.Do(func() {
		blocks := selected(t, loadCorpus(t))
		br := startBrowser(t)
		defer br.stop()
		suite = make([]outcome, len(blocks))
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			tb, err := br.newTab()
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				defer wg.Done()
				defer func() { tb.close() }()
				for i := range jobs {
					b := blocks[i]
					t0 := time.Now()
					chrome, err := tb.run(b)
					var retried error
					if err != nil {
						// Headless Chromium's frames follow its own clock; a
						// tab that has drawn many pages, or a loaded machine,
						// can starve them: once more, in a new tab.
						retried = err
						if fresh, ferr := br.newTab(); ferr == nil {
							tb.close()
							tb = fresh
						}
						chrome, err = tb.run(b)
					}
					t1 := time.Now()
					sym := runSymposium(b, loopbackHost{br.origin()})
					o := compare(b, chrome, sym)
					o.elapsedChrome, o.elapsedSymp = t1.Sub(t0), time.Since(t1)
					o.chromeErr = err
					o.retried = retried
					if err == nil && os.Getenv("FIDELITY_TWICE") == "1" {
						again, err2 := tb.run(b)
						switch {
						case err2 != nil:
							o.unstable = err2.Error()
						case again.HTML != chrome.HTML:
							o.unstable = "body HTML " + labelledDiff("first:  ", "second: ", chrome.HTML, again.HTML)
						case !equalLogs(again.Logs, chrome.Logs):
							o.unstable = "console " + logsDiff(chrome.Logs, again.Logs)
						}
					}
					suite[i] = o
				}
			}()
		}
		for i := range blocks {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
	})
	if suite == nil {
		t.Skip("the suite did not run (see the first test's output)")
	}
	return suite
}

func reportOnly() bool { return os.Getenv("FIDELITY_REPORT_ONLY") == "1" }

// TestFidelity is the differential suite: the match table by category, a
// short diff for every mismatch, and a failure below the target.
func TestFidelity(t *testing.T) {
	out := results(t)
	for _, o := range out {
		if o.chromeErr != nil {
			t.Errorf("%s: chromium could not render the block: %v", o.b.ID(), o.chromeErr)
		}
		if o.retried != nil && o.chromeErr == nil {
			t.Logf("%s: rendered in chromium at the second try; the first failed: %v", o.b.ID(), o.retried)
		}
		if o.unstable != "" {
			t.Errorf("%s: renders differently in chromium twice (the block is not deterministic): %s", o.b.ID(), o.unstable)
		}
		if len(o.chrome.Errors) > 0 {
			// The corpus is written to run in a browser; a block that throws
			// there is a corpus bug unless its name says it throws on purpose.
			if !strings.Contains(o.b.Name, "throws") {
				t.Errorf("%s: throws in chromium: %v", o.b.ID(), o.chrome.Errors)
			}
		}
	}
	var slow []outcome
	var chromeTotal, sympTotal time.Duration
	for _, o := range out {
		chromeTotal += o.elapsedChrome
		sympTotal += o.elapsedSymp
		slow = append(slow, o)
	}
	sort.Slice(slow, func(i, j int) bool { return slow[i].elapsedChrome > slow[j].elapsedChrome })
	var sl []string
	for _, o := range slow[:min(3, len(slow))] {
		sl = append(sl, fmt.Sprintf("%s %v", o.b.ID(), o.elapsedChrome.Round(time.Millisecond)))
	}
	t.Logf("time: chromium %v, symposium %v over %d blocks (%d tabs at once); slowest in chromium: %s",
		chromeTotal.Round(time.Millisecond), sympTotal.Round(time.Millisecond), len(out), workers, strings.Join(sl, ", "))
	t.Log("\n" + table(out))
	t.Log("\n" + mismatches(out))
	if show := os.Getenv("FIDELITY_SHOW"); show != "" {
		re := regexp.MustCompile(show)
		for _, o := range out {
			if re.MatchString(o.b.ID()) {
				t.Logf("%s\n  chromium html:  %s\n  symposium html: %s\n  chromium logs:  %q\n  symposium logs: %q\n  errors: %q / %q",
					o.b.ID(), o.chrome.HTML, o.sym.HTML, o.chrome.Logs, o.sym.Logs, o.chrome.Errors, o.sym.Errors)
			}
		}
	}
	matched := 0
	for _, o := range out {
		if o.html {
			matched++
		}
	}
	rate := float64(matched) / float64(len(out))
	if rate < target {
		msg := fmt.Sprintf("body HTML match %.1f%% (%d/%d) is below the target %.0f%%", 100*rate, matched, len(out), 100*target)
		if reportOnly() {
			t.Log(msg + " (FIDELITY_REPORT_ONLY=1: not failing)")
		} else {
			t.Error(msg)
		}
	}
}

func table(out []outcome) string {
	type row struct{ n, html, exact, console, errs int }
	rows := map[string]*row{}
	total := &row{}
	for _, o := range out {
		r := rows[o.b.Category]
		if r == nil {
			r = &row{}
			rows[o.b.Category] = r
		}
		for _, x := range []*row{r, total} {
			x.n++
			x.html += b2i(o.html)
			x.exact += b2i(o.exact)
			x.console += b2i(o.console)
			x.errs += b2i(o.errorsAgree)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %6s %14s %14s %14s %14s\n", "category", "blocks", "body HTML", "exact HTML", "console", "errors agree")
	line := func(name string, r *row) {
		pct := func(k int) string { return fmt.Sprintf("%3d %5.1f%%", k, 100*float64(k)/float64(max(r.n, 1))) }
		fmt.Fprintf(&b, "%-18s %6d %14s %14s %14s %14s\n", name, r.n, pct(r.html), pct(r.exact), pct(r.console), pct(r.errs))
	}
	for _, c := range categories {
		if r := rows[c]; r != nil {
			line(c, r)
		}
	}
	line("overall", total)
	return b.String()
}

func mismatches(out []outcome) string {
	var b strings.Builder
	n := 0
	for _, o := range out {
		if o.html && o.exact && o.console && o.errorsAgree {
			continue
		}
		n++
		fmt.Fprintf(&b, "✗ %s — %s\n", o.b.ID(), firstLine(o.b.About))
		if len(o.sym.Errors) > 0 || len(o.chrome.Errors) > 0 {
			fmt.Fprintf(&b, "    errors: chromium %q, symposium %q\n", o.chrome.Errors, o.sym.Errors)
		}
		switch {
		case !o.html:
			fmt.Fprintf(&b, "    body HTML %s\n", firstDiff(normalise(o.chrome.HTML), normalise(o.sym.HTML)))
		case !o.exact:
			fmt.Fprintf(&b, "    body HTML differs in inter-element whitespace only: %s\n", firstDiff(o.chrome.HTML, o.sym.HTML))
		}
		if !o.console {
			fmt.Fprintf(&b, "    console %s\n", logsDiff(o.chrome.Logs, o.sym.Logs))
		}
	}
	if n == 0 {
		return "no mismatches"
	}
	return fmt.Sprintf("%d block(s) differ:\n%s", n, b.String())
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
