package fidelity

import (
	"strings"
	"testing"
)

// realisticClasses names, for each block class of issue 9's first paragraph
// (what came out wrong before), the corpus block that shows it.
var realisticClasses = []struct{ class, block string }{
	{"DOMContentLoaded-wrapped", "lifecycle-wrapped/dcl-greeting"},
	{"window-load", "lifecycle-wrapped/window-load-gallery"},
	{"Intl-money-formatting", "intl/invoice-currency"},
	{"localStorage", "storage/cart-json"},
	{"requestAnimationFrame", "timers-frames/raf-progress-animation"},
	{"URLSearchParams", "plain/urlsearchparams-filters"},
	{"structuredClone", "plain/structured-clone-state"},
	{"btoa", "plain/base64-share-link"},
	{"performance", "timers-frames/performance-marks"},
	{"createElementNS-SVG", "svg/bar-chart"},
	{"template.content", "plain/template-clone"},
	{"input.value-property", "forms/input-value-property"},
	{"style-colour-and-number-serialisation", "plain/style-serialisation"},
}

// TestRealisticBlockClasses: each class from the first paragraph now
// renders on the server as Chromium renders it: no error, the same body HTML,
// the same console.
func TestRealisticBlockClasses(t *testing.T) {
	byID := map[string]outcome{}
	for _, o := range results(t) {
		byID[o.b.ID()] = o
	}
	for _, c := range realisticClasses {
		t.Run(c.class, func(t *testing.T) {
			o, ok := byID[c.block]
			if !ok {
				cat, name, _ := strings.Cut(c.block, "/")
				if len(selected(t, []block{{Category: cat, Name: name}})) == 0 {
					t.Skipf("%s not selected by FIDELITY_RUN", c.block)
				}
				t.Fatalf("corpus block %s is missing", c.block)
			}
			fail := t.Errorf
			if reportOnly() {
				fail = func(f string, args ...any) { t.Logf("(report only) "+f, args...) }
			}
			if o.chromeErr != nil {
				t.Fatalf("chromium: %v", o.chromeErr)
			}
			if len(o.sym.Errors) > 0 {
				fail("%s: symposium error %q", c.block, o.sym.Errors)
			}
			if !o.html {
				fail("%s: body HTML %s", c.block, firstDiff(normalise(o.chrome.HTML), normalise(o.sym.HTML)))
			}
			if !o.console {
				fail("%s: console %s", c.block, logsDiff(o.chrome.Logs, o.sym.Logs))
			}
		})
	}
}
