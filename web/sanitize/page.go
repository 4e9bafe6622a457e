package sanitize

import (
	"html"
	"strings"
)

// CSP is sent with every page built from a block's output: no script at
// all, no load from anywhere but data: images and fonts, no base, no form
// target, and framing left to the caller (frame-ancestors is the app's or
// the embed's decision, so it is not fixed here).
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'"

// Page builds the complete static document for a block's output: the
// sanitised body, the block's CSS kept inside its <style> element. It is
// meant to be built once per output and stored, not rebuilt per request.
func Page(title, body, css string) (string, []Removal) {
	clean, removed := Clean(body)
	var b strings.Builder
	b.Grow(len(clean) + len(css) + 160)
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
	b.WriteString(html.EscapeString(title))
	b.WriteString("</title>\n<style>")
	b.WriteString(CSS(css))
	b.WriteString("</style></head>\n<body>")
	b.WriteString(clean)
	b.WriteString("</body></html>\n")
	return b.String(), removed
}

// CSS is a block's stylesheet as every page keeps it: inside one <style>
// element, which ends at the first "</style", so "</" cannot appear; what it
// may load is the CSP's business (no origin but data:).
func CSS(css string) string { return strings.ReplaceAll(css, "</", "<\\/") }
