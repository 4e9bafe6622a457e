package engine

import (
	"unicode/utf16"

	"github.com/dop251/goja"

	"github.com/symposium/symposium/sandbox-runner/intl"
)

type methods = map[string]func(goja.FunctionCall) goja.Value

// str16 is s in UTF-16 code units, JavaScript's string indexing.
func str16(s string) []uint16 { return utf16.Encode([]rune(s)) }

func (st *intlRuntime) newDateTimeFormat(locales, options goja.Value, required, defaults string) *intl.DateTimeFormat {
	df, err := intl.NewDateTimeFormat(st.localeList(locales), st.opts(options), st.locale, st.timeZone, required, defaults)
	st.check(err)
	return df
}

// timeArg is the date argument of format: undefined is now, others ToNumber.
func (st *intlRuntime) timeArg(v goja.Value, rangeArg bool) float64 {
	if v == nil || goja.IsUndefined(v) {
		if rangeArg {
			panic(st.ex.rt.NewTypeError("Invalid time value"))
		}
		return float64(st.ex.rt.Get("Date").ToObject(st.ex.rt).Get("now").Export().(func(goja.FunctionCall) goja.Value)(goja.FunctionCall{}).ToInteger())
	}
	ms := v.ToFloat()
	if !intl.ValidTime(ms) {
		st.throwRange("Invalid time value")
	}
	return ms
}

func (st *intlRuntime) dateTimeFormatCtor(m methods) (func(goja.FunctionCall) any, string) {
	const k = "DateTimeFormat"
	df := func(c goja.FunctionCall, method string) *intl.DateTimeFormat {
		return st.this(c, k, "Intl.DateTimeFormat.prototype."+method).impl.(*intl.DateTimeFormat)
	}
	m["\x00format"] = func(c goja.FunctionCall) goja.Value {
		in := st.this(c, k, "UnwrapDateTimeFormat")
		if in.bound == nil {
			f := in.impl.(*intl.DateTimeFormat)
			in.bound = st.ex.rt.ToValue(func(c goja.FunctionCall) goja.Value {
				return st.ex.rt.ToValue(f.Format(st.timeArg(c.Argument(0), false)))
			})
		}
		return in.bound
	}
	m["formatToParts"] = func(c goja.FunctionCall) goja.Value {
		f := df(c, "formatToParts")
		return st.parts(f.FormatToParts(st.timeArg(c.Argument(0), false)))
	}
	m["formatRange"] = func(c goja.FunctionCall) goja.Value {
		f := df(c, "formatRange")
		a, b := st.timeArg(c.Argument(0), true), st.timeArg(c.Argument(1), true)
		return st.ex.rt.ToValue(intl.Join(f.FormatRangeToParts(a, b)))
	}
	m["formatRangeToParts"] = func(c goja.FunctionCall) goja.Value {
		f := df(c, "formatRangeToParts")
		a, b := st.timeArg(c.Argument(0), true), st.timeArg(c.Argument(1), true)
		return st.parts(f.FormatRangeToParts(a, b))
	}
	m["resolvedOptions"] = func(c goja.FunctionCall) goja.Value {
		return st.resolved(df(c, "resolvedOptions").ResolvedOptions())
	}
	return func(c goja.FunctionCall) any {
		return st.newDateTimeFormat(c.Argument(0), c.Argument(1), "any", "date")
	}, "format"
}

func (st *intlRuntime) pluralRulesCtor(m methods) func(goja.FunctionCall) any {
	const k = "PluralRules"
	pr := func(c goja.FunctionCall, method string) *intl.PluralRules {
		return st.this(c, k, "Intl.PluralRules.prototype."+method).impl.(*intl.PluralRules)
	}
	m["select"] = func(c goja.FunctionCall) goja.Value {
		return st.ex.rt.ToValue(pr(c, "select").Select(c.Argument(0).ToFloat()))
	}
	m["resolvedOptions"] = func(c goja.FunctionCall) goja.Value {
		return st.resolved(pr(c, "resolvedOptions").ResolvedOptions())
	}
	return func(c goja.FunctionCall) any {
		p, err := intl.NewPluralRules(st.localeList(c.Argument(0)), st.opts(c.Argument(1)), st.locale)
		st.check(err)
		return p
	}
}

func (st *intlRuntime) relativeTimeCtor(m methods) func(goja.FunctionCall) any {
	const k = "RelativeTimeFormat"
	rf := func(c goja.FunctionCall, method string) *intl.RelativeTimeFormat {
		return st.this(c, k, "Intl.RelativeTimeFormat.prototype."+method).impl.(*intl.RelativeTimeFormat)
	}
	parts := func(c goja.FunctionCall, method string) []intl.Part {
		f := rf(c, method)
		ps, err := f.FormatToParts(c.Argument(0).ToFloat(), c.Argument(1).String())
		st.check(err)
		return ps
	}
	m["format"] = func(c goja.FunctionCall) goja.Value {
		return st.ex.rt.ToValue(intl.Join(parts(c, "format")))
	}
	m["formatToParts"] = func(c goja.FunctionCall) goja.Value {
		return st.partsAs(parts(c, "formatToParts"), "unit")
	}
	m["resolvedOptions"] = func(c goja.FunctionCall) goja.Value {
		return st.resolved(rf(c, "resolvedOptions").ResolvedOptions())
	}
	return func(c goja.FunctionCall) any {
		r, err := intl.NewRelativeTimeFormat(st.localeList(c.Argument(0)), st.opts(c.Argument(1)), st.locale)
		st.check(err)
		return r
	}
}

// stringList is StringListFromIterable for arrays and array-likes.
func (st *intlRuntime) stringList(v goja.Value) []string {
	if v == nil || goja.IsUndefined(v) {
		return nil
	}
	rt := st.ex.rt
	var out []string
	iter, ok := goja.AssertFunction(rt.Get("Array").ToObject(rt).Get("from"))
	if !ok {
		return nil
	}
	arr, err := iter(goja.Undefined(), v)
	if err != nil {
		panic(err)
	}
	var items []goja.Value
	_ = rt.ExportTo(arr, &items)
	for _, e := range items {
		if _, isStr := e.Export().(string); !isStr {
			panic(rt.NewTypeError("Iterable yielded " + st.ex.console.format([]goja.Value{e}) + " which is not a string"))
		}
		out = append(out, e.String())
	}
	return out
}

func (st *intlRuntime) listFormatCtor(m methods) func(goja.FunctionCall) any {
	const k = "ListFormat"
	lf := func(c goja.FunctionCall, method string) *intl.ListFormat {
		return st.this(c, k, "Intl.ListFormat.prototype."+method).impl.(*intl.ListFormat)
	}
	m["format"] = func(c goja.FunctionCall) goja.Value {
		f := lf(c, "format")
		return st.ex.rt.ToValue(intl.Join(f.FormatToParts(st.stringList(c.Argument(0)))))
	}
	m["formatToParts"] = func(c goja.FunctionCall) goja.Value {
		f := lf(c, "formatToParts")
		return st.parts(f.FormatToParts(st.stringList(c.Argument(0))))
	}
	m["resolvedOptions"] = func(c goja.FunctionCall) goja.Value {
		return st.resolved(lf(c, "resolvedOptions").ResolvedOptions())
	}
	return func(c goja.FunctionCall) any {
		l, err := intl.NewListFormat(st.localeList(c.Argument(0)), st.opts(c.Argument(1)), st.locale)
		st.check(err)
		return l
	}
}

func (st *intlRuntime) newCollator(locales, options goja.Value) *intl.Collator {
	c, err := intl.NewCollator(st.localeList(locales), st.opts(options), st.locale)
	st.check(err)
	return c
}

func (st *intlRuntime) collatorCtor(m methods) (func(goja.FunctionCall) any, string) {
	const k = "Collator"
	m["\x00compare"] = func(c goja.FunctionCall) goja.Value {
		in := st.this(c, k, "get Intl.Collator.prototype.compare")
		if in.bound == nil {
			col := in.impl.(*intl.Collator)
			in.bound = st.ex.rt.ToValue(func(c goja.FunctionCall) goja.Value {
				return st.ex.rt.ToValue(col.Compare(c.Argument(0).String(), c.Argument(1).String()))
			})
		}
		return in.bound
	}
	m["resolvedOptions"] = func(c goja.FunctionCall) goja.Value {
		return st.resolved(st.this(c, k, "Intl.Collator.prototype.resolvedOptions").impl.(*intl.Collator).ResolvedOptions())
	}
	return func(c goja.FunctionCall) any { return st.newCollator(c.Argument(0), c.Argument(1)) }, "compare"
}

func (st *intlRuntime) displayNamesCtor(m methods) func(goja.FunctionCall) any {
	const k = "DisplayNames"
	m["of"] = func(c goja.FunctionCall) goja.Value {
		d := st.this(c, k, "Intl.DisplayNames.prototype.of").impl.(*intl.DisplayNames)
		s, ok, err := d.Of(c.Argument(0).String())
		st.check(err)
		if !ok {
			return goja.Undefined()
		}
		return st.ex.rt.ToValue(s)
	}
	m["resolvedOptions"] = func(c goja.FunctionCall) goja.Value {
		return st.resolved(st.this(c, k, "Intl.DisplayNames.prototype.resolvedOptions").impl.(*intl.DisplayNames).ResolvedOptions())
	}
	return func(c goja.FunctionCall) any {
		if goja.IsUndefined(c.Argument(1)) {
			panic(st.ex.rt.NewTypeError("invalid_argument"))
		}
		d, err := intl.NewDisplayNames(st.localeList(c.Argument(0)), st.opts(c.Argument(1)), st.locale)
		st.check(err)
		return d
	}
}

func (st *intlRuntime) segmenterCtor(m methods) func(goja.FunctionCall) any {
	const k = "Segmenter"
	m["segment"] = func(c goja.FunctionCall) goja.Value {
		s := st.this(c, k, "Intl.Segmenter.prototype.segment").impl.(*intl.Segmenter)
		str := c.Argument(0).String()
		rt := st.ex.rt
		segs := s.Segments(str)
		vals := make([]any, len(segs))
		for i, sg := range segs {
			o := rt.NewObject()
			_ = o.Set("segment", sg.Segment)
			_ = o.Set("index", sg.Index)
			_ = o.Set("input", str)
			if sg.WordLike != nil {
				_ = o.Set("isWordLike", *sg.WordLike)
			}
			vals[i] = o
		}
		arr := rt.NewArray(vals...)
		// Segments: iterable, with containing(index)
		res := rt.NewObject()
		iter := arr.Get("values")
		_ = res.SetSymbol(goja.SymIterator, rt.ToValue(func(goja.FunctionCall) goja.Value {
			f, _ := goja.AssertFunction(iter)
			v, err := f(arr)
			if err != nil {
				panic(err)
			}
			return v
		}))
		_ = res.Set("containing", func(c goja.FunctionCall) goja.Value {
			n := c.Argument(0).ToInteger()
			for i, sg := range segs {
				end := int64(len(str16(sg.Segment))) + int64(sg.Index)
				if n >= int64(sg.Index) && n < end {
					return vals[i].(*goja.Object)
				}
			}
			return goja.Undefined()
		})
		return res
	}
	m["resolvedOptions"] = func(c goja.FunctionCall) goja.Value {
		return st.resolved(st.this(c, k, "Intl.Segmenter.prototype.resolvedOptions").impl.(*intl.Segmenter).ResolvedOptions())
	}
	return func(c goja.FunctionCall) any {
		s, err := intl.NewSegmenter(st.localeList(c.Argument(0)), st.opts(c.Argument(1)), st.locale)
		st.check(err)
		return s
	}
}
