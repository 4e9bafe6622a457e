package engine

import (
	"strings"
	"time"

	"github.com/dop251/goja"
)

// installLocaleMethods points the built-ins' toLocale* methods and
// localeCompare at Intl, as ECMA-402 specifies. Creating the seven method
// objects costs every execution about 8 µs (BenchmarkIntlLocaleMethodsInstall),
// so a script that cannot reach them by name (its source never says
// "toLocale", "localeCompare", nor evaluates code) keeps goja's own.
func (ex *execution) installLocaleMethods(sources ...string) {
	named := false
	for _, src := range sources { // the block's script and its HTML's inline scripts
		named = named || strings.Contains(src, "toLocale") || strings.Contains(src, "localeCompare") ||
			strings.Contains(src, "eval") || strings.Contains(src, "Function")
	}
	if !named {
		return
	}
	rt := ex.rt
	set := func(ctor, name string, fn func(goja.FunctionCall) goja.Value) {
		c, _ := rt.Get(ctor).(*goja.Object)
		if c == nil {
			return
		}
		if p, _ := c.Get("prototype").(*goja.Object); p != nil {
			_ = p.DefineDataProperty(name, ex.function(name, fn), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		}
	}
	set("Number", "toLocaleString", ex.numberToLocaleString)
	set("BigInt", "toLocaleString", ex.numberToLocaleString)
	set("Date", "toLocaleString", ex.dateToLocale("any", "all"))
	set("Date", "toLocaleDateString", ex.dateToLocale("date", "date"))
	set("Date", "toLocaleTimeString", ex.dateToLocale("time", "time"))
	set("String", "localeCompare", ex.localeCompare)
	set("Array", "toLocaleString", ex.arrayToLocaleString)
}

func (ex *execution) numberToLocaleString(c goja.FunctionCall) goja.Value {
	st := ex.intlState()
	v := c.This
	nf := st.newNumberFormat(c.Argument(0), c.Argument(1))
	return ex.rt.ToValue(nf.Format(toNumber(v)))
}

// thisTime is thisTimeValue: ok is false for an invalid date.
func (ex *execution) thisTime(c goja.FunctionCall, method string) (float64, bool) {
	o, _ := c.This.(*goja.Object)
	if o == nil || o.ClassName() != "Date" {
		panic(ex.rt.NewTypeError("this is not a Date object."))
	}
	t, ok := o.Export().(time.Time)
	if !ok {
		return 0, false
	}
	return float64(t.UnixMilli()), true
}

func (ex *execution) dateToLocale(required, defaults string) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		ms, ok := ex.thisTime(c, "toLocaleString")
		if !ok {
			return ex.rt.ToValue("Invalid Date")
		}
		st := ex.intlState()
		df := st.newDateTimeFormat(c.Argument(0), c.Argument(1), required, defaults)
		return ex.rt.ToValue(df.Format(ms))
	}
}

func (ex *execution) localeCompare(c goja.FunctionCall) goja.Value {
	if goja.IsUndefined(c.This) || goja.IsNull(c.This) {
		panic(ex.rt.NewTypeError("String.prototype.localeCompare called on null or undefined"))
	}
	st := ex.intlState()
	col := st.newCollator(c.Argument(1), c.Argument(2))
	return ex.rt.ToValue(col.Compare(c.This.String(), c.Argument(0).String()))
}

// maxLocaleJoin bounds Array.prototype.toLocaleString's native loop.
const maxLocaleJoin = 1 << 24

func (ex *execution) arrayToLocaleString(c goja.FunctionCall) goja.Value {
	rt := ex.rt
	o := c.This.ToObject(rt)
	var n int64
	if l := o.Get("length"); l != nil {
		n = max(l.ToInteger(), 0)
	}
	// A native loop does not see the deadline's interrupt: an array-like of
	// length 2^32-1 would spin past it. V8 gives up at its string limit too.
	if n > maxLocaleJoin {
		ex.intlState().throwRange("Invalid string length")
	}
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		e := o.Get(itoa(i))
		if e == nil || goja.IsUndefined(e) || goja.IsNull(e) {
			continue
		}
		eo := e.ToObject(rt)
		f, ok := goja.AssertFunction(eo.Get("toLocaleString"))
		if !ok {
			panic(rt.NewTypeError("toLocaleString is not a function"))
		}
		r, err := f(e, c.Argument(0), c.Argument(1))
		if err != nil {
			panic(err)
		}
		b.WriteString(r.String())
	}
	return rt.ToValue(b.String())
}
