package dom

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/dop251/goja"
	"golang.org/x/net/html"
)

// The event machinery is JavaScript (events.js): listener lists, the
// capture/target/bubble walk and the Event classes are plain objects and
// closures there, which a Go binding would only re-create at greater cost.
// It is compiled once per process and run in a runtime the first time a
// script touches addEventListener, Event, AbortController, click() ... so
// blocks that never use events pay nothing.

//go:embed events.js
var eventsSource string

var eventsProgram = sync.OnceValue(func() *goja.Program {
	return goja.MustCompile("events.js", eventsSource, true)
})

// Hooks connect the DOM to its execution: the global object standing for
// window, the block's stylesheet, and the Host.
type Hooks struct {
	Window *goja.Object
	// CSS is the block's stylesheet, for getComputedStyle.
	CSS  string
	Host Host
}

// Host is the execution side: the clock and timers of the event loop,
// where exceptions thrown by listeners go (browsers report them and carry
// on dispatching), notices, and the document's URL.
type Host interface {
	Now() float64 // virtual milliseconds, for Event.timeStamp
	SetTimeout(fn goja.Callable, ms float64)
	Report(thrown goja.Value)
	// Notice records something a browser would do that a server render
	// does not (a form submission navigating away, ...).
	Notice(msg string)
	// ResolveURL resolves a URL attribute against the document's URL.
	ResolveURL(ref string) string
}

// SetHooks installs the execution's hooks; call it before the script runs.
func (d *DOM) SetHooks(h Hooks) { d.hooks = h }

type events struct {
	api   *goja.Object
	cache map[string]goja.Value
	click goja.Callable
	fire  goja.Callable
}

// ev loads the event machinery into the runtime on first use.
func (d *DOM) ev() *events {
	if d.events != nil {
		return d.events
	}
	v, err := d.rt.RunProgram(eventsProgram())
	if err != nil {
		panic(err)
	}
	factory, _ := goja.AssertFunction(v)
	host := d.rt.NewObject()
	win := d.hooks.Window
	if win == nil {
		win = d.rt.NewObject()
	}
	_ = host.Set("window", win)
	_ = host.Set("document", d.Document())
	// The hot members (every dispatch calls them) take a FunctionCall:
	// goja calls those directly, other Go signatures through reflection.
	_ = host.Set("isNode", func(c goja.FunctionCall) goja.Value {
		return d.rt.ToValue(d.nodeOf(c.Argument(0)) != nil)
	})
	_ = host.Set("handler", func(c goja.FunctionCall) goja.Value {
		return d.handlerFor(c.Argument(0), c.Argument(1).String())
	})
	// listeners is a node's listener list (null: none yet), undefined for
	// any other target; setListeners stores one, false for other targets.
	_ = host.Set("listeners", func(c goja.FunctionCall) goja.Value {
		x := d.nodeOf(c.Argument(0))
		switch {
		case x == nil:
			return goja.Undefined()
		case x.listeners == nil:
			return goja.Null()
		}
		return x.listeners
	})
	_ = host.Set("setListeners", func(c goja.FunctionCall) goja.Value {
		x := d.nodeOf(c.Argument(0))
		if x == nil {
			return d.rt.ToValue(false)
		}
		x.listeners = c.Argument(1)
		return d.rt.ToValue(true)
	})
	_ = host.Set("report", func(c goja.FunctionCall) goja.Value {
		if d.hooks.Host != nil {
			d.hooks.Host.Report(c.Argument(0))
		}
		return goja.Undefined()
	})
	_ = host.Set("now", func(goja.FunctionCall) goja.Value {
		if d.hooks.Host != nil {
			return d.rt.ToValue(d.hooks.Host.Now())
		}
		return d.rt.ToValue(0)
	})
	_ = host.Set("setTimeout", func(fn goja.Callable, ms float64) {
		if d.hooks.Host != nil {
			d.hooks.Host.SetTimeout(fn, ms)
		}
	})
	_ = host.Set("disabled", func(c goja.FunctionCall) goja.Value {
		x := d.nodeOf(c.Argument(0))
		return d.rt.ToValue(x != nil && isFormControl(x.n) && d.disabled(x.n))
	})
	_ = host.Set("radioGroup", func(v goja.Value) goja.Value {
		x := d.nodeOf(v)
		if x == nil {
			return d.rt.NewArray()
		}
		group := d.radioGroup(x.n)
		out := make([]any, len(group))
		for i, n := range group {
			out[i] = d.wrap(n)
		}
		return d.rt.NewArray(out...)
	})
	_ = host.Set("notice", func(msg string) { d.notice(msg) })
	_ = host.Set("submitted", func(goja.Value) {
		d.notice("a form was submitted; a server render does not navigate or send it")
	})
	_ = host.Set("isForm", func(c goja.FunctionCall) goja.Value {
		x := d.nodeOf(c.Argument(0))
		return d.rt.ToValue(x != nil && isTag(x.n, "form"))
	})
	_ = host.Set("formEntries", func(form, submitter goja.Value) goja.Value {
		var sub *html.Node
		if x := d.nodeOf(submitter); x != nil {
			sub = x.n
		}
		var out []any
		for _, e := range d.formEntries(d.nodeOf(form).n, sub) {
			out = append(out, d.rt.NewArray(e[0], e[1]))
		}
		return d.rt.NewArray(out...)
	})
	api, err := factory(goja.Undefined(), host)
	if err != nil {
		panic(err)
	}
	e := &events{api: api.ToObject(d.rt), cache: make(map[string]goja.Value)}
	e.click, _ = goja.AssertFunction(e.api.Get("click"))
	e.fire, _ = goja.AssertFunction(e.api.Get("fire"))
	d.events = e
	return e
}

func (d *DOM) notice(msg string) {
	if d.hooks.Host != nil {
		d.hooks.Host.Notice(msg)
	}
}

func (d *DOM) nodeOf(v goja.Value) *node {
	if obj, ok := v.(*goja.Object); ok {
		if x, ok := obj.Export().(*node); ok && x.d == d {
			return x
		}
	}
	return nil
}

// eventAPI returns one export of events.js.
func (d *DOM) eventAPI(name string) goja.Value {
	e := d.ev()
	if v, ok := e.cache[name]; ok {
		return v
	}
	v := e.api.Get(name)
	e.cache[name] = v
	return v
}

// EventGlobals are the window members events.js provides.
var EventGlobals = []string{
	"AbortController", "AbortSignal", "CustomEvent", "ErrorEvent", "Event", "EventTarget", "FocusEvent",
	"InputEvent", "KeyboardEvent", "MouseEvent", "PageTransitionEvent", "PointerEvent", "ProgressEvent", "SubmitEvent", "UIEvent",
	"WheelEvent", "addEventListener", "dispatchEvent", "removeEventListener",
}

// EventGlobal returns the window member name (one of EventGlobals).
func (d *DOM) EventGlobal(name string) goja.Value { return d.eventAPI(name) }

// handlerNames are the event types with an on<type> handler property.
var handlerNames = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range strings.Fields(`abort animationend animationiteration animationstart auxclick beforeinput
		beforeunload blur cancel canplay change click close contextmenu copy cut dblclick drag dragend dragenter
		dragleave dragover dragstart drop ended error focus focusin focusout hashchange input invalid keydown
		keypress keyup load loadeddata loadedmetadata message mousedown mouseenter mouseleave mousemove mouseout
		mouseover mouseup paste pause play playing pointercancel pointerdown pointerenter pointerleave pointermove
		pointerout pointerover pointerup pageshow pagehide popstate readystatechange reset resize scroll scrollend select
		selectionchange slotchange storage submit timeupdate toggle touchcancel touchend touchmove touchstart
		transitionend transitionrun transitionstart unload visibilitychange volumechange wheel`) {
		m[t] = true
	}
	return m
}()

// handlerName reports whether key is an event handler property (onclick).
func handlerName(key string) (string, bool) {
	if len(key) < 3 || key[0] != 'o' || key[1] != 'n' {
		return "", false
	}
	return key[2:], handlerNames[key[2:]]
}

// handler is the on<typ> property of an element or the document: what a
// script assigned, or else the attribute's source compiled on first read.
func (x *node) handler(typ string) goja.Value {
	if v, ok := x.handlers[typ]; ok {
		return v
	}
	if x.kind != kindElement {
		return goja.Null()
	}
	src, ok := getAttr(x.n, "on"+typ)
	if !ok {
		return goja.Null()
	}
	f := x.d.compileHandler(typ, src)
	if x.handlers == nil {
		x.handlers = make(map[string]goja.Value)
	}
	x.handlers[typ] = f
	return f
}

func (x *node) setHandler(typ string, v goja.Value) {
	if x.handlers == nil {
		x.handlers = make(map[string]goja.Value)
	}
	if _, ok := goja.AssertFunction(v); !ok {
		v = goja.Null()
	}
	x.handlers[typ] = v
}

// compileHandler turns an onclick="..." attribute into a function of event,
// as browsers do lazily; a syntax error is reported like a thrown one.
func (d *DOM) compileHandler(typ, src string) goja.Value {
	f, err := d.rt.RunString("(function on" + typ + "(event) {\n" + src + "\n})")
	if err != nil {
		if ex, ok := err.(*goja.Exception); ok && d.hooks.Host != nil {
			d.hooks.Host.Report(ex.Value())
		} else if d.hooks.Host != nil {
			d.hooks.Host.Report(d.rt.ToValue(fmt.Sprint(err)))
		}
		return goja.Null()
	}
	return f
}

// handlerFor answers events.js: the handler property of any target. For
// window it is the global onload (etc.), or the body's onload attribute,
// which the HTML standard forwards to window.
func (d *DOM) handlerFor(t goja.Value, typ string) goja.Value {
	if x := d.nodeOf(t); x != nil {
		if x.kind&(kindElement|kindDocument) == 0 {
			return goja.Null()
		}
		return x.handler(typ)
	}
	obj, ok := t.(*goja.Object)
	if !ok {
		return goja.Null()
	}
	if v := obj.Get("on" + typ); v != nil {
		if _, ok := goja.AssertFunction(v); ok {
			return v
		}
	}
	if obj == d.hooks.Window && bodyForwarded[typ] {
		if body := findBody(d.doc); body != nil {
			if _, ok := getAttr(body, "on"+typ); ok {
				return d.state(body).handler(typ)
			}
		}
	}
	return goja.Null()
}

// bodyForwarded are the body attributes that set window's handlers.
var bodyForwarded = map[string]bool{"load": true, "resize": true, "scroll": true, "hashchange": true, "beforeunload": true, "unload": true, "storage": true, "message": true, "popstate": true}

// hasWindowHandler reports whether window[prop] (onload, ...) is a function
// or <body> has the attribute, so the lifecycle can skip loading events.js
// for blocks that use neither. prop is a constant: no string is built.
func (d *DOM) hasWindowHandler(prop string) bool {
	if w := d.hooks.Window; w != nil {
		if v := w.Get(prop); v != nil {
			if _, ok := goja.AssertFunction(v); ok {
				return true
			}
		}
	}
	if body := findBody(d.doc); body != nil && bodyForwarded[prop[2:]] {
		if _, ok := getAttr(body, prop); ok {
			return true
		}
	}
	return false
}

// SetReadyState moves document.readyState on and fires readystatechange.
func (d *DOM) SetReadyState(s string) {
	d.readyState = s
	docHas := false
	if x := d.nodes[d.doc]; x != nil {
		_, docHas = x.handlers["readystatechange"]
	}
	if d.events != nil || docHas {
		d.fire(d.Document(), "readystatechange", false)
	}
}

// FireDOMContentLoaded fires DOMContentLoaded at the document (it bubbles to
// window) when anything could be listening.
func (d *DOM) FireDOMContentLoaded() {
	if d.events != nil {
		d.fire(d.Document(), "DOMContentLoaded", true)
	}
}

// FireLoad fires load at window, then pageshow (a first show, not from the
// back-forward cache).
func (d *DOM) FireLoad() {
	if d.hooks.Window == nil {
		return
	}
	if d.events != nil || d.hasWindowHandler("onload") {
		d.fire(d.hooks.Window, "load", false)
	}
	if d.events != nil || d.hasWindowHandler("onpageshow") {
		init := d.rt.NewObject()
		_ = init.Set("persisted", false)
		if _, err := d.ev().fire(goja.Undefined(), d.hooks.Window, d.str("pageshow"), init, d.str("PageTransitionEvent")); err != nil {
			panic(err)
		}
	}
}

func (d *DOM) fire(t goja.Value, typ string, bubbles bool) {
	init := d.rt.NewObject()
	_ = init.Set("bubbles", bubbles)
	if _, err := d.ev().fire(goja.Undefined(), t, d.str(typ), init); err != nil {
		panic(err)
	}
}

// userEvents are event types only a person causes; listeners for them wait
// for the interactive page and are worth a notice on a server render.
var userEvents = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`click dblclick auxclick contextmenu mousedown mouseup mousemove mouseover mouseout
		mouseenter mouseleave pointerdown pointerup pointermove pointerover pointerout pointerenter pointerleave
		touchstart touchend touchmove keydown keyup keypress input change submit reset focus blur focusin focusout
		wheel scroll resize drag dragstart dragend dragover dragenter dragleave drop copy cut paste beforeinput
		select toggle`) {
		userEvents[t] = true
	}
}

// ListenerNotices describes listeners still registered for user events,
// e.g. "3 click listeners were registered; a server render fires no user
// events". Nil when events.js never loaded.
func (d *DOM) ListenerNotices() []string {
	var pairs [][]any
	if d.events != nil {
		f, _ := goja.AssertFunction(d.events.api.Get("counts"))
		if v, err := f(goja.Undefined()); err == nil {
			_ = d.rt.ExportTo(v, &pairs)
		}
	}
	counts := map[string]int{}
	for _, p := range pairs {
		if len(p) == 2 {
			if typ, ok := p[0].(string); ok && userEvents[typ] {
				n, _ := p[1].(int64)
				counts[typ] += int(n)
			}
		}
	}
	for n, x := range d.nodes {
		for typ, h := range x.handlers {
			if userEvents[typ] && h != nil && !goja.IsNull(h) && contains(d.doc, n) {
				counts[typ]++
			}
		}
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	var out []string
	for _, t := range types {
		n := counts[t]
		s := "s were"
		if n == 1 {
			s = " was"
		}
		out = append(out, fmt.Sprintf("%d %s listener%s registered; a server render fires no user events", n, t, s))
	}
	return out
}

// click runs element.click().
func (d *DOM) click(x *node) {
	if _, err := d.ev().click(goja.Undefined(), x.obj); err != nil {
		panic(err)
	}
}
