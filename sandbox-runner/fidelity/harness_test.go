package fidelity

import (
	"strings"
	"testing"
)

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>", "<ul><li>a</li><li>b</li></ul>"},
		{"<p>a b</p> <p> c </p>", "<p>a b</p><p> c </p>"}, // text with content keeps its spaces
		{"<br/>", "<br/>"}, // serialisation is not normalised away
		{"\n<div>x</div>\n", "<div>x</div>"},
	}
	for _, tt := range tests {
		if got := normalise(tt.in); got != tt.want {
			t.Errorf("normalise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPageFor(t *testing.T) {
	frag := pageFor(block{HTML: `<p id="x">a</p>`, CSS: `p{color:red}`, JS: `x.textContent = 'b'`})
	want := `<!DOCTYPE html><html><head><meta charset="utf-8"><style>p{color:red}</style></head><body><p id="x">a</p>` +
		`<script ` + harnessAttr + `>document.currentScript.remove();x.textContent = 'b'</script></body></html>`
	if frag != want {
		t.Errorf("fragment page:\n got %s\nwant %s", frag, want)
	}

	strict := pageFor(block{HTML: `<p></p>`, JS: "'use strict';\nlet a = 1"})
	if !strings.Contains(strict, `>'use strict';document.currentScript.remove();`) {
		t.Errorf("the use strict directive must stay first: %s", strict)
	}

	whole := pageFor(block{HTML: "<!DOCTYPE html>\n<html><head><title>T</title></head>\n<body><p>x</p><script>1</script></body>\n</html>\n", CSS: "b{}", JS: "2"})
	for _, part := range []string{"<title>T</title><style>b{}</style></head>", "<script>1</script><script " + harnessAttr + ">document.currentScript.remove();2</script></body>\n</html>\n"} {
		if !strings.Contains(whole, part) {
			t.Errorf("whole page lacks %q:\n%s", part, whole)
		}
	}
	if !isWholePage("<!-- saved -->\n<html>") || isWholePage("<div>") {
		t.Error("isWholePage")
	}
}

func TestParseBlock(t *testing.T) {
	b, err := parseBlock([]byte("A block.\n-- html --\n<p>\n</p>\n-- js --\nx()\n-- data.json --\n{\"a\":1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if b.About != "A block." || b.HTML != "<p>\n</p>" || b.JS != "x()" || string(b.Data) != `{"a":1}` || b.CSS != "" {
		t.Errorf("parsed %+v", b)
	}
	if _, err := parseBlock([]byte("x\n-- data.json --\n{bad\n")); err == nil {
		t.Error("invalid data.json accepted")
	}
	if _, err := parseBlock([]byte("-- html --\n<p>\n")); err == nil {
		t.Error("a block without a comment accepted")
	}
}

func TestJSLiteral(t *testing.T) {
	for in, want := range map[string]string{"a": "'a'", "it's": `"it's"`, `say "it's"`: "`say \"it's\"`", "a\nb": `'a\nb'`} {
		if got := jsLiteral(in); got != want {
			t.Errorf("jsLiteral(%q) = %s, want %s", in, got, want)
		}
	}
}
