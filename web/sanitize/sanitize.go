package sanitize

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// Removal is one kind of thing the sanitiser took out.
type Removal struct {
	What  string `json:"what"` // "<script>" or "onclick attribute"
	Count int    `json:"count"`
	Why   string `json:"why"`
}

var (
	htmlElements = []string{
		"a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "button", "caption",
		"cite", "code", "col", "colgroup", "data", "datalist", "dd", "del", "details", "dfn", "dialog", "div", "dl",
		"dt", "em", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
		"header", "hgroup", "hr", "i", "img", "input", "ins", "kbd", "label", "legend", "li", "main", "mark",
		"menu", "meter", "nav", "ol", "optgroup", "option", "output", "p", "picture", "pre", "progress", "q",
		"rp", "rt", "ruby", "s", "samp", "search", "section", "select", "small", "span", "strong", "style", "sub",
		"summary", "sup", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "time", "tr", "u", "ul",
		"var", "wbr",
	}
	// SVG names as x/net/html's tokenizer gives them: lower case. The
	// viewer's HTML parser restores the camel case (viewBox, linearGradient)
	// as it does for any SVG in HTML.
	svgElements = []string{
		"svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle", "ellipse", "line",
		"polyline", "polygon", "text", "tspan", "textpath", "lineargradient", "radialgradient", "stop",
		"pattern", "clippath", "mask", "marker", "filter", "fegaussianblur", "feoffset", "feblend",
		"fecolormatrix", "feflood", "fecomposite", "femerge", "femergenode", "fedropshadow", "femorphology",
		"animatetransform", "animate",
	}
	mathElements = []string{
		"math", "mi", "mn", "mo", "ms", "mtext", "mrow", "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot",
		"mtable", "mtr", "mtd", "munder", "mover", "munderover", "mspace", "mstyle", "mpadded", "mphantom",
		"menclose", "semantics", "annotation",
	}
	globalAttrs = []string{
		"class", "id", "style", "title", "role", "lang", "dir", "tabindex", "hidden", "translate", "inert",
		"accesskey", "draggable", "spellcheck", "contenteditable", "enterkeyhint", "inputmode",
		"aria-activedescendant", "aria-atomic", "aria-autocomplete", "aria-busy", "aria-checked",
		"aria-colcount", "aria-colindex", "aria-colspan", "aria-controls", "aria-current", "aria-describedby",
		"aria-description", "aria-details", "aria-disabled", "aria-errormessage", "aria-expanded",
		"aria-flowto", "aria-haspopup", "aria-hidden", "aria-invalid", "aria-keyshortcuts", "aria-label",
		"aria-labelledby", "aria-level", "aria-live", "aria-modal", "aria-multiline", "aria-multiselectable",
		"aria-orientation", "aria-owns", "aria-placeholder", "aria-posinset", "aria-pressed", "aria-readonly",
		"aria-relevant", "aria-required", "aria-roledescription", "aria-rowcount", "aria-rowindex",
		"aria-rowspan", "aria-selected", "aria-setsize", "aria-sort", "aria-valuemax", "aria-valuemin",
		"aria-valuenow", "aria-valuetext",
	}
	formAttrs = []string{
		"type", "name", "value", "placeholder", "disabled", "required", "checked", "selected", "multiple",
		"min", "max", "step", "minlength", "maxlength", "pattern", "readonly", "size", "rows", "cols", "for",
		"form", "autocomplete", "wrap", "list", "label", "open", "novalidate", "high", "low", "optimum",
		"autofocus", "dirname", "accept", "capture",
	}
	tableAttrs = []string{"colspan", "rowspan", "headers", "scope", "span", "abbr"}
	otherAttrs = []string{"width", "height", "alt", "loading", "decoding", "start", "reversed", "datetime", "target", "rel", "media"}
	svgAttrs   = []string{
		"xmlns", "xmlns:xlink", "version", "viewbox", "preserveaspectratio", "width", "height", "x", "y", "x1",
		"y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points", "transform", "fill", "fill-opacity",
		"fill-rule", "clip-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
		"stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "stroke-miterlimit", "opacity",
		"font-size", "font-family", "font-weight", "font-style", "font-variant", "text-anchor",
		"dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing",
		"text-decoration", "writing-mode", "dx", "dy", "rotate", "textlength", "lengthadjust", "offset",
		"stop-color", "stop-opacity", "gradientunits", "gradienttransform", "spreadmethod", "fx", "fy", "fr",
		"patternunits", "patterncontentunits", "patterntransform", "markerwidth", "markerheight", "refx",
		"refy", "orient", "markerunits", "marker-start", "marker-mid", "marker-end", "clip-path",
		"clippathunits", "mask", "maskunits", "maskcontentunits", "filter", "filterunits", "primitiveunits",
		"flood-color", "flood-opacity", "stddeviation", "in", "in2", "result", "mode", "operator", "values",
		"vector-effect", "shape-rendering", "text-rendering", "pathlength", "visibility", "display", "color",
		"focusable", "overflow", "paint-order", "pointer-events", "mix-blend-mode", "isolation", "cursor",
		"startoffset", "method", "spacing", "side", "dur", "repeatcount", "repeatdur", "begin", "end",
		"keytimes", "keysplines", "calcmode", "from", "to", "by", "additive", "accumulate", "restart",
	}
	mathAttrs = []string{
		"mathvariant", "display", "displaystyle", "scriptlevel", "stretchy", "fence", "separator", "lspace",
		"rspace", "linethickness", "columnalign", "rowalign", "notation", "accent", "accentunder",
		"movablelimits", "largeop", "symmetric", "maxsize", "minsize", "form", "xmlns", "encoding",
		"columnspan", "rowspan", "depth", "voffset", "mathcolor", "mathbackground", "mathsize",
	}

	localRef = regexp.MustCompile(`^#[A-Za-z_][\w.:-]*$`)
	// Only animations of presentation values: animating href or an event
	// attribute is a known way to slip a javascript: URL past sanitisers.
	animatable = regexp.MustCompile(`^(?i:transform|opacity|fill|stroke|fill-opacity|stroke-opacity|stroke-width|stroke-dasharray|stroke-dashoffset|r|rx|ry|cx|cy|x|y|width|height|d|points|offset|stop-color|stop-opacity|visibility|font-size)$`)
	// A style attribute may not load anything or run anything; the CSP would
	// stop the loads anyway, this keeps them out of the markup too.
	activeCSS = regexp.MustCompile(`(?i)expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding|@import|url\s*\(\s*['"]?\s*(?:[a-z][a-z0-9+.-]*:|//)`)
	dataURL   = regexp.MustCompile(`(?i)url\s*\(\s*['"]?\s*data:image/`)
	safeStyle = regexp.MustCompile(`^[^<>]*$`)
)

// policy is built once: bluemonday policies are safe for concurrent use.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	// <style> is raw text that bluemonday would drop; the block's own
	// stylesheets stay (their loads are what the CSP forbids).
	p.AllowUnsafe(true)
	p.AllowElements(htmlElements...)
	p.AllowElements(svgElements...)
	p.AllowElements(mathElements...)
	// bluemonday drops allowed elements that carry no attribute unless told.
	p.AllowNoAttrs().OnElements(htmlElements...)
	p.AllowNoAttrs().OnElements(svgElements...)
	p.AllowNoAttrs().OnElements(mathElements...)
	p.AllowAttrs(globalAttrs...).Globally()
	p.AllowDataAttributes()
	p.AllowAttrs(formAttrs...).Globally()
	p.AllowAttrs(tableAttrs...).Globally()
	p.AllowAttrs(otherAttrs...).Globally()
	p.AllowAttrs(svgAttrs...).OnElements(svgElements...)
	p.AllowAttrs(mathAttrs...).OnElements(mathElements...)
	p.AllowAttrs("attributename").Matching(animatable).OnElements("animate", "animatetransform")
	p.AllowAttrs("href", "xlink:href").Matching(localRef).OnElements("use", "lineargradient", "radialgradient", "pattern", "textpath", "filter", "mpath")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("src", "srcset").OnElements("img")
	p.AllowAttrs("cite").OnElements("q", "blockquote", "del", "ins")
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.AllowRelativeURLs(true)
	p.AllowDataURIImages()
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnFullyQualifiedLinks(true)
	p.AllowAttrs("style").Matching(safeStyle).Globally()
	return p
}()

// Clean sanitises a block's body HTML and reports what it removed.
func Clean(body string) (string, []Removal) {
	out := policy.Sanitize(prefilter(body))
	return out, diff(census(body), census(out))
}

// prefilter does what an attribute allowlist cannot: it drops style
// attributes that load or run something, and SVG animations of anything but
// presentation values, before bluemonday sees them.
func prefilter(s string) string {
	if !strings.Contains(s, "style") && !strings.Contains(strings.ToLower(s), "<animate") {
		return s
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	changed := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := string(z.Raw())
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.WriteString(raw)
			continue
		}
		t := z.Token()
		if t.Data == "animate" || t.Data == "animatetransform" {
			if v, ok := attr(t, "attributename"); !ok || !animatable.MatchString(v) {
				changed = true
				continue // the element goes; bluemonday drops its stray end tag
			}
		}
		keep := t.Attr[:0]
		drop := false
		for _, a := range t.Attr {
			if a.Key == "style" && activeCSS.MatchString(stripDataURLs(a.Val)) {
				drop = true
				continue
			}
			keep = append(keep, a)
		}
		if !drop {
			b.WriteString(raw)
			continue
		}
		changed = true
		t.Attr = keep
		b.WriteString(t.String())
	}
	if !changed {
		return s
	}
	return b.String()
}

func attr(t html.Token, key string) (string, bool) {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func stripDataURLs(v string) string { return dataURL.ReplaceAllString(v, "") }

type tally map[string]int

// census counts elements and attributes (with active URL values apart), so
// the difference between input and output names what was removed.
func census(s string) tally {
	t := tally{}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return t
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		t["<"+tok.Data+">"]++
		for _, a := range tok.Attr {
			t[a.Key+" attribute"]++
		}
	}
}

func diff(in, out tally) []Removal {
	var rs []Removal
	for k, n := range in {
		if d := n - out[k]; d > 0 {
			rs = append(rs, Removal{What: k, Count: d, Why: reason(k)})
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Count != rs[j].Count {
			return rs[i].Count > rs[j].Count
		}
		return rs[i].What < rs[j].What
	})
	return rs
}

func reason(what string) string {
	name := strings.TrimSuffix(strings.Trim(what, "<>"), " attribute")
	switch {
	case name == "script" || name == "noscript":
		return "scripts never run in the viewer's browser: the block's JavaScript ran on the server, in its isolate"
	case strings.HasPrefix(name, "on") && strings.HasSuffix(what, "attribute"):
		return "event handler attributes would run script in the viewer's browser"
	case name == "iframe" || name == "frame" || name == "frameset" || name == "object" || name == "embed" || name == "portal" || name == "applet":
		return "frames, objects and embeds would load other content into the page"
	case name == "base" || name == "meta" || name == "link" || name == "head" || name == "html" || name == "body" || name == "title":
		return "document-level elements belong to the preview page, not to the block"
	case name == "href" || name == "src" || name == "srcset" || name == "xlink:href" || name == "cite":
		return "the URL is active (javascript:, a non-image data: URL) or points outside the block"
	case name == "action" || name == "formaction":
		return "forms may not submit anywhere: the block's submit handlers run on the server"
	case name == "style":
		return "the inline style loads or runs something (url(), expression(), @import)"
	case name == "method" || name == "enctype":
		return "forms may not submit anywhere"
	case name == "foreignobject":
		return "foreignObject would embed arbitrary HTML inside SVG"
	case name == "set" || name == "animate" || name == "attributename":
		return "SVG animation may only change presentation values"
	case name == "srcdoc":
		return "srcdoc would embed a document"
	}
	return fmt.Sprintf("%s is not on the preview's list of safe markup", what)
}
