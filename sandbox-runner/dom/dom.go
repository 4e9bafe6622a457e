package dom

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"weak"

	"github.com/dop251/goja"
	"golang.org/x/net/html"
)

// DOM is one execution's document, bound to one goja.Runtime. It is not safe
// for concurrent use, like the runtime itself.
type DOM struct {
	rt    *goja.Runtime
	doc   *html.Node
	nodes map[*html.Node]*node
	// funcs holds the shared native method functions, created on first use so a
	// runtime only pays for the methods its script calls.
	funcs     map[string]goja.Value
	listProto *goja.Object
	collProto *goja.Object
	iterProto *goja.Object
	errorCtor goja.Constructor
	// version counts structural mutations; live child lists rebuild when it moves.
	version uint64
	// templates maps each template element to its content fragment, which in
	// browsers lives outside the tree (querySelector does not see into it).
	templates map[*html.Node]*html.Node
	// names holds the written case of foreign elements (see localName).
	names map[*html.Node]string
	// events is the EventTarget machinery, built on first use (events.go).
	events *events
	hooks  Hooks
	// active is document.activeElement when a script focused something.
	active *html.Node
	// whole: the source was a whole page, not body content.
	whole bool
	// mayScript: the source has a <script> tag (scripts a script adds later
	// with innerHTML never run, as in browsers).
	mayScript bool
	// currentScript is document.currentScript while an inline script runs.
	currentScript goja.Value
	// readyState is document.readyState; the engine moves it along.
	readyState string
	// ce holds custom elements and shadow roots once a script uses them
	// (custom.go); nil until then.
	ce *components
	// htmlProto is HTMLElement.prototype, where a custom element class's
	// chain of prototypes stops (custom.go).
	htmlProto *goja.Object
	// marks numbers elements for live sessions' annotated HTML (live.go).
	marks *marks
	// weak holds the wrappers a sweep found out of the document (live.go);
	// swept is the size of nodes after the last sweep.
	weak  map[*html.Node]weak.Pointer[node]
	swept int
}

// New parses src (body content or a full document) into a DOM bound to rt.
func New(rt *goja.Runtime, src string) (*DOM, error) {
	page, whole := src, wholePage(src)
	if !whole {
		// A block's HTML is body content: <style> or <template> first stays
		// in body, as it does when a browser page wraps the block in <body>.
		page = "<body>" + src
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("dom: parse: %w", err)
	}
	d := &DOM{rt: rt, doc: doc, nodes: make(map[*html.Node]*node), funcs: make(map[string]goja.Value), readyState: "complete"}
	d.whole = whole
	d.mayScript = strings.Contains(src, "<script") || strings.Contains(src, "<SCRIPT") || strings.Contains(src, "<Script")
	restoreAttrOrder(src, doc)
	d.foldForeignNames(src, doc)
	if hasTemplate(src) {
		d.adoptTemplates(doc)
	}
	return d, nil
}

// state returns the Go-side node record for n, wrapping it if needed.
func (d *DOM) state(n *html.Node) *node {
	d.wrap(n)
	return d.nodes[n]
}

// wholePage reports whether src is a whole document (doctype or <html>
// first, after comments and whitespace) rather than body content.
func wholePage(src string) bool {
	s := src
	for {
		s = strings.TrimLeft(s, " \t\r\n\f")
		if !strings.HasPrefix(s, "<!--") {
			break
		}
		end := strings.Index(s, "-->")
		if end < 0 {
			return false
		}
		s = s[end+3:]
	}
	if len(s) < 5 {
		return false
	}
	head := strings.ToLower(s[:min(len(s), 9)])
	return strings.HasPrefix(head, "<!doctype") || strings.HasPrefix(head, "<html") || strings.HasPrefix(head, "<head")
}

// Document returns the JS document object.
func (d *DOM) Document() goja.Value { return d.wrap(d.doc) }

// BodyHTML renders document.body.innerHTML, failing with ErrTooLarge once the
// output would exceed limit bytes (limit <= 0 means no limit).
func (d *DOM) BodyHTML(limit int) (string, error) {
	body := findBody(d.doc)
	if body == nil {
		return "", nil
	}
	w := &limitedBuilder{limit: limit}
	s := serializer{d: d, w: w}
	s.children(body)
	if s.err != nil {
		return "", s.err
	}
	return w.String(), nil
}

// Describe gives a short console representation of v when it is a DOM value:
// elements print as their outerHTML, text nodes as a quoted string.
func (d *DOM) Describe(v goja.Value) (string, bool) {
	obj, ok := v.(*goja.Object)
	if !ok {
		return "", false
	}
	switch obj.ExportType() { // ExportType is cheap; Export copies plain objects
	case nodeGoType, listTypes[0], listTypes[1], collType:
	default:
		return "", false
	}
	switch x := obj.Export().(type) {
	case *node:
		if x.d != d {
			return "", false
		}
		switch x.kind {
		case kindElement:
			return d.outerHTML(x.n), true
		case kindText, kindComment:
			return strconv.Quote(x.n.Data), true
		}
		return nodeName(d, x.n), true
	case *liveList, *staticList:
		return "NodeList(" + strconv.FormatInt(obj.Get("length").ToInteger(), 10) + ")", true
	case *collection:
		return "HTMLCollection(" + strconv.FormatInt(obj.Get("length").ToInteger(), 10) + ")", true
	}
	return "", false
}

var (
	nodeGoType = reflect.TypeOf((*node)(nil))
	listTypes  = [2]reflect.Type{reflect.TypeOf((*liveList)(nil)), reflect.TypeOf((*staticList)(nil))}
	collType   = reflect.TypeOf((*collection)(nil))
)

// wrap returns the unique JS object for n, creating it on first use.
func (d *DOM) wrap(n *html.Node) goja.Value {
	if n == nil {
		return goja.Null()
	}
	if x := d.nodes[n]; x != nil {
		return x.obj
	}
	if x := d.revive(n); x != nil {
		return x.obj
	}
	x := &node{d: d, n: n, kind: kindOf(d, n)}
	x.obj = d.rt.NewDynamicObject(x)
	d.nodes[n] = x
	return x.obj
}

// nodeArg converts a JS argument to a node of this DOM or throws a TypeError.
func (d *DOM) nodeArg(v goja.Value, method string) *html.Node {
	if obj, ok := v.(*goja.Object); ok {
		if x, ok := obj.Export().(*node); ok && x.d == d {
			return x.n
		}
	}
	panic(d.rt.NewTypeError("Failed to execute '%s' on 'Node': parameter is not of type 'Node'.", method))
}

// throw raises a DOMException-like Error with the given name.
func (d *DOM) throw(name, msg string) {
	if d.errorCtor == nil {
		d.errorCtor, _ = goja.AssertConstructor(d.rt.Get("Error"))
	}
	e, err := d.errorCtor(nil, d.rt.ToValue(msg))
	if err != nil {
		panic(err)
	}
	_ = e.Set("name", name)
	panic(e)
}

// fn returns the cached native function for key, creating it from impl once.
func (d *DOM) fn(key string, impl func(*DOM, goja.FunctionCall) goja.Value) goja.Value {
	if f, ok := d.funcs[key]; ok {
		return f
	}
	f := d.native(key[strings.LastIndexByte(key, '.')+1:], func(c goja.FunctionCall) goja.Value { return impl(d, c) })
	d.funcs[key] = f
	return f
}

// native wraps a Go function as a JS function with the given name.
func (d *DOM) native(name string, f func(goja.FunctionCall) goja.Value) goja.Value {
	obj := d.rt.ToValue(f).(*goja.Object)
	_ = obj.DefineDataProperty("name", d.str(name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	return obj
}

// thisAs extracts the Go receiver behind a method call's this value.
func thisAs[T any](d *DOM, c goja.FunctionCall) T {
	if obj, ok := c.This.(*goja.Object); ok {
		if t, ok := obj.Export().(T); ok {
			return t
		}
	}
	panic(d.rt.NewTypeError("Illegal invocation"))
}

func (d *DOM) str(s string) goja.Value { return d.rt.ToValue(s) }

func findBody(doc *html.Node) *html.Node {
	for c := doc.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "html" {
			return childElement(c, "body")
		}
	}
	return nil
}

func childElement(n *html.Node, tag string) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == tag {
			return c
		}
	}
	return nil
}

// limitedBuilder is an html.Render target that stops at a byte limit.
type limitedBuilder struct {
	strings.Builder
	limit int
}

func (w *limitedBuilder) grow(n int) error {
	if w.limit > 0 && w.Len()+n > w.limit {
		return ErrTooLarge
	}
	return nil
}

func (w *limitedBuilder) Write(p []byte) (int, error) {
	if err := w.grow(len(p)); err != nil {
		return 0, err
	}
	return w.Builder.Write(p)
}

func (w *limitedBuilder) WriteString(s string) (int, error) {
	if err := w.grow(len(s)); err != nil {
		return 0, err
	}
	return w.Builder.WriteString(s)
}

func (w *limitedBuilder) WriteByte(b byte) error {
	if err := w.grow(1); err != nil {
		return err
	}
	return w.Builder.WriteByte(b)
}
