package dom

import (
	"sort"
	"strings"

	"github.com/andybalholm/cascadia"
	"github.com/dop251/goja"
	hlru "github.com/hashicorp/golang-lru/v2"
	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
	"golang.org/x/net/html"
)

// getComputedStyle without layout: the cascade of the block's stylesheet
// and the document's <style> elements (parsed by tdewolff/parse, matched
// and ranked by cascadia's selectors and specificity), then the inline
// style, then inheritance and a few initial values. Rules inside @media and
// other at-rules are not applied (there is no viewport to test them
// against), and lengths are not resolved (width stays as specified, "auto"
// when unset); see the README.

type cssRule struct {
	sel   cascadia.Sel
	spec  cascadia.Specificity
	order int
	decls []decl
}

// Parsed stylesheets are immutable and shared by every execution.
var sheets, _ = hlru.New[string, []cssRule](64)

func parseSheet(src string) []cssRule {
	if r, ok := sheets.Get(src); ok {
		return r
	}
	var rules []cssRule
	p := css.NewParser(parse.NewInputString(src), false)
	var sels []cascadia.Sel
	var decls []decl
	depth := 0
	order := 0
	for {
		gt, _, data := p.Next()
		switch gt {
		case css.ErrorGrammar:
			sheets.Add(src, rules)
			return rules
		case css.BeginAtRuleGrammar:
			depth++
		case css.EndAtRuleGrammar:
			depth--
		case css.BeginRulesetGrammar:
			sels, decls = nil, nil
			if depth > 0 {
				continue
			}
			var b strings.Builder
			for _, t := range p.Values() {
				b.Write(t.Data)
			}
			if g, err := cascadia.ParseGroup(b.String()); err == nil {
				sels = g
			}
		case css.DeclarationGrammar, css.CustomPropertyGrammar:
			if sels == nil {
				continue
			}
			var b strings.Builder
			for _, t := range p.Values() {
				b.Write(t.Data)
			}
			prop := string(data)
			if !strings.HasPrefix(prop, "--") {
				prop = strings.ToLower(prop)
			}
			decls = append(decls, decl{prop, strings.TrimSpace(b.String())})
		case css.EndRulesetGrammar:
			for _, s := range sels {
				order++
				rules = append(rules, cssRule{sel: s, spec: s.Specificity(), order: order, decls: decls})
			}
			sels = nil
		}
	}
}

// inherited properties take the parent's value when nothing sets them.
var inherited = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`color font font-family font-size font-style font-variant font-weight
		letter-spacing line-height list-style list-style-type list-style-position text-align text-indent
		text-transform visibility white-space word-spacing cursor direction quotes word-break overflow-wrap
		text-shadow caption-side border-collapse border-spacing empty-cells tab-size hyphens fill stroke
		stroke-width font-stretch text-rendering writing-mode`) {
		inherited[p] = true
	}
}

var initialValues = map[string]string{
	"color": "rgb(0, 0, 0)", "font-size": "16px", "font-weight": "400", "font-style": "normal",
	"visibility": "visible", "opacity": "1", "position": "static", "float": "none", "z-index": "auto",
	"width": "auto", "height": "auto", "background-color": "rgba(0, 0, 0, 0)", "text-align": "start",
	"line-height": "normal", "overflow": "visible", "box-sizing": "content-box", "cursor": "auto",
	"white-space": "normal", "text-transform": "none", "text-decoration-line": "none", "flex-direction": "row",
	"top": "auto", "left": "auto", "right": "auto", "bottom": "auto", "transform": "none",
	"margin-top": "0px", "margin-right": "0px", "margin-bottom": "0px", "margin-left": "0px",
	"padding-top": "0px", "padding-right": "0px", "padding-bottom": "0px", "padding-left": "0px",
	"font-family": "\"Times New Roman\"", "letter-spacing": "normal", "direction": "ltr",
}

var blockTags = map[string]string{}

func init() {
	for _, t := range strings.Fields(`html body address article aside blockquote center details dialog dd div dl dt
		fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section
		summary ul legend optgroup`) {
		blockTags[t] = "block"
	}
	for _, t := range strings.Fields(`head script style template title meta link base noscript datalist param`) {
		blockTags[t] = "none"
	}
	blockTags["li"] = "list-item"
	blockTags["table"] = "table"
	blockTags["tr"] = "table-row"
	blockTags["td"] = "table-cell"
	blockTags["th"] = "table-cell"
	blockTags["thead"] = "table-header-group"
	blockTags["tbody"] = "table-row-group"
	blockTags["tfoot"] = "table-footer-group"
	blockTags["caption"] = "table-caption"
	blockTags["col"] = "table-column"
	blockTags["colgroup"] = "table-column-group"
	blockTags["button"] = "inline-block"
	blockTags["input"] = "inline-block"
	blockTags["select"] = "inline-block"
	blockTags["textarea"] = "inline-block"
	blockTags["img"] = "inline"
}

// specified returns the cascaded declarations for one element.
func (d *DOM) specified(n *html.Node) map[string]string {
	type hit struct {
		d         decl
		important bool
		spec      cascadia.Specificity
		order     int
	}
	var hits []hit
	order := 0
	srcs := []string{d.hooks.CSS}
	for _, s := range collect(d.doc, func(n *html.Node) bool { return isTag(n, "style") }, nil) {
		srcs = append(srcs, textContent(s))
	}
	for _, src := range srcs {
		if src == "" {
			continue
		}
		for _, r := range parseSheet(src) {
			order++
			if !r.sel.Match(n) {
				continue
			}
			for _, dc := range r.decls {
				v, imp := dc.val, false
				if i := strings.LastIndex(v, "!"); i >= 0 && strings.EqualFold(strings.TrimSpace(v[i+1:]), "important") {
					v, imp = strings.TrimSpace(v[:i]), true
				}
				hits = append(hits, hit{decl{dc.prop, v}, imp, r.spec, order})
			}
		}
	}
	inline, _ := getAttr(n, "style")
	for _, dc := range parseStyle(inline) {
		v, imp := dc.val, false
		if i := strings.LastIndex(v, "!"); i >= 0 && strings.EqualFold(strings.TrimSpace(v[i+1:]), "important") {
			v, imp = strings.TrimSpace(v[:i]), true
		}
		hits = append(hits, hit{decl{dc.prop, v}, imp, cascadia.Specificity{1 << 20, 0, 0}, 1 << 30})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.important != b.important {
			return !a.important
		}
		if a.spec != b.spec {
			return a.spec.Less(b.spec)
		}
		return a.order < b.order
	})
	out := make(map[string]string, len(hits))
	for _, h := range hits {
		for _, l := range expandShorthand(h.d.prop, h.d.val) {
			out[l.prop] = l.val
		}
	}
	return out
}

// expandShorthand splits the four-sided shorthands into longhands so
// marginTop reads what margin set.
func expandShorthand(prop, val string) []decl {
	var sides []string
	switch prop {
	case "margin", "padding":
		sides = []string{prop + "-top", prop + "-right", prop + "-bottom", prop + "-left"}
	case "border-width", "border-style", "border-color":
		k := strings.TrimPrefix(prop, "border-")
		sides = []string{"border-top-" + k, "border-right-" + k, "border-bottom-" + k, "border-left-" + k}
	case "inset":
		sides = []string{"top", "right", "bottom", "left"}
	case "background":
		if !strings.ContainsAny(val, " (") {
			return []decl{{prop, val}, {"background-color", val}}
		}
		return []decl{{prop, val}}
	default:
		return []decl{{prop, val}}
	}
	p := strings.Fields(val)
	if len(p) == 0 || len(p) > 4 {
		return []decl{{prop, val}}
	}
	for len(p) < 4 {
		switch len(p) {
		case 1:
			p = append(p, p[0])
		case 2:
			p = append(p, p[0])
		case 3:
			p = append(p, p[1])
		}
	}
	out := []decl{{prop, val}}
	for i, s := range sides {
		out = append(out, decl{s, p[i]})
	}
	return out
}

// computed resolves n's values: cascade, inheritance, var() references.
func (d *DOM) computed(n *html.Node) map[string]string {
	var parent map[string]string
	if isElement(n.Parent) {
		parent = d.computed(n.Parent)
	}
	own := d.specified(n)
	out := make(map[string]string, len(own)+8)
	for k, v := range parent {
		if inherited[k] || strings.HasPrefix(k, "--") {
			out[k] = v
		}
	}
	for k, v := range own {
		switch v {
		case "inherit":
			if pv, ok := parent[k]; ok {
				out[k] = pv
			} else {
				delete(out, k)
			}
			continue
		case "initial", "unset":
			delete(out, k)
			continue
		}
		out[k] = v
	}
	for k, v := range out {
		if strings.Contains(v, "var(") {
			out[k] = substituteVars(v, out, 0)
		}
	}
	return out
}

func substituteVars(v string, vals map[string]string, depth int) string {
	if depth > 8 {
		return v
	}
	for {
		i := strings.Index(v, "var(")
		if i < 0 {
			return v
		}
		j, level := i+4, 1
		for ; j < len(v) && level > 0; j++ {
			switch v[j] {
			case '(':
				level++
			case ')':
				level--
			}
		}
		inner := v[i+4 : j-1]
		name, fallback, _ := strings.Cut(inner, ",")
		rep, ok := vals[strings.TrimSpace(name)]
		if !ok {
			rep = strings.TrimSpace(fallback)
		}
		v = v[:i] + substituteVars(strings.TrimSpace(rep), vals, depth+1) + v[j:]
	}
}

// computedStyle is the read-only CSSStyleDeclaration getComputedStyle returns.
type computedStyle struct {
	d    *DOM
	n    *html.Node
	vals map[string]string
}

func (d *DOM) computedStyle(x *node) goja.Value {
	vals := d.computed(x.n)
	for k, v := range vals {
		if !strings.HasPrefix(k, "--") {
			if nv, ok := normalizeValue(k, v); ok {
				vals[k] = computedColors(nv)
				if k == "font-weight" {
					switch nv {
					case "normal":
						vals[k] = "400"
					case "bold":
						vals[k] = "700"
					}
				}
			}
		}
	}
	return d.rt.NewDynamicObject(&computedStyle{d: d, n: x.n, vals: vals})
}

func (s *computedStyle) value(prop string) string {
	if v, ok := s.vals[prop]; ok {
		return v
	}
	if prop == "display" {
		if !contains(s.d.doc, s.n) {
			return ""
		}
		if v, ok := blockTags[s.n.Data]; ok && s.n.Namespace == "" {
			return v
		}
		return "inline"
	}
	return initialValues[prop]
}

func (s *computedStyle) Get(key string) goja.Value {
	d := s.d
	switch key {
	case "getPropertyValue":
		return d.fn("computed.getPropertyValue", func(d *DOM, c goja.FunctionCall) goja.Value {
			return d.str(thisAs[*computedStyle](d, c).value(strings.TrimSpace(c.Argument(0).String())))
		})
	case "getPropertyPriority":
		return d.fn("computed.getPropertyPriority", func(d *DOM, c goja.FunctionCall) goja.Value { return d.str("") })
	case "cssText":
		return d.str("")
	case "length":
		return d.rt.ToValue(len(s.vals))
	}
	if objectNames[key] {
		return nil
	}
	if _, ok := index(key); ok {
		return nil
	}
	return d.str(s.value(cssProp(key)))
}

func (s *computedStyle) Set(string, goja.Value) bool { return false }
func (s *computedStyle) Has(key string) bool         { return s.Get(key) != nil }
func (s *computedStyle) Delete(string) bool          { return false }
func (s *computedStyle) Keys() []string              { return nil }
