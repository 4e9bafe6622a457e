package dom

import (
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/andybalholm/cascadia"
	"github.com/dop251/goja"
	hlru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/net/html"
)

// Compiled selectors are immutable and shared by every execution.
var selectors, _ = hlru.New[string, cascadia.Selector](512)

func compileSelector(s string) (cascadia.Selector, error) {
	if sel, ok := selectors.Get(s); ok {
		return sel, nil
	}
	sel, err := cascadia.Compile(s)
	if err != nil {
		return nil, err
	}
	selectors.Add(s, sel)
	return sel, nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// list returns an array-like object over impl whose prototype adds item() to
// Array.prototype, so forEach, map, length and indexing work as scripts expect.
func (d *DOM) list(impl goja.DynamicArray) *goja.Object {
	if d.listProto == nil {
		arrayProto := d.rt.Get("Array").ToObject(d.rt).Get("prototype").ToObject(d.rt)
		d.listProto = d.rt.NewObject()
		_ = d.listProto.SetPrototype(arrayProto)
		_ = d.listProto.SetSymbol(goja.SymToStringTag, d.str("NodeList"))
		_ = d.listProto.Set("item", d.fn("list.item", func(d *DOM, c goja.FunctionCall) goja.Value {
			if v := thisAs[goja.DynamicArray](d, c).Get(int(c.Argument(0).ToInteger())); v != nil {
				return v
			}
			return goja.Null()
		}))
	}
	obj := d.rt.NewDynamicArray(impl)
	_ = obj.SetPrototype(d.listProto)
	return obj
}

// staticList is a NodeList snapshot, as querySelectorAll returns. JS wrappers
// are only created for the items a script reads.
type staticList struct {
	d     *DOM
	nodes []*html.Node
}

func (d *DOM) staticList(nodes []*html.Node) goja.Value {
	return d.list(&staticList{d: d, nodes: nodes})
}

func (l *staticList) Len() int { return len(l.nodes) }
func (l *staticList) Get(i int) goja.Value {
	if i < 0 || i >= len(l.nodes) {
		return nil
	}
	return l.d.wrap(l.nodes[i])
}
func (l *staticList) Set(int, goja.Value) bool { return false }
func (l *staticList) SetLen(int) bool          { return false }

// liveList backs childNodes and children: it re-reads the tree whenever the
// DOM's structure changed since it last looked.
type liveList struct {
	x        *node
	elements bool
	version  uint64
	nodes    []*html.Node
}

func (x *node) liveList(elements bool) goja.Value {
	slot := &x.childNodes
	if elements {
		slot = &x.children
	}
	if *slot == nil {
		if elements {
			// children is an HTMLCollection (no forEach), as in browsers
			n := x.n
			*slot = x.d.collection(func() []*html.Node {
				var out []*html.Node
				for c := firstElement(n); c != nil; c = nextElement(c) {
					out = append(out, c)
				}
				return out
			}).(*goja.Object)
			return *slot
		}
		*slot = x.d.list(&liveList{x: x, elements: elements, version: x.d.version - 1})
	}
	return *slot
}

func (l *liveList) current() []*html.Node {
	if l.version != l.x.d.version {
		l.nodes = l.nodes[:0]
		for c := l.x.n.FirstChild; c != nil; c = c.NextSibling {
			if !l.elements || c.Type == html.ElementNode {
				l.nodes = append(l.nodes, c)
			}
		}
		l.version = l.x.d.version
	}
	return l.nodes
}

func (l *liveList) Len() int { return len(l.current()) }
func (l *liveList) Get(i int) goja.Value {
	nodes := l.current()
	if i < 0 || i >= len(nodes) {
		return nil
	}
	return l.x.d.wrap(nodes[i])
}
func (l *liveList) Set(int, goja.Value) bool { return false }
func (l *liveList) SetLen(int) bool          { return false }

func classes(n *html.Node) []string {
	v, _ := getAttr(n, "class")
	return strings.Fields(v)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// classList is the DOMTokenList over an element's class attribute.
type classList struct{ x *node }

var classListMethods = map[string]func(*DOM, goja.FunctionCall) goja.Value{
	"add": func(d *DOM, c goja.FunctionCall) goja.Value {
		l := thisAs[*classList](d, c)
		cur := classes(l.x.n)
		for _, a := range c.Arguments {
			if t := a.String(); indexOf(cur, t) < 0 {
				cur = append(cur, t)
			}
		}
		l.set(cur)
		return goja.Undefined()
	},
	"remove": func(d *DOM, c goja.FunctionCall) goja.Value {
		l := thisAs[*classList](d, c)
		cur := classes(l.x.n)
		for _, a := range c.Arguments {
			if i := indexOf(cur, a.String()); i >= 0 {
				cur = append(cur[:i], cur[i+1:]...)
			}
		}
		l.set(cur)
		return goja.Undefined()
	},
	"toggle": func(d *DOM, c goja.FunctionCall) goja.Value {
		l := thisAs[*classList](d, c)
		cur, t := classes(l.x.n), c.Argument(0).String()
		i := indexOf(cur, t)
		want := i < 0
		if f := c.Argument(1); !goja.IsUndefined(f) {
			want = f.ToBoolean()
		}
		switch {
		case want && i < 0:
			l.set(append(cur, t))
		case !want && i >= 0:
			l.set(append(cur[:i], cur[i+1:]...))
		}
		return d.rt.ToValue(want)
	},
	"replace": func(d *DOM, c goja.FunctionCall) goja.Value {
		l := thisAs[*classList](d, c)
		cur := classes(l.x.n)
		i := indexOf(cur, c.Argument(0).String())
		if i < 0 {
			return d.rt.ToValue(false)
		}
		cur[i] = c.Argument(1).String()
		l.set(cur)
		return d.rt.ToValue(true)
	},
	"contains": func(d *DOM, c goja.FunctionCall) goja.Value {
		return d.rt.ToValue(indexOf(classes(thisAs[*classList](d, c).x.n), c.Argument(0).String()) >= 0)
	},
	"item": func(d *DOM, c goja.FunctionCall) goja.Value {
		cur, i := classes(thisAs[*classList](d, c).x.n), int(c.Argument(0).ToInteger())
		if i < 0 || i >= len(cur) {
			return goja.Null()
		}
		return d.str(cur[i])
	},
	"toString": func(d *DOM, c goja.FunctionCall) goja.Value {
		v, _ := getAttr(thisAs[*classList](d, c).x.n, "class")
		return d.str(v)
	},
	"forEach": func(d *DOM, c goja.FunctionCall) goja.Value {
		l := thisAs[*classList](d, c)
		cb, ok := goja.AssertFunction(c.Argument(0))
		if !ok {
			panic(d.rt.NewTypeError("classList.forEach: callback is not a function"))
		}
		for i, t := range classes(l.x.n) {
			if _, err := cb(c.Argument(1), d.str(t), d.rt.ToValue(i), l.x.classList); err != nil {
				panic(err)
			}
		}
		return goja.Undefined()
	},
}

// set writes tokens back, de-duplicated, in the DOM's serialisation.
func (l *classList) set(tokens []string) {
	if _, had := getAttr(l.x.n, "class"); !had && len(tokens) == 0 {
		return // DOMTokenList's update steps create no empty class attribute
	}
	l.x.setAttr("class", strings.Join(tokens, " "))
}

func (l *classList) Get(key string) goja.Value {
	d := l.x.d
	switch key {
	case "length":
		return d.rt.ToValue(len(classes(l.x.n)))
	case "value":
		v, _ := getAttr(l.x.n, "class")
		return d.str(v)
	}
	if m, ok := classListMethods[key]; ok {
		return d.fn("classList."+key, m)
	}
	if i, ok := index(key); ok {
		if cur := classes(l.x.n); i < len(cur) {
			return d.str(cur[i])
		}
	}
	return nil
}

func (l *classList) Set(key string, v goja.Value) bool {
	if key == "value" {
		l.x.setAttr("class", v.String())
		return true
	}
	return false
}

func (l *classList) Has(key string) bool { return l.Get(key) != nil }
func (l *classList) Delete(string) bool  { return false }
func (l *classList) Keys() []string {
	keys := make([]string, len(classes(l.x.n)))
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	return keys
}

// dataset maps camelCase keys to data-* attributes.
type dataset struct{ x *node }

func (s *dataset) Get(key string) goja.Value {
	if v, ok := getAttr(s.x.n, "data-"+kebab(key)); ok {
		return s.x.d.str(v)
	}
	return nil
}

func (s *dataset) Set(key string, v goja.Value) bool {
	s.x.setAttr("data-"+kebab(key), v.String())
	return true
}

func (s *dataset) Has(key string) bool {
	_, ok := getAttr(s.x.n, "data-"+kebab(key))
	return ok
}

func (s *dataset) Delete(key string) bool {
	s.x.removeAttr("data-" + kebab(key))
	return true
}

func (s *dataset) Keys() []string {
	var keys []string
	for _, a := range s.x.n.Attr {
		if k, ok := strings.CutPrefix(a.Key, "data-"); ok && a.Namespace == "" {
			keys = append(keys, camel(k))
		}
	}
	return keys
}

// kebab turns backgroundColor into background-color.
func kebab(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('-')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// camel turns background-color into backgroundColor.
func camel(s string) string {
	var b strings.Builder
	up := false
	for _, r := range s {
		switch {
		case r == '-':
			up = true
			continue
		case up && r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}
