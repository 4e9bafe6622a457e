package dom

import (
	"strings"

	"github.com/andybalholm/cascadia"
	"github.com/dop251/goja"
	"golang.org/x/net/html"
)

// node is the goja.DynamicObject behind every JS node object. Properties come
// from the static members table; anything else a script sets is kept as an
// expando in extra.
type node struct {
	d    *DOM
	n    *html.Node
	obj  *goja.Object
	kind kind

	extra     map[string]goja.Value
	extraKeys []string // insertion order, so Object.keys is deterministic

	childNodes, children, classList, dataset, style *goja.Object
	listeners                                       []listener
}

// listener records an addEventListener call; no events fire server side.
type listener struct {
	typ     string
	fn      goja.Value
	capture bool
}

// member describes one DOM property or method and the node kinds that have it.
type member struct {
	kinds kind
	get   func(*node) goja.Value
	set   func(*node, goja.Value)
	call  func(*node, goja.FunctionCall) goja.Value
}

func (x *node) member(key string) *member {
	if m, ok := members[key]; ok && m.kinds&x.kind != 0 {
		return m
	}
	return nil
}

func (x *node) Get(key string) goja.Value {
	if x.extra != nil {
		if v, ok := x.extra[key]; ok {
			return v
		}
	}
	m := x.member(key)
	switch {
	case m == nil:
		return nil
	case m.call != nil:
		return x.d.method(key, m)
	}
	return m.get(x)
}

func (x *node) Set(key string, v goja.Value) bool {
	if m := x.member(key); m != nil && m.call == nil {
		if m.set == nil {
			return false // read-only, like a getter-only accessor
		}
		m.set(x, v)
		return true
	}
	if x.extra == nil {
		x.extra = make(map[string]goja.Value)
	}
	if _, ok := x.extra[key]; !ok {
		x.extraKeys = append(x.extraKeys, key)
	}
	x.extra[key] = v
	return true
}

func (x *node) Has(key string) bool {
	if _, ok := x.extra[key]; ok {
		return true
	}
	return x.member(key) != nil
}

func (x *node) Delete(key string) bool {
	if _, ok := x.extra[key]; ok {
		delete(x.extra, key)
		for i, k := range x.extraKeys {
			if k == key {
				x.extraKeys = append(x.extraKeys[:i], x.extraKeys[i+1:]...)
				break
			}
		}
		return true
	}
	return x.member(key) == nil
}

func (x *node) Keys() []string { return x.extraKeys }

// method returns the shared function for a node method; it checks the
// receiver's kind so detached calls (m.call(otherNode)) stay safe.
func (d *DOM) method(key string, m *member) goja.Value {
	if f, ok := d.funcs[key]; ok {
		return f
	}
	f := d.native(key, func(c goja.FunctionCall) goja.Value {
		x := thisAs[*node](d, c)
		if x.d != d || x.kind&m.kinds == 0 {
			panic(d.rt.NewTypeError("Illegal invocation"))
		}
		return m.call(x, c)
	})
	d.funcs[key] = f
	return f
}

// insert implements the DOM pre-insert steps: validation, fragment expansion
// and detaching a node that already has a parent.
func (d *DOM) insert(p, c, ref *html.Node, method string) {
	if ref != nil && ref.Parent != p {
		d.throw("NotFoundError", "Failed to execute '"+method+"' on 'Node': The node before which the new node is to be inserted is not a child of this node.")
	}
	if c == d.doc || contains(c, p) || p.Type == html.TextNode || p.Type == html.CommentNode {
		d.throw("HierarchyRequestError", "Failed to execute '"+method+"' on 'Node': The new child element contains the parent.")
	}
	if kindOf(d, c) == kindFragment {
		for k := c.FirstChild; k != nil; k = c.FirstChild {
			detach(k)
			link(p, k, ref)
		}
	} else {
		if ref == c {
			ref = c.NextSibling
		}
		detach(c)
		link(p, c, ref)
	}
	d.version++
}

func (d *DOM) remove(c *html.Node) {
	if c.Parent != nil {
		detach(c)
		d.version++
	}
}

// nodesArg converts the arguments of append/prepend/before/after/replaceWith
// (nodes or strings) into a single node, using a fragment for several.
func (d *DOM) nodesArg(args []goja.Value, method string) *html.Node {
	conv := func(v goja.Value) *html.Node {
		if _, ok := v.(*goja.Object); ok {
			return d.nodeArg(v, method)
		}
		return &html.Node{Type: html.TextNode, Data: v.String()}
	}
	if len(args) == 1 {
		return conv(args[0])
	}
	frag := &html.Node{Type: html.DocumentNode}
	for _, a := range args {
		d.insert(frag, conv(a), nil, method)
	}
	return frag
}

func (d *DOM) setInnerHTML(n *html.Node, s string) {
	nodes, err := parseFragment(n, s)
	if err != nil {
		d.throw("SyntaxError", err.Error())
	}
	removeChildren(n)
	for _, c := range nodes {
		n.AppendChild(c)
	}
	d.version++
}

func (d *DOM) setTextContent(n *html.Node, s string) {
	switch n.Type {
	case html.TextNode, html.CommentNode:
		n.Data = s
		return
	case html.ElementNode, html.DocumentNode:
		if n == d.doc {
			return
		}
	}
	removeChildren(n)
	if s != "" {
		n.AppendChild(&html.Node{Type: html.TextNode, Data: s})
	}
	d.version++
}

// nullableString converts a value the way DOM string setters with
// [LegacyNullToEmptyString] do.
func nullableString(v goja.Value) string {
	if v == nil || goja.IsNull(v) || goja.IsUndefined(v) {
		return ""
	}
	return v.String()
}

func (d *DOM) selector(s string) cascadia.Selector {
	sel, err := compileSelector(s)
	if err != nil {
		d.throw("SyntaxError", "'"+s+"' is not a valid selector")
	}
	return sel
}

func (d *DOM) title() string {
	t := collect(d.doc, func(n *html.Node) bool { return n.Data == "title" && n.Namespace == "" }, nil)
	if len(t) == 0 {
		return ""
	}
	return strings.Join(strings.Fields(textContent(t[0])), " ")
}

func (d *DOM) setTitle(s string) {
	t := collect(d.doc, func(n *html.Node) bool { return n.Data == "title" && n.Namespace == "" }, nil)
	if len(t) == 0 {
		head := d.head()
		if head == nil {
			return
		}
		t = append(t, newElement("title"))
		head.AppendChild(t[0])
	}
	d.setTextContent(t[0], s)
}

func (d *DOM) head() *html.Node {
	if root := firstElement(d.doc); root != nil {
		return childElement(root, "head")
	}
	return nil
}
