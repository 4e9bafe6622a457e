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

func (s *style) decls() []decl {
	v, _ := getAttr(s.x.n, "style")
	return parseStyle(v)
}

func (s *style) value(prop string) string {
	for _, d := range s.decls() {
		if d.prop == prop {
			return d.val
		}
	}
	return ""
}

func (s *style) setDecl(prop, val string) {
	ds := s.decls()
	i := 0
	for i < len(ds) && ds[i].prop != prop {
		i++
	}
	switch {
	case val == "" && i < len(ds):
		ds = append(ds[:i], ds[i+1:]...)
	case val == "":
		return
	case i < len(ds):
		ds[i].val = val
	default:
		ds = append(ds, decl{prop, val})
	}
	setAttr(s.x.n, "style", serializeStyle(ds))
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
		setAttr(s.x.n, "style", serializeStyle(parseStyle(nullableString(v))))
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
	depth, quote, start := 0, byte(0), 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ';' && depth == 0:
			add(s[start:i])
			start = i + 1
		}
	}
	add(s[start:])
	return ds
}

// serializeStyle writes declarations the way browsers do: "a: b; c: d;".
func serializeStyle(ds []decl) string {
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
