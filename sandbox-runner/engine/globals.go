package engine

import (
	"slices"

	"github.com/dop251/goja"
)

// lazyObject is a dynamic object whose members are built on first read.
// goja.ToValue of a Go function costs about a microsecond (it looks up the
// function's symbol name), so a runtime only pays for the API a script uses.
type lazyObject struct {
	names []string // members, in Object.keys order
	build func(name string) goja.Value
	vals  map[string]goja.Value
}

func (ex *execution) lazy(build func(string) goja.Value, names ...string) *goja.Object {
	return ex.rt.NewDynamicObject(&lazyObject{names: names, build: build, vals: make(map[string]goja.Value, 2)})
}

func (o *lazyObject) Get(k string) goja.Value {
	if v, ok := o.vals[k]; ok {
		return v
	}
	if !slices.Contains(o.names, k) {
		return nil
	}
	v := o.build(k)
	o.vals[k] = v
	return v
}

// Set lets scripts replace members (console.log = ...) or add their own.
func (o *lazyObject) Set(k string, v goja.Value) bool {
	if !slices.Contains(o.names, k) {
		o.names = append(o.names, k)
	}
	o.vals[k] = v
	return true
}

func (o *lazyObject) Has(k string) bool { return slices.Contains(o.names, k) }

func (o *lazyObject) Delete(k string) bool {
	if i := slices.Index(o.names, k); i >= 0 {
		o.names = slices.Delete(o.names, i, i+1)
	}
	delete(o.vals, k)
	return true
}

func (o *lazyObject) Keys() []string { return o.names }

// function wraps a native function and names it for stack traces and console.
func (ex *execution) function(name string, fn func(goja.FunctionCall) goja.Value) goja.Value {
	f := ex.rt.ToValue(fn).(*goja.Object)
	_ = f.DefineDataProperty("name", ex.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	return f
}

// installGlobals puts the browser-like API on a lazy object spliced into the
// global object's prototype chain, where global name lookups find it (as
// Window.prototype does in browsers). Scripts may still shadow any of it.
func (ex *execution) installGlobals() {
	rt := ex.rt
	g := rt.GlobalObject()
	var symposium *goja.Object
	api := func() *goja.Object {
		if symposium == nil {
			symposium = ex.lazy(ex.symposiumMember, "saveData", "getData", "deleteData", "fetch")
		}
		return symposium
	}
	scope := ex.lazy(func(name string) goja.Value {
		switch name {
		case "window", "self":
			return g
		case "document":
			return ex.dom.Document()
		case "console":
			return ex.lazy(ex.console.member, "log", "info", "warn", "error", "debug")
		case "setTimeout":
			return ex.function(name, ex.setTimer(false))
		case "setInterval":
			return ex.function(name, ex.setTimer(true))
		case "clearTimeout", "clearInterval":
			return ex.function(name, ex.clearTimer)
		case "queueMicrotask":
			return ex.function(name, ex.queueMicrotask)
		case "symposium":
			return api()
		default: // demoAPI
			return ex.lazy(func(string) goja.Value { return api().Get("getData") }, "getData")
		}
	}, "window", "self", "document", "console", "setTimeout", "setInterval", "clearTimeout",
		"clearInterval", "queueMicrotask", "symposium", "demoAPI")
	_ = scope.SetPrototype(g.Prototype())
	_ = g.SetPrototype(scope)
}
