package dom

import (
	"errors"
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/net/html"
)

// Custom elements and shadow roots. The registry (customElements) and the
// shadow roots live in components, built when a script first touches
// customElements or attachShadow; until then every DOM operation checks only
// that pointer for nil, so blocks without components pay nothing.
//
// Reactions (upgrades, connected/disconnected/attributeChanged callbacks)
// are queued by the DOM operation that causes them and run when that
// operation returns to the script, as [CEReactions] does in browsers; an
// exception a callback throws is reported (console, "Uncaught") and the
// operation still succeeds. A shadow root is a fragment outside the tree:
// the host's innerHTML and body.innerHTML do not include it, as Chromium
// serialises a page without declarative shadow roots.
type components struct {
	defs         map[string]*ceDef
	byCtor       map[*goja.Object]*ceDef
	waiting      map[string]*ceWaiting // whenDefined promises not settled yet
	constructing []*html.Node          // elements being upgraded, innermost last
	// stack holds a queue of reactions per DOM operation in progress, as
	// the custom element reactions stack does: a callback's own DOM calls
	// run their reactions before it returns, not the outer operation's.
	stack    [][]func()
	registry *goja.Object
	describe goja.Callable

	hosts   map[*html.Node]*html.Node // shadow root -> host
	shadows map[*html.Node]*shadowRoot
}

type shadowRoot struct {
	root *html.Node
	mode string
}

type ceWaiting struct {
	promise          *goja.Promise
	resolve          func(any) error
	resolved, shared goja.Value
}

// ceDef is one customElements.define() call.
type ceDef struct {
	name                                      string
	ctor                                      *goja.Object
	construct                                 goja.Constructor
	proto                                     *goja.Object
	connected, disconnected, attributeChanged goja.Callable
	observed                                  map[string]bool
	// keys are the properties the class chain defines above HTMLElement:
	// they win over the element's own DOM members, as in browsers, where
	// the class's prototype comes first. A setter is called on assignment;
	// a nil entry is a method or data property (an assignment makes an own
	// property) or a getter alone (an assignment is ignored).
	keys    map[string]goja.Callable
	getOnly map[string]bool
}

func (d *DOM) comps() *components {
	if d.ce == nil {
		d.ce = &components{defs: map[string]*ceDef{}, byCtor: map[*goja.Object]*ceDef{}}
	}
	return d.ce
}

// reservedNames may not be custom element names (HTML, "valid custom element name").
var reservedNames = map[string]bool{"annotation-xml": true, "color-profile": true, "font-face": true,
	"font-face-src": true, "font-face-uri": true, "font-face-format": true, "font-face-name": true, "missing-glyph": true}

func validCustomName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || !strings.Contains(s, "-") || reservedNames[s] {
		return false
	}
	for _, r := range s {
		if r >= 'A' && r <= 'Z' || r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' || r == '/' || r == '>' || r == 0 {
			return false
		}
	}
	return true
}

// customElementRegistry is window.customElements.
func (d *DOM) customElementRegistry() goja.Value {
	ce := d.comps()
	if ce.registry != nil {
		return ce.registry
	}
	rt := d.rt
	reg := rt.NewObject()
	const where = "Failed to execute '%s' on 'CustomElementRegistry': "
	_ = reg.Set("define", d.native("define", func(c goja.FunctionCall) goja.Value {
		name := c.Argument(0).String()
		ctor, ok := c.Argument(1).(*goja.Object)
		construct, isCtor := goja.AssertConstructor(c.Argument(1))
		if _, isFn := goja.AssertFunction(c.Argument(1)); !isFn {
			panic(rt.NewTypeError(where+"parameter 2 is not of type 'Function'.", "define"))
		}
		if !ok || !isCtor {
			panic(rt.NewTypeError(where+"constructor argument is not a constructor", "define"))
		}
		if !validCustomName(name) {
			d.throw("SyntaxError", "Failed to execute 'define' on 'CustomElementRegistry': \""+name+"\" is not a valid custom element name")
		}
		if ce.defs[name] != nil {
			d.throw("NotSupportedError", "Failed to execute 'define' on 'CustomElementRegistry': the name \""+name+"\" has already been used with this registry")
		}
		if ce.byCtor[ctor] != nil {
			d.throw("NotSupportedError", "Failed to execute 'define' on 'CustomElementRegistry': this constructor has already been used with this registry")
		}
		if opts, ok := c.Argument(2).(*goja.Object); ok {
			if ext := opts.Get("extends"); ext != nil && !goja.IsUndefined(ext) {
				// Customized built-ins (<button is="x-y">): Safari never
				// shipped them and blocks rarely use them.
				d.notice("customElements.define('" + name + "', ..., {extends: '" + ext.String() + "'}) was ignored: customized built-in elements are not supported on a server render")
				return goja.Undefined()
			}
		}
		def := d.newDef(name, ctor, construct)
		d.ceEnter()
		defer d.ceLeave()
		ce.defs[name] = def
		ce.byCtor[ctor] = def
		d.walkShadowIncluding(d.doc, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == name && n.Namespace == "" {
				ce.enqueue(func() { d.upgrade(n, def) })
			}
		})
		if w := ce.waiting[name]; w != nil {
			_ = w.resolve(ctor)
			delete(ce.waiting, name)
		}
		return goja.Undefined()
	}))
	_ = reg.Set("get", d.native("get", func(c goja.FunctionCall) goja.Value {
		if def := ce.defs[c.Argument(0).String()]; def != nil {
			return def.ctor
		}
		return goja.Undefined()
	}))
	_ = reg.Set("getName", d.native("getName", func(c goja.FunctionCall) goja.Value {
		if obj, ok := c.Argument(0).(*goja.Object); ok {
			if def := ce.byCtor[obj]; def != nil {
				return d.str(def.name)
			}
		}
		return goja.Null()
	}))
	_ = reg.Set("whenDefined", d.native("whenDefined", func(c goja.FunctionCall) goja.Value {
		name := c.Argument(0).String()
		p, resolve, reject := rt.NewPromise()
		switch {
		case !validCustomName(name):
			_ = reject(d.errorValue("SyntaxError", "Failed to execute 'whenDefined' on 'CustomElementRegistry': \""+name+"\" is not a valid custom element name"))
		case ce.defs[name] != nil:
			_ = resolve(ce.defs[name].ctor)
		default:
			if ce.waiting == nil {
				ce.waiting = map[string]*ceWaiting{}
			}
			if w := ce.waiting[name]; w != nil {
				return rt.ToValue(w.promise) // the same promise each time, as in browsers
			}
			ce.waiting[name] = &ceWaiting{promise: p, resolve: resolve}
		}
		return rt.ToValue(p)
	}))
	_ = reg.Set("upgrade", d.native("upgrade", func(c goja.FunctionCall) goja.Value {
		root := d.nodeArg(c.Argument(0), "upgrade")
		d.ceEnter()
		defer d.ceLeave()
		d.walkShadowIncluding(root, func(n *html.Node) {
			if def := d.definitionFor(n); def != nil {
				ce.enqueue(func() { d.upgrade(n, def) })
			}
		})
		return goja.Undefined()
	}))
	_ = reg.DefineDataPropertySymbol(goja.SymToStringTag, d.str("CustomElementRegistry"), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	ce.registry = reg
	return reg
}

func (d *DOM) newDef(name string, ctor *goja.Object, construct goja.Constructor) *ceDef {
	rt := d.rt
	proto, ok := ctor.Get("prototype").(*goja.Object)
	if !ok {
		panic(rt.NewTypeError("Failed to execute 'define' on 'CustomElementRegistry': The prototype of the constructor is not an object."))
	}
	def := &ceDef{name: name, ctor: ctor, construct: construct, proto: proto, keys: map[string]goja.Callable{}, getOnly: map[string]bool{}}
	callback := func(k string) goja.Callable {
		v := proto.Get(k)
		if v == nil || goja.IsUndefined(v) {
			return nil
		}
		f, ok := goja.AssertFunction(v)
		if !ok {
			panic(rt.NewTypeError("Failed to execute 'define' on 'CustomElementRegistry': The '%s' property of the prototype is not a function.", k))
		}
		return f
	}
	def.connected = callback("connectedCallback")
	def.disconnected = callback("disconnectedCallback")
	def.attributeChanged = callback("attributeChangedCallback")
	if def.attributeChanged != nil {
		if v := ctor.Get("observedAttributes"); v != nil && !goja.IsUndefined(v) {
			var names []string
			if err := rt.ExportTo(v, &names); err != nil {
				panic(rt.NewTypeError("Failed to execute 'define' on 'CustomElementRegistry': observedAttributes is not a sequence of strings."))
			}
			def.observed = make(map[string]bool, len(names))
			for _, n := range names {
				def.observed[n] = true
			}
		}
	}
	ce := d.ce
	if ce.describe == nil {
		ce.describe, _ = goja.AssertFunction(rt.Get("Object").ToObject(rt).Get("getOwnPropertyDescriptor"))
	}
	for p := proto; p != nil && p != d.htmlProto && p != rt.Get("Object").ToObject(rt).Get("prototype"); p = p.Prototype() {
		for _, k := range p.GetOwnPropertyNames() {
			if _, seen := def.keys[k]; seen || def.getOnly[k] {
				continue
			}
			def.keys[k] = nil
			desc, err := ce.describe(goja.Undefined(), p, d.str(k))
			dobj, ok := desc.(*goja.Object)
			if err != nil || !ok {
				continue
			}
			set, get := dobj.Get("set"), dobj.Get("get")
			if f, ok := goja.AssertFunction(set); ok {
				def.keys[k] = f
			} else if _, ok := goja.AssertFunction(get); ok {
				def.getOnly[k] = true
			}
		}
	}
	return def
}

// definitionFor is the definition an element would upgrade to, if any.
func (d *DOM) definitionFor(n *html.Node) *ceDef {
	if d.ce == nil || n.Type != html.ElementNode || n.Namespace != "" {
		return nil
	}
	if x := d.lookup(n); x != nil && x.custom != nil {
		return nil
	}
	return d.ce.defs[n.Data]
}

// htmlElementConstructor is HTMLElement: `class X extends HTMLElement`
// calls it through super(), and it returns the element being upgraded or,
// for new X() and document.createElement, a new element.
func (d *DOM) htmlElementConstructor(c goja.ConstructorCall) *goja.Object {
	ce := d.ce
	var def *ceDef
	if ce != nil && c.NewTarget != nil {
		def = ce.byCtor[c.NewTarget]
	}
	if def == nil {
		panic(d.rt.NewTypeError("Failed to construct 'HTMLElement': Illegal constructor"))
	}
	var n *html.Node
	if k := len(ce.constructing); k > 0 && ce.constructing[k-1] != nil && ce.constructing[k-1].Data == def.name {
		n = ce.constructing[k-1]
		ce.constructing[k-1] = nil // "already constructed": a second super() fails
	} else if k > 0 && ce.constructing[k-1] == nil {
		d.throw("InvalidStateError", "Failed to construct 'HTMLElement': This instance is already constructed")
	} else {
		n = newElement(def.name)
	}
	x := d.state(n)
	_ = x.obj.SetPrototype(def.proto)
	x.custom = def
	return x.obj
}

// upgrade runs def's constructor on n, then its attributeChangedCallback
// for each observed attribute present and, when n is connected, its
// connectedCallback.
func (d *DOM) upgrade(n *html.Node, def *ceDef) {
	x := d.state(n)
	if x.custom != nil || x.ceFailed {
		return
	}
	ce := d.ce
	ce.constructing = append(ce.constructing, n)
	_, err := def.construct(nil)
	ce.constructing = ce.constructing[:len(ce.constructing)-1]
	if err != nil {
		// As in Chromium, the prototype super() gave it stays; the element
		// is "failed" and never upgrades again.
		x.ceFailed = true
		x.custom = nil
		d.reportErr(err)
		return
	}
	if def.attributeChanged != nil {
		for _, a := range append([]html.Attribute(nil), n.Attr...) {
			if a.Namespace == "" && def.observed[a.Key] {
				d.callback(x, def.attributeChanged, d.str(a.Key), goja.Null(), d.str(a.Val), goja.Null())
			}
		}
	}
	if def.connected != nil && d.connected(n) {
		d.callback(x, def.connected)
	}
}

// createCustom is document.createElement of a defined name: the
// constructor runs at once and must leave the element empty.
func (d *DOM) createCustom(def *ceDef) *html.Node {
	v, err := def.construct(nil)
	if err != nil {
		d.reportErr(err)
		return newElement(def.name)
	}
	x := d.nodeOf(v)
	if x == nil || x.kind != kindElement {
		d.report(d.rt.NewTypeError("Failed to execute 'createElement' on 'Document': The result must implement HTMLElement interface"))
		return newElement(def.name)
	}
	if len(x.n.Attr) > 0 || x.n.FirstChild != nil {
		what := "attributes"
		if x.n.FirstChild != nil {
			what = "children"
		}
		d.report(d.errorValue("NotSupportedError", "Failed to execute 'createElement' on 'Document': The result must not have "+what))
	}
	return x.n
}

// callback runs a lifecycle callback with the element as this; what it
// throws is reported, as browsers do.
func (d *DOM) callback(x *node, f goja.Callable, args ...goja.Value) {
	if _, err := f(x.obj, args...); err != nil {
		d.reportErr(err)
	}
}

// reportErr reports a JS exception; anything else (the deadline's
// interrupt) goes on up.
func (d *DOM) reportErr(err error) {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		if ex.Value() != nil {
			d.report(ex.Value())
		}
		return
	}
	panic(err)
}

func (d *DOM) report(v goja.Value) {
	if d.hooks.Host != nil {
		d.hooks.Host.Report(v)
	}
}

// errorValue is the Error d.throw would raise, not thrown.
func (d *DOM) errorValue(name, msg string) (v goja.Value) {
	defer func() {
		if r := recover(); r != nil {
			v = r.(goja.Value)
		}
	}()
	d.throw(name, msg)
	return nil
}

func (ce *components) enqueue(r func()) {
	if len(ce.stack) == 0 {
		ce.stack = append(ce.stack, nil)
	}
	top := len(ce.stack) - 1
	ce.stack[top] = append(ce.stack[top], r)
}

// ceEnter starts a DOM operation whose reactions run when it ends (reactions).
func (d *DOM) ceEnter() { d.ce.stack = append(d.ce.stack, nil) }

// reactions ends the innermost operation: its reactions run, in order.
func (d *DOM) reactions() {
	ce := d.ce
	if len(ce.stack) == 0 {
		return
	}
	top := len(ce.stack) - 1
	for i := 0; i < len(ce.stack[top]); i++ {
		ce.stack[top][i]()
	}
	ce.stack = ce.stack[:top]
}

// ceLeave is reactions, deferred: when the operation threw, its reactions
// are dropped and the exception goes on.
func (d *DOM) ceLeave() {
	if r := recover(); r != nil {
		if n := len(d.ce.stack); n > 0 {
			d.ce.stack = d.ce.stack[:n-1]
		}
		panic(r)
	}
	d.reactions()
}

// connected is isConnected, shadow-including: a node in a shadow root is
// connected when its host is.
func (d *DOM) connected(n *html.Node) bool {
	for {
		r := root(n)
		if r == d.doc {
			return true
		}
		if d.ce == nil || d.ce.hosts[r] == nil {
			return false
		}
		n = d.ce.hosts[r]
	}
}

// walkShadowIncluding visits n's inclusive descendants in shadow-including
// tree order (a host's shadow root right after the host).
func (d *DOM) walkShadowIncluding(n *html.Node, visit func(*html.Node)) {
	visit(n)
	if d.ce != nil && d.ce.shadows != nil {
		if s := d.ce.shadows[n]; s != nil {
			for c := s.root.FirstChild; c != nil; c = c.NextSibling {
				d.walkShadowIncluding(c, visit)
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		d.walkShadowIncluding(c, visit)
	}
}

// ceInserted queues the reactions of n having been inserted: upgrades of
// defined elements, connectedCallback of upgraded ones.
func (d *DOM) ceInserted(n *html.Node) {
	if len(d.ce.defs) == 0 || !d.connected(n) {
		return
	}
	ce := d.ce
	d.walkShadowIncluding(n, func(k *html.Node) {
		if k.Type != html.ElementNode {
			return
		}
		if x := d.lookup(k); x != nil && x.custom != nil {
			if f := x.custom.connected; f != nil {
				ce.enqueue(func() { d.callback(x, f) })
			}
		} else if def := d.definitionFor(k); def != nil {
			ce.enqueue(func() { d.upgrade(k, def) })
		}
	})
}

// ceCloned queues the upgrades of a clone's defined elements: a clone
// made in the document (not in a template's inert contents) is created with
// the definition, connected or not.
func (d *DOM) ceCloned(n *html.Node) {
	if len(d.ce.defs) == 0 {
		return
	}
	d.walkShadowIncluding(n, func(k *html.Node) {
		if def := d.definitionFor(k); def != nil {
			d.ce.enqueue(func() { d.upgrade(k, def) })
		}
	})
}

// inTemplateContent reports whether n lives in a template's contents,
// which belong to an inert document without custom element definitions.
func (d *DOM) inTemplateContent(n *html.Node) bool {
	r := root(n)
	for _, content := range d.templates {
		if content == r {
			return true
		}
	}
	return false
}

// ceRemoved queues disconnectedCallback for the upgraded elements of a
// subtree that was connected before it was removed.
func (d *DOM) ceRemoved(n *html.Node) {
	ce := d.ce
	d.walkShadowIncluding(n, func(k *html.Node) {
		if x := d.lookup(k); x != nil && x.custom != nil && x.custom.disconnected != nil {
			f := x.custom.disconnected
			ce.enqueue(func() { d.callback(x, f) })
		}
	})
}

// ceAttributeChanged queues attributeChangedCallback for an observed attribute.
func (x *node) ceAttributeChanged(name string, old, val goja.Value) {
	def := x.custom
	if def == nil || def.attributeChanged == nil || !def.observed[name] {
		return
	}
	d := x.d
	d.ce.enqueue(func() {
		d.callback(x, def.attributeChanged, d.str(name), old, val, goja.Null())
	})
}

// attachShadow gives the element a shadow root (open or closed).
func (d *DOM) attachShadow(x *node, c goja.FunctionCall) goja.Value {
	opts, _ := c.Argument(0).(*goja.Object)
	mode := ""
	if opts != nil {
		if m := opts.Get("mode"); m != nil {
			mode = m.String()
		}
	}
	if mode != "open" && mode != "closed" {
		panic(d.rt.NewTypeError("Failed to execute 'attachShadow' on 'Element': Failed to read the 'mode' property from 'ShadowRootInit': The provided value '%s' is not a valid enum value of type ShadowRootMode.", mode))
	}
	if !shadowHosts[x.n.Data] && !validCustomName(x.n.Data) || x.n.Namespace != "" {
		d.throw("NotSupportedError", "Failed to execute 'attachShadow' on 'Element': This element does not support attachShadow")
	}
	ce := d.comps()
	if ce.shadows == nil {
		ce.shadows, ce.hosts = map[*html.Node]*shadowRoot{}, map[*html.Node]*html.Node{}
	}
	if ce.shadows[x.n] != nil {
		d.throw("NotSupportedError", "Failed to execute 'attachShadow' on 'Element': Shadow root cannot be created on a host which already hosts a shadow tree.")
	}
	r := &html.Node{Type: html.DocumentNode}
	ce.shadows[x.n] = &shadowRoot{root: r, mode: mode}
	ce.hosts[r] = x.n
	return d.wrap(r)
}

// shadowHosts are the HTML elements attachShadow accepts besides custom ones.
var shadowHosts = map[string]bool{"article": true, "aside": true, "blockquote": true, "body": true, "div": true,
	"footer": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "header": true,
	"main": true, "nav": true, "p": true, "section": true, "span": true}

// shadowRootOf is element.shadowRoot: the open shadow root, or null.
func (d *DOM) shadowRootOf(n *html.Node) goja.Value {
	if d.ce != nil && d.ce.shadows != nil {
		if s := d.ce.shadows[n]; s != nil && s.mode == "open" {
			return d.wrap(s.root)
		}
	}
	return goja.Null()
}

// shadowMember serves the ShadowRoot members a plain fragment lacks.
func (x *node) shadowMember(key string) (goja.Value, bool) {
	host := x.d.ce.hosts[x.n]
	if host == nil {
		return nil, false
	}
	switch key {
	case "innerHTML":
		return x.d.str(x.d.innerHTML(x.n)), true
	case "host":
		return x.wrap(host), true
	case "mode":
		return x.d.str(x.d.ce.shadows[host].mode), true
	case "delegatesFocus", "clonable", "serializable":
		return x.d.rt.ToValue(false), true
	case "activeElement":
		return goja.Null(), true
	}
	return nil, false
}
