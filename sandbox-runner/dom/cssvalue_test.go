package dom

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestStyleSerialisationMatchesChromium replays style.setProperty calls
// whose cssText was recorded from Chromium (testdata/chromium-css.txt).
func TestStyleSerialisationMatchesChromium(t *testing.T) {
	f, err := os.Open("testdata/chromium-css.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		in, want, ok := strings.Cut(line, " => ")
		prop, val, ok2 := strings.Cut(in, ": ")
		if !ok || !ok2 {
			t.Fatalf("bad line %q", line)
		}
		n++
		if got := serializeStyle(normalizeDecls([]decl{{prop, val}})); got != want {
			t.Errorf("%s: %s\n got  %s\n want %s", prop, val, got, want)
		}
	}
	if n < 40 {
		t.Fatalf("only %d cases read", n)
	}
}

func TestStyleLonghandsFold(t *testing.T) {
	for _, tt := range []struct{ js, want string }{
		{`s.marginTop = '1px'; s.marginRight = '2px'; s.marginBottom = '1px'; s.marginLeft = '2px'; s.cssText`, "margin: 1px 2px;"},
		{`s.margin = '0'; s.marginTop = '5px'; s.cssText + ' | ' + s.marginLeft + ' | ' + s.length`, "margin: 5px 0px 0px; | 0px | 4"},
		{`s.padding = '4px 8px'; s.padding = ''; s.cssText + s.length`, "0"},
	} {
		got, _ := run(t, `<p></p>`, `const s = document.querySelector('p').style; `+tt.js)
		if got != tt.want {
			t.Errorf("%s = %q, want %q", tt.js, got, tt.want)
		}
	}
	got, body := run(t, `<p style="color:#FFF;width:10px"></p>`, `const p = document.querySelector('p'); p.style.height = '1px'; p.getAttribute('style')`)
	if want := "color: rgb(255, 255, 255); width: 10px; height: 1px;"; got != want {
		t.Errorf("attribute after a write = %q, want %q (body %s)", got, want, body)
	}
}
