package fidelity

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/symposium/symposium/sandbox-runner/engine"
)

// runSymposium runs b in-process, as the runner does. A panic in the engine
// is that block's error, not the end of everyone's report.
func runSymposium(b block, host engine.Host) (out rendered) {
	defer func() {
		if p := recover(); p != nil {
			out = rendered{Errors: []string{fmt.Sprintf("engine panic: %v", p)}}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), blockTimeout)
	defer cancel()
	res := engine.Execute(ctx, engine.Block{HTML: b.HTML, CSS: b.CSS, JavaScript: b.JS, Data: b.Data}, engine.Options{Host: host})
	out = rendered{HTML: res.HTML}
	for _, l := range res.Logs {
		// An exception the page reports and survives (a listener's, a
		// custom element callback's) is Runtime.exceptionThrown in
		// Chromium, printed by DevTools as "Uncaught ..."; Symposium's
		// console carries it as that line. Both count as errors.
		if msg, ok := strings.CutPrefix(l.Message, "Uncaught "); ok && l.Level == "error" {
			out.Errors = append(out.Errors, cutStack(msg))
			continue
		}
		out.Logs = append(out.Logs, logLine{Level: l.Level, Text: l.Message})
	}
	if res.Error != nil {
		out.Errors = append(out.Errors, cutStack(res.Error.Message))
	}
	if res.TimedOut {
		out.Errors = append(out.Errors, "timed out")
	}
	return out
}

func cutStack(s string) string {
	s, _, _ = strings.Cut(s, "\n    at ")
	return s
}

// interElementSpace is the one normalisation (doc.go): a whitespace-only
// text node between two tags.
var interElementSpace = regexp.MustCompile(`>[ \t\n\r\f]+<`)

func normalise(html string) string {
	return strings.TrimSpace(interElementSpace.ReplaceAllString(html, "><"))
}

// outcome is the comparison of one block.
type outcome struct {
	b             block
	chrome, sym   rendered
	chromeErr     error  // the browser could not render it (a harness problem, not a mismatch)
	retried       error  // the first render's error when the second succeeded
	exact, html   bool   // body HTML equal exactly / after normalise
	console       bool   // console lines equal
	errorsAgree   bool   // both threw or neither did
	unstable      string // FIDELITY_TWICE=1: how a second chromium render differed
	elapsedChrome time.Duration
	elapsedSymp   time.Duration
}

func compare(b block, chrome rendered, sym rendered) outcome {
	o := outcome{b: b, chrome: chrome, sym: sym}
	o.exact = chrome.HTML == sym.HTML
	o.html = normalise(chrome.HTML) == normalise(sym.HTML)
	o.console = equalLogs(chrome.Logs, sym.Logs)
	o.errorsAgree = (len(chrome.Errors) == 0) == (len(sym.Errors) == 0)
	return o
}

func equalLogs(a, b []logLine) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// firstDiff shows where two strings part, with context.
func firstDiff(want, got string) string {
	return labelledDiff("chromium:  ", "symposium: ", want, got)
}

func labelledDiff(wantLabel, gotLabel, want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	from := max(0, i-60)
	clip := func(s string) string {
		end := min(len(s), i+80)
		if from >= len(s) {
			return "«end»"
		}
		return visible(strings.ToValidUTF8(s[from:end], "�"))
	}
	return fmt.Sprintf("at byte %d\n      %s…%s\n      %s…%s", i, wantLabel, clip(want), gotLabel, clip(got))
}

func logsDiff(want, got []logLine) string {
	n := max(len(want), len(got))
	for i := 0; i < n; i++ {
		var w, g string = "«none»", "«none»"
		if i < len(want) {
			w = want[i].String()
		}
		if i < len(got) {
			g = got[i].String()
		}
		if w != g {
			return fmt.Sprintf("line %d of %d/%d\n      chromium:  %s\n      symposium: %s", i+1, len(want), len(got), visible(clip(w, 160)), visible(clip(g, 160)))
		}
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// visible spells out the characters a terminal does not show: newlines,
// tabs, and the Unicode spaces ICU writes (U+00A0, U+202F, U+2009).
func visible(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < ' ' || r >= 0x7f && r < 0xa0 || r != ' ' && unicode.IsSpace(r) || unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
