package dom

import (
	"sort"
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/net/html"
)

// Script is an inline <script> the document runs.
type Script struct {
	Source  string
	Module  bool
	Element goja.Value
}

// BeginLoading sets readyState to "loading" for the scripts' run.
func (d *DOM) BeginLoading() { d.readyState = "loading" }

// Scripts lists the document's inline classic and module scripts in
// document order, and the src of external ones (which are not fetched).
// Data blocks (type="application/json", text/template ...) are skipped, as
// browsers skip them.
func (d *DOM) Scripts() (scripts []Script, external []string) {
	if !d.mayScript {
		return nil, nil
	}
	for _, n := range collect(d.doc, func(n *html.Node) bool { return isTag(n, "script") }, nil) {
		typ, _ := getAttr(n, "type")
		typ = strings.ToLower(strings.TrimSpace(typ))
		module := typ == "module"
		if !module && !jsMIME(typ) {
			continue
		}
		if _, ok := getAttr(n, "nomodule"); ok && !module {
			continue // module-capable browsers skip nomodule fallbacks
		}
		if src, ok := getAttr(n, "src"); ok {
			external = append(external, src)
			continue
		}
		scripts = append(scripts, Script{Source: textContent(n), Module: module, Element: d.wrap(n)})
	}
	return scripts, external
}

// jsMIME reports whether a script type attribute names JavaScript.
func jsMIME(t string) bool {
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "", "text/javascript", "application/javascript", "application/ecmascript", "application/x-javascript",
		"application/x-ecmascript", "text/ecmascript", "text/jscript", "text/livescript", "text/x-javascript",
		"text/x-ecmascript", "text/javascript1.0", "text/javascript1.1", "text/javascript1.2",
		"text/javascript1.3", "text/javascript1.4", "text/javascript1.5":
		return true
	}
	return false
}

// ParsedUpTo makes the document look as a browser's parser has built it
// when it reaches the inline script el: nothing after el exists yet (a head
// script finds document.body null; getElementById of a later element is
// null). resume appends the rest back to the elements it belongs to, after
// whatever the script added to them, as the parser would go on appending.
func (d *DOM) ParsedUpTo(el goja.Value) (resume func()) {
	x := d.nodeOf(el)
	if x == nil {
		return func() {}
	}
	type held struct{ parent, n *html.Node }
	var rest []held
	for n := x.n; n != nil && n.Parent != nil; n = n.Parent {
		for s := n.NextSibling; s != nil; {
			next := s.NextSibling
			rest = append(rest, held{n.Parent, s})
			detach(s)
			s = next
		}
	}
	if len(rest) == 0 {
		return func() {}
	}
	d.version++
	return func() {
		if d.ce != nil {
			d.ceEnter()
			defer d.ceLeave()
		}
		// innermost first: those parents are themselves held further out
		// until their turn, so document order is kept
		for _, h := range rest {
			h.parent.AppendChild(h.n)
			if d.ce != nil {
				d.ceInserted(h.n)
			}
		}
		d.version++
	}
}

// SetCurrentScript sets document.currentScript (nil: none).
func (d *DOM) SetCurrentScript(el goja.Value) { d.currentScript = el }

// HeadCSS is the text of the <style> elements in head, in order: the page's
// own stylesheet when a whole page was pasted, or styles a script injected.
func (d *DOM) HeadCSS() string {
	head := d.head()
	if head == nil {
		return ""
	}
	var parts []string
	for _, s := range collect(head, func(n *html.Node) bool { return isTag(n, "style") }, nil) {
		if css := strings.TrimSpace(textContent(s)); css != "" {
			parts = append(parts, css)
		}
	}
	return strings.Join(parts, "\n")
}

// NamedAccess is window's named property object: elements by id.
func (d *DOM) NamedAccess() goja.DynamicObject { return namedAccess{d} }

type namedAccess struct{ d *DOM }

func (a namedAccess) Get(key string) goja.Value {
	if key == "" || objectNames[key] {
		return nil
	}
	if n := getElementByID(d0(a.d), key); n != nil {
		return a.d.wrap(n)
	}
	return nil
}

func d0(d *DOM) *html.Node { return d.doc }

func (a namedAccess) Set(string, goja.Value) bool { return false }
func (a namedAccess) Has(key string) bool         { return a.Get(key) != nil }
func (a namedAccess) Delete(string) bool          { return false }
func (a namedAccess) Keys() []string              { return nil }

// WindowGlobals are the window members this package builds besides the
// event API: constructors for instanceof checks, Option, Image,
// getComputedStyle and FormData.
func WindowGlobals() []string {
	names := []string{"getComputedStyle", "FormData", "Option", "Image", "DOMParser", "customElements"}
	for name := range interfaces {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// WindowGlobal builds the window member name (one of WindowGlobals).
func (d *DOM) WindowGlobal(name string) goja.Value {
	switch name {
	case "getComputedStyle":
		return d.native("getComputedStyle", func(c goja.FunctionCall) goja.Value {
			x := d.nodeOf(c.Argument(0))
			if x == nil || x.kind != kindElement {
				panic(d.rt.NewTypeError("Failed to execute 'getComputedStyle' on 'Window': parameter 1 is not of type 'Element'."))
			}
			return d.computedStyle(x)
		})
	case "FormData":
		return d.eventAPI("FormData")
	case "customElements":
		return d.customElementRegistry() // custom.go
	case "Option":
		return d.constructor("Option", func(c goja.ConstructorCall) *html.Node {
			o := newElement("option")
			if t := c.Argument(0); !goja.IsUndefined(t) && t.String() != "" {
				o.AppendChild(&html.Node{Type: html.TextNode, Data: t.String()})
			}
			if v := c.Argument(1); !goja.IsUndefined(v) {
				setAttr(o, "value", v.String())
			}
			if c.Argument(2).ToBoolean() {
				setAttr(o, "selected", "")
			}
			if c.Argument(3).ToBoolean() {
				st := d.state(o).fs()
				st.selected, st.dirtySelected = true, true
			}
			return o
		})
	case "Image":
		return d.constructor("Image", func(c goja.ConstructorCall) *html.Node {
			img := newElement("img")
			if w := c.Argument(0); !goja.IsUndefined(w) {
				setAttr(img, "width", w.String())
			}
			if h := c.Argument(1); !goja.IsUndefined(h) {
				setAttr(img, "height", h.String())
			}
			return img
		})
	case "DOMParser":
		return d.constructor("DOMParser", func(c goja.ConstructorCall) *html.Node { return nil })
	}
	return d.iface(name)
}

// constructor makes a JS constructor returning the node make builds (or,
// for DOMParser, an object with parseFromString).
func (d *DOM) constructor(name string, make func(goja.ConstructorCall) *html.Node) goja.Value {
	f := d.rt.ToValue(func(c goja.ConstructorCall) *goja.Object {
		n := make(c)
		if n == nil {
			o := d.rt.NewObject()
			_ = o.Set("parseFromString", d.fn("DOMParser.parseFromString", parseFromString))
			return o
		}
		return d.wrap(n).(*goja.Object)
	}).(*goja.Object)
	_ = f.DefineDataProperty("name", d.str(name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	return f
}

// parseFromString parses into a new, separate document: it shares this
// DOM's runtime but none of its nodes.
func parseFromString(d *DOM, c goja.FunctionCall) goja.Value {
	other, err := New(d.rt, c.Argument(0).String())
	if err != nil {
		d.throw("SyntaxError", err.Error())
	}
	other.hooks = d.hooks
	return other.Document()
}

// interfaces are DOM interface objects: calling them throws (as in
// browsers, they are not constructible), and instanceof checks the node.
var interfaces = map[string]func(*node) bool{
	"Node":             func(x *node) bool { return true },
	"Element":          func(x *node) bool { return x.kind == kindElement },
	"HTMLElement":      func(x *node) bool { return x.kind == kindElement && x.n.Namespace == "" },
	"SVGElement":       func(x *node) bool { return x.kind == kindElement && x.n.Namespace == "svg" },
	"MathMLElement":    func(x *node) bool { return x.kind == kindElement && x.n.Namespace == "math" },
	"CharacterData":    func(x *node) bool { return x.kind&kindCharData != 0 },
	"Text":             func(x *node) bool { return x.kind == kindText },
	"Comment":          func(x *node) bool { return x.kind == kindComment },
	"Document":         func(x *node) bool { return x.kind == kindDocument },
	"HTMLDocument":     func(x *node) bool { return x.kind == kindDocument },
	"DocumentFragment": func(x *node) bool { return x.kind == kindFragment },
	"DocumentType":     func(x *node) bool { return x.kind == kindDoctype },
}

var htmlInterfaces = map[string][]string{
	"HTMLAnchorElement": {"a"}, "HTMLButtonElement": {"button"}, "HTMLCanvasElement": {"canvas"},
	"HTMLDivElement": {"div"}, "HTMLFormElement": {"form"}, "HTMLImageElement": {"img"},
	"HTMLInputElement": {"input"}, "HTMLLabelElement": {"label"}, "HTMLLIElement": {"li"},
	"HTMLOptionElement": {"option"}, "HTMLParagraphElement": {"p"}, "HTMLSelectElement": {"select"},
	"HTMLSpanElement": {"span"}, "HTMLTableElement": {"table"}, "HTMLTableRowElement": {"tr"},
	"HTMLTableCellElement": {"td", "th"}, "HTMLTableSectionElement": {"tbody", "thead", "tfoot"},
	"HTMLTemplateElement": {"template"}, "HTMLTextAreaElement": {"textarea"}, "HTMLUListElement": {"ul"},
	"HTMLOListElement": {"ol"}, "HTMLHeadingElement": {"h1", "h2", "h3", "h4", "h5", "h6"},
	"HTMLStyleElement": {"style"}, "HTMLScriptElement": {"script"}, "HTMLDetailsElement": {"details"},
	"HTMLDialogElement": {"dialog"}, "HTMLProgressElement": {"progress"}, "HTMLVideoElement": {"video"},
	"HTMLAudioElement": {"audio"}, "HTMLIFrameElement": {"iframe"}, "HTMLBodyElement": {"body"},
	"HTMLHeadElement": {"head"}, "HTMLHtmlElement": {"html"}, "HTMLPreElement": {"pre"},
	"HTMLFieldSetElement": {"fieldset"}, "HTMLOutputElement": {"output"}, "HTMLMeterElement": {"meter"},
}

func init() {
	for name, tags := range htmlInterfaces {
		interfaces[name] = func(x *node) bool {
			if x.kind != kindElement || x.n.Namespace != "" {
				return false
			}
			for _, t := range tags {
				if x.n.Data == t {
					return true
				}
			}
			return false
		}
	}
}

func (d *DOM) iface(name string) goja.Value {
	test := interfaces[name]
	if test == nil {
		return goja.Undefined()
	}
	var f *goja.Object
	if name == "HTMLElement" {
		// The base of custom element classes (custom.go).
		f = d.rt.ToValue(d.htmlElementConstructor).(*goja.Object)
		_ = f.DefineDataProperty("name", d.str(name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	} else {
		f = d.native(name, func(c goja.FunctionCall) goja.Value {
			panic(d.rt.NewTypeError("Illegal constructor"))
		}).(*goja.Object)
	}
	has := d.native("[Symbol.hasInstance]", func(c goja.FunctionCall) goja.Value {
		if c.This != f { // a class extending the interface, X: its prototype decides
			return d.rt.ToValue(ordinaryHasInstance(c.This, c.Argument(0)))
		}
		x := d.nodeOf(c.Argument(0))
		return d.rt.ToValue(x != nil && test(x))
	})
	_ = f.DefineDataPropertySymbol(goja.SymHasInstance, has, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	// A prototype object lets feature tests (if (!Element.prototype.closest))
	// read undefined instead of throwing; nodes do not inherit from it.
	proto := d.rt.NewObject()
	_ = proto.DefineDataProperty("constructor", f, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = f.DefineDataProperty("prototype", proto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	if name == "HTMLElement" {
		d.htmlProto = proto
	}
	if name == "Node" {
		for i, k := range []string{"ELEMENT_NODE", "ATTRIBUTE_NODE", "TEXT_NODE", "CDATA_SECTION_NODE", "ENTITY_REFERENCE_NODE",
			"ENTITY_NODE", "PROCESSING_INSTRUCTION_NODE", "COMMENT_NODE", "DOCUMENT_NODE", "DOCUMENT_TYPE_NODE",
			"DOCUMENT_FRAGMENT_NODE", "NOTATION_NODE"} {
			_ = f.DefineDataProperty(k, d.rt.ToValue(i+1), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		}
		for k, v := range map[string]int{"DOCUMENT_POSITION_DISCONNECTED": 1, "DOCUMENT_POSITION_PRECEDING": 2,
			"DOCUMENT_POSITION_FOLLOWING": 4, "DOCUMENT_POSITION_CONTAINS": 8, "DOCUMENT_POSITION_CONTAINED_BY": 16,
			"DOCUMENT_POSITION_IMPLEMENTATION_SPECIFIC": 32} {
			_ = f.DefineDataProperty(k, d.rt.ToValue(v), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		}
	}
	return f
}

// ordinaryHasInstance is instanceof for a class: ctor.prototype on v's chain.
func ordinaryHasInstance(ctor, v goja.Value) bool {
	c, ok := ctor.(*goja.Object)
	o, isObj := v.(*goja.Object)
	if !ok || !isObj {
		return false
	}
	proto, ok := c.Get("prototype").(*goja.Object)
	if !ok {
		return false
	}
	for p := o.Prototype(); p != nil; p = p.Prototype() {
		if p == proto {
			return true
		}
	}
	return false
}
