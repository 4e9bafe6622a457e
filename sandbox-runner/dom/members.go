package dom

import (
	"strings"

	"github.com/andybalholm/cascadia"
	"github.com/dop251/goja"
	"golang.org/x/net/html"
)

func ro(k kind, get func(*node) goja.Value) *member { return &member{kinds: k, get: get} }

func rw(k kind, get func(*node) goja.Value, set func(*node, goja.Value)) *member {
	return &member{kinds: k, get: get, set: set}
}

func fn(k kind, call func(*node, goja.FunctionCall) goja.Value) *member {
	return &member{kinds: k, call: call}
}

// strAttr reflects a string content attribute as a property.
func strAttr(name string) *member {
	return rw(kindElement, func(x *node) goja.Value {
		v, _ := getAttr(x.n, name)
		return x.d.str(v)
	}, func(x *node, v goja.Value) { x.setAttr(name, v.String()) })
}

// boolAttr reflects a boolean content attribute as a property.
func boolAttr(name string) *member {
	return rw(kindElement, func(x *node) goja.Value {
		_, ok := getAttr(x.n, name)
		return x.d.rt.ToValue(ok)
	}, func(x *node, v goja.Value) {
		if v.ToBoolean() {
			x.setAttr(name, "")
		} else {
			x.removeAttr(name)
		}
	})
}

func (x *node) wrap(n *html.Node) goja.Value { return x.d.wrap(n) }

var members = map[string]*member{
	// Node
	"nodeType": ro(kindAll, func(x *node) goja.Value { return x.d.rt.ToValue(nodeType(x.kind)) }),
	"nodeName": ro(kindAll, func(x *node) goja.Value { return x.d.str(nodeName(x.d, x.n)) }),
	"nodeValue": rw(kindAll, func(x *node) goja.Value {
		if x.kind&kindCharData == 0 {
			return goja.Null()
		}
		return x.d.str(x.n.Data)
	}, func(x *node, v goja.Value) {
		if x.kind&kindCharData != 0 {
			x.n.Data = nullableString(v)
		}
	}),
	"textContent": rw(kindAll, func(x *node) goja.Value {
		if x.kind&(kindDocument|kindDoctype) != 0 {
			return goja.Null()
		}
		return x.d.str(textContent(x.n))
	}, func(x *node, v goja.Value) { x.d.setTextContent(x.n, nullableString(v)) }),
	"parentNode": ro(kindAll, func(x *node) goja.Value { return x.wrap(x.n.Parent) }),
	"parentElement": ro(kindAll, func(x *node) goja.Value {
		if isElement(x.n.Parent) {
			return x.wrap(x.n.Parent)
		}
		return goja.Null()
	}),
	"childNodes":      ro(kindAll, func(x *node) goja.Value { return x.liveList(false) }),
	"firstChild":      ro(kindAll, func(x *node) goja.Value { return x.wrap(x.n.FirstChild) }),
	"lastChild":       ro(kindAll, func(x *node) goja.Value { return x.wrap(x.n.LastChild) }),
	"nextSibling":     ro(kindAll, func(x *node) goja.Value { return x.wrap(x.n.NextSibling) }),
	"previousSibling": ro(kindAll, func(x *node) goja.Value { return x.wrap(x.n.PrevSibling) }),
	"ownerDocument": ro(kindAll, func(x *node) goja.Value {
		if x.kind == kindDocument {
			return goja.Null()
		}
		return x.wrap(x.d.doc)
	}),
	"isConnected": ro(kindAll, func(x *node) goja.Value { return x.d.rt.ToValue(x.d.connected(x.n)) }),
	"hasChildNodes": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		return x.d.rt.ToValue(x.n.FirstChild != nil)
	}),
	"appendChild": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		x.d.insert(x.n, x.d.nodeArg(c.Argument(0), "appendChild"), nil, "appendChild")
		return c.Argument(0)
	}),
	"insertBefore": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		var ref *html.Node
		if r := c.Argument(1); !goja.IsNull(r) && !goja.IsUndefined(r) {
			ref = x.d.nodeArg(r, "insertBefore")
		}
		x.d.insert(x.n, x.d.nodeArg(c.Argument(0), "insertBefore"), ref, "insertBefore")
		return c.Argument(0)
	}),
	"replaceChild": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		nc, old := x.d.nodeArg(c.Argument(0), "replaceChild"), x.d.nodeArg(c.Argument(1), "replaceChild")
		if old.Parent != x.n {
			x.d.throw("NotFoundError", "Failed to execute 'replaceChild' on 'Node': The node to be replaced is not a child of this node.")
		}
		if nc != old {
			x.d.insert(x.n, nc, old, "replaceChild")
			x.d.remove(old)
		}
		return c.Argument(1)
	}),
	"removeChild": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		old := x.d.nodeArg(c.Argument(0), "removeChild")
		if old.Parent != x.n {
			x.d.throw("NotFoundError", "Failed to execute 'removeChild' on 'Node': The node to be removed is not a child of this node.")
		}
		x.d.remove(old)
		return c.Argument(0)
	}),
	"contains": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		o := c.Argument(0)
		if goja.IsNull(o) || goja.IsUndefined(o) {
			return x.d.rt.ToValue(false)
		}
		return x.d.rt.ToValue(contains(x.n, x.d.nodeArg(o, "contains")))
	}),
	"cloneNode": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		n := x.d.cloneNode(x.n, c.Argument(0).ToBoolean())
		if x.d.ce != nil && !x.d.inTemplateContent(x.n) {
			x.d.ceCloned(n) // custom.go: clones in the document upgrade at once
		}
		return x.wrap(n)
	}),
	"isSameNode": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		return x.d.rt.ToValue(c.Argument(0) == goja.Value(x.obj))
	}),
	// ParentNode
	"children":          ro(kindParent, func(x *node) goja.Value { return x.liveList(true) }),
	"firstElementChild": ro(kindParent, func(x *node) goja.Value { return x.wrap(firstElement(x.n)) }),
	"lastElementChild":  ro(kindParent, func(x *node) goja.Value { return x.wrap(lastElement(x.n)) }),
	"childElementCount": ro(kindParent, func(x *node) goja.Value {
		n := 0
		for c := firstElement(x.n); c != nil; c = nextElement(c) {
			n++
		}
		return x.d.rt.ToValue(n)
	}),
	"append": fn(kindParent, func(x *node, c goja.FunctionCall) goja.Value {
		x.d.insert(x.n, x.d.nodesArg(c.Arguments, "append"), nil, "append")
		return goja.Undefined()
	}),
	"prepend": fn(kindParent, func(x *node, c goja.FunctionCall) goja.Value {
		n := x.d.nodesArg(c.Arguments, "prepend")
		x.d.insert(x.n, n, x.n.FirstChild, "prepend")
		return goja.Undefined()
	}),
	"replaceChildren": fn(kindParent, func(x *node, c goja.FunctionCall) goja.Value {
		n := x.d.nodesArg(c.Arguments, "replaceChildren")
		removeChildren(x.n)
		x.d.insert(x.n, n, nil, "replaceChildren")
		return goja.Undefined()
	}),
	"querySelector": fn(kindParent, func(x *node, c goja.FunctionCall) goja.Value {
		s := c.Argument(0).String()
		defer x.d.stateForSelector(s)()
		return x.wrap(cascadia.Query(x.n, x.d.selector(s)))
	}),
	"querySelectorAll": fn(kindParent, func(x *node, c goja.FunctionCall) goja.Value {
		s := c.Argument(0).String()
		defer x.d.stateForSelector(s)()
		return x.d.staticList(cascadia.QueryAll(x.n, x.d.selector(s)))
	}),
	"getElementById": fn(kindDocument|kindFragment, func(x *node, c goja.FunctionCall) goja.Value {
		return x.wrap(getElementByID(x.n, c.Argument(0).String()))
	}),

	// ChildNode
	"remove": fn(kindChild, func(x *node, c goja.FunctionCall) goja.Value {
		x.d.remove(x.n)
		return goja.Undefined()
	}),
	"before": fn(kindChild, func(x *node, c goja.FunctionCall) goja.Value {
		p := x.n.Parent
		if p == nil {
			return goja.Undefined()
		}
		prev := x.n.PrevSibling
		for prev != nil && x.d.inArgs(prev, c.Arguments) {
			prev = prev.PrevSibling
		}
		n := x.d.nodesArg(c.Arguments, "before")
		ref := p.FirstChild
		if prev != nil {
			ref = prev.NextSibling
		}
		x.d.insert(p, n, ref, "before")
		return goja.Undefined()
	}),
	"after": fn(kindChild, func(x *node, c goja.FunctionCall) goja.Value {
		if p := x.n.Parent; p != nil {
			next := x.d.viableNext(x.n, c.Arguments)
			x.d.insert(p, x.d.nodesArg(c.Arguments, "after"), next, "after")
		}
		return goja.Undefined()
	}),
	"replaceWith": fn(kindChild, func(x *node, c goja.FunctionCall) goja.Value {
		if p := x.n.Parent; p != nil {
			next := x.d.viableNext(x.n, c.Arguments)
			n := x.d.nodesArg(c.Arguments, "replaceWith")
			if x.n.Parent == p {
				x.d.remove(x.n)
			}
			x.d.insert(p, n, next, "replaceWith")
		}
		return goja.Undefined()
	}),
	"nextElementSibling":     ro(kindChild, func(x *node) goja.Value { return x.wrap(nextElement(x.n)) }),
	"previousElementSibling": ro(kindChild, func(x *node) goja.Value { return x.wrap(prevElement(x.n)) }),

	// CharacterData
	"data": rw(kindCharData, func(x *node) goja.Value { return x.d.str(x.n.Data) },
		func(x *node, v goja.Value) { x.n.Data = nullableString(v) }),
	"length": ro(kindCharData|kindElement, func(x *node) goja.Value {
		switch {
		case x.kind != kindElement:
			return x.d.rt.ToValue(utf16Len(x.n.Data))
		case isTag(x.n, "select"):
			return x.d.rt.ToValue(len(x.d.options(x.n)))
		case isTag(x.n, "form"):
			return x.d.rt.ToValue(len(x.d.formElements(x.n)))
		}
		return nil
	}),

	// Element
	"tagName":   ro(kindElement, func(x *node) goja.Value { return x.d.str(x.d.tagName(x.n)) }),
	"localName": ro(kindElement, func(x *node) goja.Value { return x.d.str(x.d.localName(x.n)) }),
	"id":        strAttr("id"),
	"className": strAttr("class"),
	"classList": ro(kindElement, func(x *node) goja.Value {
		if x.classList == nil {
			x.classList = x.d.rt.NewDynamicObject(&classList{x: x})
			_ = x.classList.SetPrototype(x.d.iterableProto())
		}
		return x.classList
	}),
	"dataset": ro(kindElement, func(x *node) goja.Value {
		if x.dataset == nil {
			x.dataset = x.d.rt.NewDynamicObject(&dataset{x: x})
		}
		return x.dataset
	}),
	"style": rw(kindElement, func(x *node) goja.Value {
		if x.style == nil {
			x.style = x.d.rt.NewDynamicObject(&style{x: x})
		}
		return x.style
	}, func(x *node, v goja.Value) { x.setAttr("style", v.String()) }),
	"getAttribute": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.syncStyle()
		if v, ok := getAttr(x.n, attrName(x.n, c.Argument(0).String())); ok {
			return x.d.str(v)
		}
		return goja.Null()
	}),
	"setAttribute": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.setAttr(attrName(x.n, c.Argument(0).String()), c.Argument(1).String())
		return goja.Undefined()
	}),
	"removeAttribute": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.removeAttr(attrName(x.n, c.Argument(0).String()))
		return goja.Undefined()
	}),
	"hasAttribute": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.syncStyle()
		_, ok := getAttr(x.n, attrName(x.n, c.Argument(0).String()))
		return x.d.rt.ToValue(ok)
	}),
	"toggleAttribute": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		name := attrName(x.n, c.Argument(0).String())
		_, has := getAttr(x.n, name)
		want := !has
		if f := c.Argument(1); !goja.IsUndefined(f) {
			want = f.ToBoolean()
		}
		switch {
		case want && !has:
			x.setAttr(name, "")
		case !want && has:
			x.removeAttr(name)
		}
		return x.d.rt.ToValue(want)
	}),
	"getAttributeNames": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.syncStyle()
		names := make([]any, len(x.n.Attr))
		for i, a := range x.n.Attr {
			names[i] = a.Key
		}
		return x.d.rt.NewArray(names...)
	}),
	"hasAttributes": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.syncStyle()
		return x.d.rt.ToValue(len(x.n.Attr) > 0)
	}),
	"innerHTML": rw(kindElement, func(x *node) goja.Value { return x.d.str(x.d.innerHTML(x.n)) },
		func(x *node, v goja.Value) { x.d.setInnerHTML(x.n, nullableString(v)) }),
	"outerHTML": rw(kindElement, func(x *node) goja.Value { x.syncStyle(); return x.d.str(x.d.outerHTML(x.n)) },
		func(x *node, v goja.Value) {
			p := x.n.Parent
			if p == nil {
				return
			}
			nodes, err := x.d.parseFragment(p, nullableString(v))
			if err != nil {
				x.d.throw("SyntaxError", err.Error())
			}
			for _, n := range nodes {
				p.InsertBefore(n, x.n)
			}
			x.d.remove(x.n)
		}),
	// innerText is served as textContent: there is no layout to consult.
	"innerText": rw(kindElement, func(x *node) goja.Value { return x.d.str(textContent(x.n)) },
		func(x *node, v goja.Value) { x.d.setInnerText(x.n, nullableString(v)) }),
	"matches": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		s := c.Argument(0).String()
		defer x.d.stateForSelector(s)()
		return x.d.rt.ToValue(x.d.selector(s).Match(x.n))
	}),
	"closest": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		s := c.Argument(0).String()
		defer x.d.stateForSelector(s)()
		sel := x.d.selector(s)
		for n := x.n; isElement(n); n = n.Parent {
			if sel.Match(n) {
				return x.wrap(n)
			}
		}
		return goja.Null()
	}),
	"insertAdjacentHTML": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		pos := strings.ToLower(c.Argument(0).String())
		ctx := x.n
		if pos == "beforebegin" || pos == "afterend" {
			ctx = x.n.Parent
		}
		nodes, err := x.d.parseFragment(ctx, c.Argument(1).String())
		if err != nil {
			x.d.throw("SyntaxError", err.Error())
		}
		frag := &html.Node{Type: html.DocumentNode}
		for _, n := range nodes {
			frag.AppendChild(n)
		}
		x.insertAdjacent(pos, frag)
		return goja.Undefined()
	}),
	"insertAdjacentText": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.insertAdjacent(strings.ToLower(c.Argument(0).String()), &html.Node{Type: html.TextNode, Data: c.Argument(1).String()})
		return goja.Undefined()
	}),
	"insertAdjacentElement": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.insertAdjacent(strings.ToLower(c.Argument(0).String()), x.d.nodeArg(c.Argument(1), "insertAdjacentElement"))
		return c.Argument(1)
	}),

	// Document
	"documentElement": ro(kindDocument, func(x *node) goja.Value { return x.wrap(firstElement(x.n)) }),
	"head":            ro(kindDocument, func(x *node) goja.Value { return x.wrap(x.d.head()) }),
	"body":            ro(kindDocument, func(x *node) goja.Value { return x.wrap(findBody(x.n)) }),
	"createElement": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value {
		n := newElement(c.Argument(0).String())
		if def := x.d.definitionFor(n); def != nil {
			n = x.d.createCustom(def) // custom.go
		}
		return x.wrap(n)
	}),
	"attachShadow": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.d.attachShadow(x, c) }),
	"shadowRoot":   ro(kindElement, func(x *node) goja.Value { return x.d.shadowRootOf(x.n) }),
	"createTextNode": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value {
		return x.wrap(&html.Node{Type: html.TextNode, Data: c.Argument(0).String()})
	}),
	"createComment": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value {
		return x.wrap(&html.Node{Type: html.CommentNode, Data: c.Argument(0).String()})
	}),
	"createDocumentFragment": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value {
		return x.wrap(&html.Node{Type: html.DocumentNode})
	}),
}

func (x *node) insertAdjacent(pos string, n *html.Node) {
	switch pos {
	case "beforebegin", "afterend":
		p := x.n.Parent
		if p == nil {
			x.d.throw("NoModificationAllowedError", "The element has no parent.")
		}
		ref := x.n
		if pos == "afterend" {
			ref = x.n.NextSibling
		}
		x.d.insert(p, n, ref, "insertAdjacent")
	case "afterbegin":
		x.d.insert(x.n, n, x.n.FirstChild, "insertAdjacent")
	case "beforeend":
		x.d.insert(x.n, n, nil, "insertAdjacent")
	default:
		x.d.throw("SyntaxError", "The value provided ('"+pos+"') is not one of 'beforeBegin', 'afterBegin', 'beforeEnd', or 'afterEnd'.")
	}
}

// inArgs reports whether n is one of the node arguments of a ChildNode method.
func (d *DOM) inArgs(n *html.Node, args []goja.Value) bool {
	for _, a := range args {
		if obj, ok := a.(*goja.Object); ok {
			if x, ok := obj.Export().(*node); ok && x.n == n {
				return true
			}
		}
	}
	return false
}

// viableNext is the first following sibling of n that is not being moved.
func (d *DOM) viableNext(n *html.Node, args []goja.Value) *html.Node {
	next := n.NextSibling
	for next != nil && d.inArgs(next, args) {
		next = next.NextSibling
	}
	return next
}
