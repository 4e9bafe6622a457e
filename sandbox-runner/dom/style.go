package dom

import (
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// style is the CSSStyleDeclaration over an element's style attribute. Every
// write re-serialises the attribute, so the rendered HTML shows it.
type style struct{ x *node }

type decl struct{ prop, val string }

var styleMethods = map[string]func(*DOM, goja.FunctionCall) goja.Value{
	"setProperty": func(d *DOM, c goja.FunctionCall) goja.Value {
		s := thisAs[*style](d, c)
		val := nullableString(c.Argument(1))
		if p := c.Argument(2); !goja.IsUndefined(p) && p.String() == "important" && val != "" {
			val += " !important"
		}
		s.setDecl(c.Argument(0).String(), val)
		return goja.Undefined()
	},
	"getPropertyPriority": func(d *DOM, c goja.FunctionCall) goja.Value {
		s, prop := thisAs[*style](d, c), c.Argument(0).String()
		for _, dc := range s.decls() {
			if dc.prop == prop && strings.HasSuffix(dc.val, " !important") {
				return d.str("important")
			}
		}
		return d.str("")
	},
	"item": func(d *DOM, c goja.FunctionCall) goja.Value {
		ds := thisAs[*style](d, c).decls()
		if i := int(c.Argument(0).ToInteger()); i >= 0 && i < len(ds) {
			return d.str(ds[i].prop)
		}
		return d.str("")
	},
	"getPropertyValue": func(d *DOM, c goja.FunctionCall) goja.Value {
		return d.str(thisAs[*style](d, c).value(c.Argument(0).String()))
	},
	"removeProperty": func(d *DOM, c goja.FunctionCall) goja.Value {
		s, prop := thisAs[*style](d, c), c.Argument(0).String()
		old := s.value(prop)
		s.setDecl(prop, "")
		return d.str(old)
	},
}

// Names scripts commonly read off any object; they must reach Object.prototype
// instead of being taken for unset CSS properties.
var objectNames = map[string]bool{
	"toString": true, "valueOf": true, "constructor": true, "hasOwnProperty": true,
	"isPrototypeOf": true, "propertyIsEnumerable": true, "toLocaleString": true, "toJSON": true,
}

// decls reads the style attribute as the browser's declaration block holds
// it: normalised values, invalid declarations dropped, margin and padding
// held as their four longhands, a repeated property once (the last wins,
// in the first one's place).
func (s *style) decls() []decl {
	v, _ := getAttr(s.x.n, "style")
	return normalizeDecls(parseStyle(v))
}

func normalizeDecls(in []decl) []decl {
	var out []decl
	for _, d := range in {
		v, ok := normalizeDecl(d.prop, d.val)
		if !ok {
			continue
		}
		out = putDecls(out, expandDecl(d.prop, v))
	}
	return out
}

// putDecls sets each of add in ds: in place when present, else appended.
func putDecls(ds []decl, add []decl) []decl {
	for _, a := range add {
		found := false
		for i := range ds {
			if ds[i].prop == a.prop {
				ds[i].val, found = a.val, true
				break
			}
		}
		if !found {
			ds = append(ds, a)
		}
	}
	return ds
}

// sideGroups are the shorthands kept as longhands and folded back when all
// four are set, as Chromium's declaration blocks do.
var sideGroups = map[string][4]string{
	"margin":  {"margin-top", "margin-right", "margin-bottom", "margin-left"},
	"padding": {"padding-top", "padding-right", "padding-bottom", "padding-left"},
}

func expandDecl(prop, val string) []decl {
	g, ok := sideGroups[prop]
	if !ok {
		if prop == "border" && !hasBorderWidth(val) && !strings.Contains(val, "!") {
			// Chromium cannot write a border without a width as the
			// shorthand and spells it out (border: none).
			style, color := "none", "currentcolor"
			for _, f := range splitTop(val, ' ') {
				if borderStyles[f] {
					style = f
				} else {
					color = f
				}
			}
			return []decl{{"border-width", "medium"}, {"border-style", style}, {"border-color", color}, {"border-image", "none"}}
		}
		return []decl{{prop, val}}
	}
	imp := ""
	if v, ok := strings.CutSuffix(val, " !important"); ok {
		val, imp = v, " !important"
	}
	p := splitTop(val, ' ')
	switch len(p) {
	case 1:
		p = []string{p[0], p[0], p[0], p[0]}
	case 2:
		p = []string{p[0], p[1], p[0], p[1]}
	case 3:
		p = []string{p[0], p[1], p[2], p[1]}
	case 4:
	default:
		return []decl{{prop, val + imp}}
	}
	out := make([]decl, 4)
	for i := range out {
		out[i] = decl{g[i], p[i] + imp}
	}
	return out
}

// fold writes complete longhand groups back as their shorthand, at the
// place of the group's first longhand.
func fold(ds []decl) []decl {
	for short, g := range sideGroups {
		var vals [4]string
		first, n := -1, 0
		for i, d := range ds {
			for k, l := range g {
				if d.prop == l {
					vals[k] = d.val
					n++
					if first < 0 {
						first = i
					}
				}
			}
		}
		if n != 4 {
			continue
		}
		imp := strings.HasSuffix(vals[0], " !important")
		same := true
		for _, v := range vals {
			same = same && strings.HasSuffix(v, " !important") == imp
		}
		if !same {
			continue
		}
		for k := range vals {
			vals[k] = strings.TrimSuffix(vals[k], " !important")
		}
		v := collapseSides(strings.Join(vals[:], " "))
		if imp {
			v += " !important"
		}
		var out []decl
		for i, d := range ds {
			if i == first {
				out = append(out, decl{short, v})
			}
			if indexOf(g[:], d.prop) < 0 {
				out = append(out, d)
			}
		}
		ds = out
	}
	return ds
}

func (s *style) value(prop string) string {
	ds := s.decls()
	if _, ok := sideGroups[prop]; ok {
		for _, d := range fold(ds) {
			if d.prop == prop {
				return strings.TrimSuffix(d.val, " !important")
			}
		}
		return ""
	}
	for _, d := range ds {
		if d.prop == prop {
			return strings.TrimSuffix(d.val, " !important")
		}
	}
	return ""
}

func (s *style) setDecl(prop, val string) {
	if _, had := getAttr(s.x.n, "style"); !had {
		defer func() {
			if _, has := getAttr(s.x.n, "style"); has {
				s.x.styleFloat = true
			}
		}()
	}
	ds := s.decls()
	if val == "" {
		if _, had := getAttr(s.x.n, "style"); !had {
			return // nothing to remove, and no empty style attribute appears
		}
		remove := []string{prop}
		if g, ok := sideGroups[prop]; ok {
			remove = g[:]
		}
		var out []decl
		for _, d := range ds {
			if indexOf(remove, d.prop) < 0 {
				out = append(out, d)
			}
		}
		if len(out) == len(ds) {
			return // removing an absent property changes nothing
		}
		s.x.setAttr("style", serializeStyle(out))
		return
	}
	val, ok := normalizeDecl(prop, val)
	if !ok {
		return // browsers ignore a value they cannot parse
	}
	s.x.setAttr("style", serializeStyle(putDecls(ds, expandDecl(prop, val))))
}

// normalizeDecl normalises a declaration value with its !important flag.
func normalizeDecl(prop, val string) (string, bool) {
	important := false
	if i := strings.LastIndex(val, "!"); i >= 0 && strings.EqualFold(strings.TrimSpace(val[i+1:]), "important") {
		important, val = true, val[:i]
	}
	v, ok := normalizeValue(prop, val)
	if !ok {
		return "", false
	}
	if important {
		v += " !important"
	}
	return v, true
}

func (s *style) Get(key string) goja.Value {
	d := s.x.d
	switch key {
	case "cssText":
		return d.str(serializeStyle(s.decls()))
	case "length":
		return d.rt.ToValue(len(s.decls()))
	}
	if m, ok := styleMethods[key]; ok {
		return d.fn("style."+key, m)
	}
	if i, ok := index(key); ok {
		if ds := s.decls(); i < len(ds) {
			return d.str(ds[i].prop)
		}
		return nil
	}
	if objectNames[key] {
		return nil
	}
	return d.str(s.value(cssProp(key)))
}

func (s *style) Set(key string, v goja.Value) bool {
	if key == "cssText" {
		s.x.setAttr("style", serializeStyle(normalizeDecls(parseStyle(nullableString(v)))))
		return true
	}
	if _, ok := index(key); ok || objectNames[key] || styleMethods[key] != nil {
		return false
	}
	s.setDecl(cssProp(key), strings.TrimSpace(nullableString(v)))
	return true
}

func (s *style) Has(key string) bool { return s.Get(key) != nil }
func (s *style) Delete(string) bool  { return false }
func (s *style) Keys() []string      { return nil }

// cssProp maps a property key (backgroundColor, WebkitTransform, cssFloat or
// an already dashed name) to its CSS name.
func cssProp(key string) string {
	switch {
	case strings.HasPrefix(key, "--"):
		return key
	case strings.Contains(key, "-"):
		return strings.ToLower(key)
	case key == "cssFloat":
		return "float"
	}
	return kebab(key)
}

// parseStyle splits a declaration list on semicolons outside quotes and
// parentheses (url(a;b) and "a;b" stay whole).
func parseStyle(s string) []decl {
	var ds []decl
	add := func(part string) {
		prop, val, ok := strings.Cut(part, ":")
		prop, val = strings.TrimSpace(prop), strings.TrimSpace(val)
		if !ok || prop == "" || val == "" {
			return
		}
		if !strings.HasPrefix(prop, "--") {
			prop = strings.ToLower(prop)
		}
		ds = append(ds, decl{prop, val})
	}
	for _, part := range splitTop(s, ';') {
		add(part)
	}
	return ds
}

// serializeStyle writes declarations the way browsers do: "a: b; c: d;".
func serializeStyle(ds []decl) string {
	ds = fold(ds)
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d.prop)
		b.WriteString(": ")
		b.WriteString(d.val)
		b.WriteByte(';')
	}
	return b.String()
}

// index parses a canonical array index key.
func index(key string) (int, bool) {
	if key == "" || (len(key) > 1 && key[0] == '0') {
		return 0, false
	}
	i, err := strconv.Atoi(key)
	return i, err == nil && i >= 0
}
