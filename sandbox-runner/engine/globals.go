package engine

import (
	"slices"
	"sort"
	"sync"

	"github.com/dop251/goja"
)

// lazyObject is a dynamic object whose members are built on first read.
// goja.ToValue of a Go function costs about a microsecond (it looks up the
// function's symbol name), so a runtime only pays for the API a script uses.
type lazyObject struct {
	names []string // members, in Object.keys order
	build func(name string) goja.Value
	vals  map[string]goja.Value
	// index, when set, is the set of names, shared with other executions
	// as names is: the first Set of a new name or Delete copies names
	// (copy-on-write) and drops index.
	index map[string]struct{}
}

func (ex *execution) lazy(build func(string) goja.Value, names ...string) *goja.Object {
	return ex.rt.NewDynamicObject(&lazyObject{names: names, build: build, vals: make(map[string]goja.Value, 2)})
}

func (o *lazyObject) has(k string) bool {
	if o.index != nil {
		_, ok := o.index[k]
		return ok
	}
	return slices.Contains(o.names, k)
}

// own makes names this object's own before it changes.
func (o *lazyObject) own() {
	if o.index != nil {
		o.names, o.index = slices.Clone(o.names), nil
	}
}

func (o *lazyObject) Get(k string) goja.Value {
	if v, ok := o.vals[k]; ok {
		return v
	}
	if !o.has(k) {
		return nil
	}
	v := o.build(k)
	o.vals[k] = v
	return v
}

// Set lets scripts replace members (console.log = ...) or add their own.
func (o *lazyObject) Set(k string, v goja.Value) bool {
	if !o.has(k) {
		o.own()
		o.names = append(o.names, k)
	}
	o.vals[k] = v
	return true
}

func (o *lazyObject) Has(k string) bool { return o.has(k) }

func (o *lazyObject) Delete(k string) bool {
	if o.has(k) {
		o.own()
		i := slices.Index(o.names, k)
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
	globalNames.once.Do(buildGlobalNames)
	scope := rt.NewDynamicObject(&lazyObject{names: globalNames.names, index: globalNames.index, vals: make(map[string]goja.Value, 4), build: func(name string) goja.Value {
		switch name {
		case "window", "self":
			return g
		case "document":
			return ex.dom.Document()
		case "console":
			return ex.console.object()
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
		case "demoAPI":
			return ex.lazy(func(string) goja.Value { return api().Get("getData") }, "getData")
		default:
			return registered[name](ex)
		}
	}})
	_ = scope.SetPrototype(g.Prototype())
	_ = g.SetPrototype(scope)
}

// registered holds globals contributed by other files of the package (web
// APIs, Intl, ...), each built on first read like the ones above, so a block
// pays only for what it touches. Files add theirs from init with
// registerGlobal; names are kept sorted so Object.keys(window) is stable.
var (
	registered      = map[string]func(*execution) goja.Value{}
	registeredNames []string
)

// globalNames is the global scope's list of names, built once, on first
// use (after every file's init has registered its globals), and shared by
// all executions until one of them adds or deletes a global (lazyObject.own).
var globalNames struct {
	once  sync.Once
	names []string
	index map[string]struct{}
}

func buildGlobalNames() {
	globalNames.names = slices.Clip(append([]string{"window", "self", "document", "console", "setTimeout", "setInterval",
		"clearTimeout", "clearInterval", "queueMicrotask", "symposium", "demoAPI"}, registeredNames...))
	globalNames.index = make(map[string]struct{}, len(globalNames.names))
	for _, n := range globalNames.names {
		globalNames.index[n] = struct{}{}
	}
}

// registerGlobal adds a lazily built global. It must be called from init.
func registerGlobal(name string, build func(*execution) goja.Value) {
	if globalNames.names != nil {
		panic("engine: global registered after first use: " + name)
	}
	if _, dup := registered[name]; dup {
		panic("engine: global registered twice: " + name)
	}
	registered[name] = build
	registeredNames = append(registeredNames, name)
	sort.Strings(registeredNames)
}
