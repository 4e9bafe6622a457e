package engine

import (
	"fmt"
	"math"
	"math/big"
	"runtime"

	"github.com/dop251/goja"

	"github.com/symposium/symposium/sandbox-runner/intl"
)

// Intl and the toLocale* methods. goja has no Intl; sandbox-runner/intl
// formats from embedded CLDR data. The Intl object is built on the first
// read of the global (registerGlobal), each constructor on its first read,
// and locale data on the first format in that locale.

func init() {
	registerGlobal("Intl", func(ex *execution) goja.Value { return ex.intlState().object() })
}

// intlRuntime is one execution's Intl: the lazily built constructors and
// prototypes, and the defaults the supervisor chose.
type intlRuntime struct {
	ex               *execution
	locale, timeZone string
	obj              *goja.Object
	ctors            map[string]*goja.Object
	protos           map[string]*goja.Object
}

func (ex *execution) intlState() *intlRuntime {
	st := &ex.intl
	if st.ex == nil {
		st.ex = ex
		st.ctors = map[string]*goja.Object{}
		st.protos = map[string]*goja.Object{}
	}
	if st.locale == "" {
		st.locale = "en-US"
	}
	if st.timeZone == "" {
		st.timeZone = "UTC"
	}
	return st
}

var intlMembers = []string{"Collator", "DateTimeFormat", "DisplayNames", "ListFormat", "NumberFormat", "PluralRules",
	"RelativeTimeFormat", "Segmenter", "getCanonicalLocales", "supportedValuesOf"}

func (st *intlRuntime) object() *goja.Object {
	if st.obj != nil {
		return st.obj
	}
	st.obj = st.ex.lazy(func(name string) goja.Value {
		switch name {
		case "getCanonicalLocales":
			return st.ex.function(name, func(c goja.FunctionCall) goja.Value {
				tags, err := intl.CanonicalizeList(st.localeList(c.Argument(0)))
				st.check(err)
				return st.strings(tags)
			})
		case "supportedValuesOf":
			return st.ex.function(name, func(c goja.FunctionCall) goja.Value {
				vals, err := intl.SupportedValuesOf(c.Argument(0).String())
				st.check(err)
				return st.strings(vals)
			})
		}
		return st.ctor(name)
	}, intlMembers...)
	return st.obj
}

// guard turns a Go runtime fault inside the formatting code into a
// JavaScript Error, so a bug costs the call, not the runner. JavaScript
// exceptions (also panics in goja) pass through.
func (st *intlRuntime) guard(f func(goja.FunctionCall) goja.Value) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		defer func() {
			if r := recover(); r != nil {
				if _, fault := r.(runtime.Error); fault {
					panic(st.ex.rt.NewGoError(fmt.Errorf("%w: %v", intl.ErrInternal, r)))
				}
				panic(r)
			}
		}()
		return f(c)
	}
}

// throw rethrows an intl.Error as the JavaScript error V8 would raise.
func (st *intlRuntime) check(err error) {
	if err == nil {
		return
	}
	rt := st.ex.rt
	if e, ok := err.(*intl.Error); ok {
		if e.Kind == "TypeError" {
			panic(rt.NewTypeError(e.Msg))
		}
		ctor, _ := goja.AssertConstructor(rt.Get(e.Kind))
		if ctor != nil {
			if o, cerr := ctor(nil, rt.ToValue(e.Msg)); cerr == nil {
				panic(o)
			}
		}
	}
	panic(rt.NewGoError(err))
}

func (st *intlRuntime) throwRange(msg string) {
	st.check(&intl.Error{Kind: "RangeError", Msg: msg})
}

func (st *intlRuntime) strings(ss []string) goja.Value {
	vals := make([]any, len(ss))
	for i, s := range ss {
		vals[i] = s
	}
	return st.ex.rt.NewArray(vals...)
}

// localeList is CanonicalizeLocaleList's input side: undefined, a string, or
// an array-like of strings.
func (st *intlRuntime) localeList(v goja.Value) []string {
	if v == nil || goja.IsUndefined(v) {
		return nil
	}
	rt := st.ex.rt
	if s, ok := v.Export().(string); ok {
		return []string{s}
	}
	if goja.IsNull(v) {
		panic(rt.NewTypeError("Cannot convert undefined or null to object"))
	}
	o := v.ToObject(rt)
	n := o.Get("length")
	if n == nil {
		return nil
	}
	var out []string
	for i := range n.ToInteger() {
		e := o.Get(itoa(i))
		if e == nil || goja.IsUndefined(e) {
			continue
		}
		if _, isStr := e.Export().(string); !isStr {
			if _, isObj := e.(*goja.Object); !isObj {
				panic(rt.NewTypeError("Language ID should be string or object."))
			}
		}
		out = append(out, e.String())
	}
	return out
}

func itoa(i int64) string { return big.NewInt(i).String() }

// jsOpts reads an options bag as GetOption does.
type jsOpts struct {
	o *goja.Object
}

func (st *intlRuntime) opts(v goja.Value) intl.Opts {
	if v == nil || goja.IsUndefined(v) {
		return jsOpts{}
	}
	if goja.IsNull(v) {
		panic(st.ex.rt.NewTypeError("Cannot convert undefined or null to object"))
	}
	return jsOpts{o: v.ToObject(st.ex.rt)}
}

func (j jsOpts) raw(name string) goja.Value {
	if j.o == nil {
		return nil
	}
	v := j.o.Get(name)
	if v == nil || goja.IsUndefined(v) {
		return nil
	}
	return v
}

func (j jsOpts) String(name string) (string, bool) {
	if v := j.raw(name); v != nil {
		return v.String(), true
	}
	return "", false
}

func (j jsOpts) Number(name string) (float64, bool) {
	if v := j.raw(name); v != nil {
		return v.ToFloat(), true
	}
	return 0, false
}

func (j jsOpts) Bool(name string) (bool, bool) {
	if v := j.raw(name); v != nil {
		return v.ToBoolean(), true
	}
	return false, false
}

func (j jsOpts) Value(name string) (any, bool) {
	if v := j.raw(name); v != nil {
		if goja.IsNull(v) {
			return nil, true
		}
		return v.Export(), true
	}
	return nil, false
}

// instance is the internal slot of an Intl object: a dynamic object whose
// Export is itself, so methods find their formatter from `this`.
type instance struct {
	kind  string
	impl  any
	bound goja.Value // the cached `format`/`compare` bound function
	props map[string]goja.Value
}

func (i *instance) Get(k string) goja.Value { return i.props[k] }
func (i *instance) Set(k string, v goja.Value) bool {
	if i.props == nil {
		i.props = map[string]goja.Value{}
	}
	i.props[k] = v
	return true
}
func (i *instance) Has(k string) bool    { _, ok := i.props[k]; return ok }
func (i *instance) Delete(k string) bool { delete(i.props, k); return true }
func (i *instance) Keys() []string {
	var ks []string
	for k := range i.props {
		ks = append(ks, k)
	}
	return ks
}

func (st *intlRuntime) newInstance(kind string, impl any) *goja.Object {
	o := st.ex.rt.NewDynamicObject(&instance{kind: kind, impl: impl})
	_ = o.SetPrototype(st.proto(kind))
	return o
}

// this unwraps the receiver or throws V8's incompatible-receiver TypeError.
func (st *intlRuntime) this(c goja.FunctionCall, kind, method string) *instance {
	if o, ok := c.This.(*goja.Object); ok {
		if in, ok := o.Export().(*instance); ok && in.kind == kind {
			return in
		}
	}
	panic(st.ex.rt.NewTypeError("Method " + method + " called on incompatible receiver " + receiverString(c.This)))
}

// receiverString describes a value as V8's incompatible-receiver message
// does: primitives as strings, objects as #<ConstructorName>.
func receiverString(v goja.Value) string {
	o, ok := v.(*goja.Object)
	if !ok {
		if v == nil {
			return "undefined"
		}
		return v.String()
	}
	if o.ClassName() == "Array" {
		return "[object Array]"
	}
	name := "Object"
	if c, ok := o.Get("constructor").(*goja.Object); ok {
		if n := c.Get("name"); n != nil && n.String() != "" {
			name = n.String()
		}
	}
	return "#<" + name + ">"
}

func (st *intlRuntime) proto(kind string) *goja.Object {
	st.ctor(kind)
	return st.protos[kind]
}

// ctor builds one Intl constructor and its prototype.
func (st *intlRuntime) ctor(kind string) goja.Value {
	if c, ok := st.ctors[kind]; ok {
		return c
	}
	rt := st.ex.rt
	var build func(c goja.FunctionCall) any
	callable := kind == "NumberFormat" || kind == "DateTimeFormat" || kind == "Collator"
	methods := map[string]func(goja.FunctionCall) goja.Value{}
	var accessor string
	switch kind {
	case "NumberFormat":
		build, accessor = st.numberFormatCtor(methods)
	case "DateTimeFormat":
		build, accessor = st.dateTimeFormatCtor(methods)
	case "PluralRules":
		build = st.pluralRulesCtor(methods)
	case "RelativeTimeFormat":
		build = st.relativeTimeCtor(methods)
	case "ListFormat":
		build = st.listFormatCtor(methods)
	case "Collator":
		build, accessor = st.collatorCtor(methods)
	case "DisplayNames":
		build = st.displayNamesCtor(methods)
	case "Segmenter":
		build = st.segmenterCtor(methods)
	}
	proto := rt.NewObject()
	st.protos[kind] = proto
	name := "Intl." + kind
	ctor := rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
		// goja hands native constructors no new.target; a `new` call is the
		// one whose receiver was made from this prototype.
		constructed := call.This != nil && call.This.Prototype() == proto
		if !constructed && !callable {
			panic(rt.NewTypeError("Constructor " + name + " requires 'new'"))
		}
		var impl any
		st.guard(func(c goja.FunctionCall) goja.Value { impl = build(c); return nil })(goja.FunctionCall{Arguments: call.Arguments})
		return st.newInstance(kind, impl)
	}).(*goja.Object)
	_ = ctor.DefineDataProperty("name", rt.ToValue(kind), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = ctor.DefineDataProperty("length", rt.ToValue(0), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = ctor.DefineDataProperty("prototype", proto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	_ = proto.DefineDataProperty("constructor", ctor, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = ctor.Set("supportedLocalesOf", st.ex.function("supportedLocalesOf", func(c goja.FunctionCall) goja.Value {
		tags, err := intl.SupportedLocales(st.localeList(c.Argument(0)))
		st.check(err)
		return st.strings(tags)
	}))
	if accessor != "" {
		get := methods["\x00"+accessor]
		delete(methods, "\x00"+accessor)
		_ = proto.DefineAccessorProperty(accessor, st.ex.function("get "+accessor, get), nil, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	for m, f := range methods {
		_ = proto.DefineDataProperty(m, st.ex.function(m, st.guard(f)), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	}
	_ = proto.DefineDataPropertySymbol(goja.SymToStringTag, rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	st.ctors[kind] = ctor
	return ctor
}

func (st *intlRuntime) resolved(r intl.Resolved) goja.Value {
	o := st.ex.rt.NewObject()
	for _, kv := range r {
		switch v := kv.Value.(type) {
		case []string:
			_ = o.Set(kv.Key, st.strings(v))
		default:
			_ = o.Set(kv.Key, v)
		}
	}
	return o
}

func (st *intlRuntime) parts(ps []intl.Part) goja.Value { return st.partsAs(ps, "source") }

// partsAs builds formatToParts' array; sourceKey names the field a part's
// Source goes in ("source" for ranges, "unit" for RelativeTimeFormat).
func (st *intlRuntime) partsAs(ps []intl.Part, sourceKey string) goja.Value {
	rt := st.ex.rt
	vals := make([]any, len(ps))
	for i, p := range ps {
		o := rt.NewObject()
		_ = o.Set("type", p.Type)
		_ = o.Set("value", p.Value)
		if p.Source != "" {
			_ = o.Set(sourceKey, p.Source)
		}
		vals[i] = o
	}
	return rt.NewArray(vals...)
}

// toNumber is ToIntlMathematicalValue: BigInts and numeric strings stay exact.
func toNumber(v goja.Value) intl.Number {
	switch x := v.Export().(type) {
	case *big.Int:
		return intl.Number{Big: x}
	case string:
		return intl.Number{Str: &x}
	}
	if v == nil {
		return intl.Number{F: math.NaN()}
	}
	return intl.Number{F: v.ToFloat()}
}

func (st *intlRuntime) newNumberFormat(locales, options goja.Value) *intl.NumberFormat {
	nf, err := intl.NewNumberFormat(st.localeList(locales), st.opts(options), st.locale)
	st.check(err)
	return nf
}

func (st *intlRuntime) numberFormatCtor(m map[string]func(goja.FunctionCall) goja.Value) (func(goja.FunctionCall) any, string) {
	const k = "NumberFormat"
	nf := func(c goja.FunctionCall, method string) *intl.NumberFormat {
		return st.this(c, k, method).impl.(*intl.NumberFormat)
	}
	m["\x00format"] = func(c goja.FunctionCall) goja.Value {
		in := st.this(c, k, "UnwrapNumberFormat")
		if in.bound == nil {
			f := in.impl.(*intl.NumberFormat)
			in.bound = st.ex.rt.ToValue(func(c goja.FunctionCall) goja.Value {
				return st.ex.rt.ToValue(f.Format(toNumber(c.Argument(0))))
			})
		}
		return in.bound
	}
	m["formatToParts"] = func(c goja.FunctionCall) goja.Value {
		return st.parts(nf(c, "Intl.NumberFormat.prototype.formatToParts").FormatToParts(toNumber(c.Argument(0))))
	}
	rangeArgs := func(c goja.FunctionCall) (intl.Number, intl.Number) {
		a, b := c.Argument(0), c.Argument(1)
		if goja.IsUndefined(a) {
			panic(st.ex.rt.NewTypeError("Invalid start : undefined"))
		}
		if goja.IsUndefined(b) {
			panic(st.ex.rt.NewTypeError("Invalid end : undefined"))
		}
		x, y := toNumber(a), toNumber(b)
		if x.IsNaN() {
			st.throwRange("Invalid start : NaN")
		}
		if y.IsNaN() {
			st.throwRange("Invalid end : NaN")
		}
		return x, y
	}
	m["formatRange"] = func(c goja.FunctionCall) goja.Value {
		f := nf(c, "Intl.NumberFormat.prototype.formatRange")
		x, y := rangeArgs(c)
		return st.ex.rt.ToValue(intl.Join(f.FormatRangeToParts(x, y)))
	}
	m["formatRangeToParts"] = func(c goja.FunctionCall) goja.Value {
		f := nf(c, "Intl.NumberFormat.prototype.formatRangeToParts")
		x, y := rangeArgs(c)
		return st.parts(f.FormatRangeToParts(x, y))
	}
	m["resolvedOptions"] = func(c goja.FunctionCall) goja.Value {
		return st.resolved(nf(c, "Intl.NumberFormat.prototype.resolvedOptions").ResolvedOptions())
	}
	return func(c goja.FunctionCall) any { return st.newNumberFormat(c.Argument(0), c.Argument(1)) }, "format"
}
