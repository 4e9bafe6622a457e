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
	// handlers holds on<event> properties a script set (nil entries: cleared).
	handlers map[string]goja.Value
	// styleFloat: the style attribute was created by CSSOM and not read
	// since (see setAttr).
	styleFloat bool
	// form is the state of a form control that lives outside its attributes
	// (value, checkedness, selectedness), as in browsers.
	form *formState
	// custom is the definition an upgraded custom element runs (custom.go);
	// ceFailed: its constructor threw, so it is never upgraded again.
	custom   *ceDef
	ceFailed bool
	// listeners is events.js's listener list for this node (goja array).
	listeners goja.Value
	// keeper, once a sweep found the node out of the document, keeps its
	// tree's wrappers alive together while the script holds any (live.go).
	keeper *keeper
}

// member describes one DOM property or method and the node kinds that have it.
type member struct {
	kinds kind
	get   func(*node) goja.Value
	set   func(*node, goja.Value)
	call  func(*node, goja.FunctionCall) goja.Value
}

func (x *node) member(key string) *member {
	m, ok := members[key]
	if !ok || m.kinds&x.kind == 0 {
		return nil
	}
	if tags, ok := memberTags[key]; ok && x.kind == kindElement && (x.n.Namespace != "" || !tags[x.n.Data]) {
		return nil // another element's property: here it is a plain expando
	}
	return m
}

func (x *node) Get(key string) goja.Value {
	if x.extra != nil {
		if v, ok := x.extra[key]; ok {
			return v
		}
	}
	if x.kind == kindElement && x.n.Data == "form" && x.n.Namespace == "" && key != "" && !objectNames[key] {
		// [LegacyOverrideBuiltIns]: form.name is the control named "name"
		if c := x.d.namedControl(x.n, key); c != nil {
			return x.wrap(c)
		}
	}
	if x.d.ce != nil {
		if x.custom != nil {
			if _, ok := x.custom.keys[key]; ok {
				return nil // the class's own member, on its prototype
			}
		} else if x.kind == kindFragment {
			if v, ok := x.shadowMember(key); ok {
				return v
			}
		}
	}
	m := x.member(key)
	switch {
	case m == nil:
		if typ, ok := handlerName(key); ok && x.kind&(kindElement|kindDocument) != 0 {
			return x.handler(typ)
		}
		return nil
	case m.call != nil:
		return x.d.method(key, m)
	}
	return m.get(x)
}

func (x *node) Set(key string, v goja.Value) bool {
	if x.d.ce != nil {
		if ok, handled := x.setCustom(key, v); handled {
			return ok
		}
	}
	if typ, ok := handlerName(key); ok && x.kind&(kindElement|kindDocument) != 0 && x.member(key) == nil {
		x.setHandler(typ, v)
		return true
	}
	if m := x.member(key); m != nil && m.call == nil {
		if m.set == nil {
			return false // read-only, like a getter-only accessor
		}
		if x.d.ce != nil {
			x.d.ceEnter()
			defer x.d.ceLeave()
		}
		m.set(x, v)
		return true
	}
	x.setExpando(key, v)
	return true
}

// setCustom is an assignment to an upgraded custom element's class member
// (its setter runs) or to a shadow root's innerHTML.
func (x *node) setCustom(key string, v goja.Value) (ok, handled bool) {
	if x.custom == nil {
		if x.kind == kindFragment && key == "innerHTML" && x.d.ce.hosts[x.n] != nil {
			x.d.ceEnter()
			defer x.d.ceLeave()
			x.d.setInnerHTML(x.n, nullableString(v))
			return true, true
		}
		return false, false
	}
	set, own := x.custom.keys[key]
	switch {
	case !own:
		return false, false
	case set != nil:
		if _, err := set(x.obj, v); err != nil {
			panic(err)
		}
	case x.custom.getOnly[key]:
		return false, true
	default:
		x.setExpando(key, v)
	}
	return true, true
}

func (x *node) Has(key string) bool {
	if _, ok := x.extra[key]; ok {
		return true
	}
	if _, ok := handlerName(key); ok && x.kind&(kindElement|kindDocument) != 0 {
		return true
	}
	return x.member(key) != nil
}

// setAttr and removeAttr change an attribute and mark the tree changed, so
// live collections that filter on attributes (getElementsByClassName) refresh.
func (x *node) setAttr(name, val string) {
	if x.custom != nil {
		old := goja.Null()
		if a, ok := getAttr(x.n, name); ok {
			old = x.d.str(a)
		}
		defer x.ceAttributeChanged(name, old, x.d.str(val))
	}
	setAttr(x.n, name, val)
	x.d.version++
	if x.styleFloat && name != "style" {
		// Chromium writes a CSSOM-made style attribute into the element
		// lazily, when something reads attributes, so attributes set in
		// between come before it; keep it last until such a read.
		for i, a := range x.n.Attr {
			if a.Key == "style" && a.Namespace == "" {
				x.n.Attr = append(append(x.n.Attr[:i:i], x.n.Attr[i+1:]...), a)
				break
			}
		}
	}
}

// syncStyle marks the style attribute as written into the element.
func (x *node) syncStyle() { x.styleFloat = false }

func (x *node) removeAttr(name string) {
	if x.custom != nil {
		if a, ok := getAttr(x.n, name); ok {
			defer x.ceAttributeChanged(name, x.d.str(a), goja.Null())
		}
	}
	removeAttr(x.n, name)
	x.d.version++
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
		if d.ce != nil {
			d.ceEnter()
			defer d.ceLeave()
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
	d.reviveTree(c) // a swept tree coming back keeps its state (live.go)
	if kindOf(d, c) == kindFragment {
		for k := c.FirstChild; k != nil; k = c.FirstChild {
			detach(k)
			link(p, k, ref)
			if d.ce != nil {
				d.ceInserted(k)
			}
		}
	} else {
		if ref == c {
			ref = c.NextSibling
		}
		if d.ce != nil && c.Parent != nil && d.connected(c) {
			detach(c)
			d.ceRemoved(c)
		}
		detach(c)
		link(p, c, ref)
		if d.ce != nil {
			d.ceInserted(c)
		}
	}
	d.version++
}

func (d *DOM) remove(c *html.Node) {
	if c.Parent != nil {
		if d.ce != nil && d.connected(c) {
			defer d.ceRemoved(c)
		}
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
	if n.Type == html.ElementNode && n.Data == "template" && n.Namespace == "" {
		n = d.templateContent(n)
	}
	nodes, err := d.parseFragment(n, s)
	if err != nil {
		d.throw("SyntaxError", err.Error())
	}
	if d.ce != nil && d.connected(n) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			d.ceRemoved(c)
		}
	}
	removeChildren(n)
	for _, c := range nodes {
		n.AppendChild(c)
		if d.ce != nil {
			d.ceInserted(c)
		}
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

// setInnerText is the innerText setter: line breaks become <br> elements.
func (d *DOM) setInnerText(n *html.Node, s string) {
	if !strings.ContainsAny(s, "\r\n") {
		d.setTextContent(n, s)
		return
	}
	removeChildren(n)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
	for i, line := range lines {
		if i > 0 {
			n.AppendChild(newElement("br"))
		}
		if line != "" {
			n.AppendChild(&html.Node{Type: html.TextNode, Data: line})
		}
	}
	d.version++
}
