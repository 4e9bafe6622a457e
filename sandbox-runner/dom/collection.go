package dom

import (
	"strconv"

	"github.com/dop251/goja"
	"golang.org/x/net/html"
)

// collection is a live HTMLCollection (getElementsByTagName, form.elements,
// select.options, table.rows ...): it recomputes its members when the tree
// or an attribute changed since it last looked, and answers named access
// (form.elements.email) as browsers do.
type collection struct {
	d       *DOM
	compute func() []*html.Node
	version uint64
	nodes   []*html.Node
}

func (d *DOM) collection(compute func() []*html.Node) goja.Value {
	if d.collProto == nil {
		d.collProto = d.rt.NewObject()
		_ = d.collProto.Set("item", d.fn("collection.item", func(d *DOM, c goja.FunctionCall) goja.Value {
			l := thisAs[*collection](d, c)
			i := int(c.Argument(0).ToInteger())
			if cur := l.current(); i >= 0 && i < len(cur) {
				return d.wrap(cur[i])
			}
			return goja.Null()
		}))
		_ = d.collProto.Set("namedItem", d.fn("collection.namedItem", func(d *DOM, c goja.FunctionCall) goja.Value {
			if n := thisAs[*collection](d, c).named(c.Argument(0).String()); n != nil {
				return d.wrap(n)
			}
			return goja.Null()
		}))
		_ = d.collProto.SetPrototype(d.iterableProto())
		_ = d.collProto.SetSymbol(goja.SymToStringTag, d.str("HTMLCollection"))
	}
	obj := d.rt.NewDynamicObject(&collection{d: d, compute: compute, version: d.version - 1})
	_ = obj.SetPrototype(d.collProto)
	return obj
}

func (l *collection) current() []*html.Node {
	if l.version != l.d.version {
		l.nodes = l.compute()
		l.version = l.d.version
	}
	return l.nodes
}

func (l *collection) named(name string) *html.Node {
	if name == "" {
		return nil
	}
	for _, n := range l.current() {
		if id, _ := getAttr(n, "id"); id == name {
			return n
		}
		if nm, ok := getAttr(n, "name"); ok && nm == name && n.Namespace == "" {
			return n
		}
	}
	return nil
}

func (l *collection) Get(key string) goja.Value {
	if key == "length" {
		return l.d.rt.ToValue(len(l.current()))
	}
	if i, ok := index(key); ok {
		if cur := l.current(); i < len(cur) {
			return l.d.wrap(cur[i])
		}
		return nil
	}
	if objectNames[key] || key == "item" || key == "namedItem" {
		return nil
	}
	if n := l.named(key); n != nil {
		return l.d.wrap(n)
	}
	return nil
}

func (l *collection) Set(string, goja.Value) bool { return false }
func (l *collection) Has(key string) bool         { return l.Get(key) != nil }
func (l *collection) Delete(string) bool          { return false }
func (l *collection) Keys() []string {
	keys := make([]string, len(l.current()))
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	return keys
}

// iterableProto is a prototype giving array-likes (DOMTokenList,
// HTMLCollection) Array.prototype's iterator, so for...of and spread work.
func (d *DOM) iterableProto() *goja.Object {
	if d.iterProto == nil {
		d.iterProto = d.rt.NewObject()
		values := d.rt.Get("Array").ToObject(d.rt).Get("prototype").ToObject(d.rt).GetSymbol(goja.SymIterator)
		_ = d.iterProto.SetSymbol(goja.SymIterator, values)
	}
	return d.iterProto
}
