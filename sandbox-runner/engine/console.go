package engine

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// console captures console.* calls, bounded by entry count and bytes.
//
// Messages are the text DevTools shows for a collapsed message (what "Copy
// message" gives): strings as they are, objects as V8's one-level preview
// ({a: 1, b: 'x'}, (2) [1, 2], nested {…} and Array(3), Map(1) {'a' => 1},
// Point {x: 1}, at most 5 named properties and 100 indices, then …), DOM
// nodes as their description (div#app.card), errors as their first line.
// The differential suite (package fidelity) builds the same text from
// Chromium's Runtime.consoleAPICalled, so the two sides compare as text.
type console struct {
	ex                   *execution
	maxEntries, maxBytes int
	entries              []LogEntry
	bytes                int
	truncated            bool

	counts      map[string]int
	timers      map[string]float64
	objectProto *goja.Object
	// web is the per-execution state of the web APIs (webapi*.go), kept
	// here because the console is the execution state this part owns.
	web *webState
}

// consoleMethods are console's members, in Chromium's Object.keys order
// for the ones blocks use.
var consoleMethods = []string{"debug", "error", "info", "log", "warn", "dir", "dirxml", "table", "trace",
	"group", "groupCollapsed", "groupEnd", "clear", "count", "countReset", "assert", "time", "timeLog", "timeEnd"}

func (c *console) object() goja.Value {
	return c.ex.lazy(c.member, consoleMethods...)
}

// member builds one console method.
func (c *console) member(name string) goja.Value {
	var fn func(args []goja.Value)
	switch name {
	case "log", "info", "error", "debug":
		fn = func(args []goja.Value) { c.print(name, args) }
	case "warn":
		fn = func(args []goja.Value) { c.print("warn", args) }
	case "dirxml", "table":
		fn = func(args []goja.Value) { c.print("log", args) }
	case "dir":
		fn = func(args []goja.Value) {
			if len(args) == 1 {
				if obj, ok := args[0].(*goja.Object); ok {
					if _, isFn := goja.AssertFunction(obj); !isFn {
						c.emit("log", func(f *inspector) { f.b.WriteString(f.description(obj)) })
						return
					}
				}
			}
			c.print("log", args)
		}
	case "trace", "group", "groupCollapsed":
		// V8 prints the method's name when it has nothing else to say.
		fn = func(args []goja.Value) {
			if len(args) == 0 {
				c.add("log", "console."+name)
				return
			}
			c.print("log", args)
		}
	case "groupEnd", "clear":
		fn = func([]goja.Value) {}
	case "assert":
		fn = func(args []goja.Value) {
			if len(args) > 0 && args[0].ToBoolean() {
				return
			}
			rest := []goja.Value{c.ex.rt.ToValue("console.assert")}
			if len(args) > 1 {
				rest = args[1:]
			}
			c.emit("error", func(f *inspector) {
				f.b.WriteString("Assertion failed: ")
				f.args(rest)
			})
		}
	case "count", "countReset":
		fn = func(args []goja.Value) {
			label := labelOf(args)
			if c.counts == nil {
				c.counts = make(map[string]int)
			}
			if name == "countReset" {
				if _, ok := c.counts[label]; !ok {
					c.add("warn", "Count for '"+label+"' does not exist")
					return
				}
				c.counts[label] = 0
				return
			}
			c.counts[label]++
			c.add("log", label+": "+strconv.Itoa(c.counts[label]))
		}
	case "time", "timeLog", "timeEnd":
		fn = func(args []goja.Value) { c.timer(name, args) }
	}
	return c.ex.function(name, func(call goja.FunctionCall) goja.Value {
		if !c.truncated {
			fn(call.Arguments)
		}
		return goja.Undefined()
	})
}

func labelOf(args []goja.Value) string {
	if len(args) == 0 || goja.IsUndefined(args[0]) {
		return "default"
	}
	return args[0].String()
}

// timer implements console.time/timeLog/timeEnd on performance.now's clock.
func (c *console) timer(name string, args []goja.Value) {
	label := labelOf(args)
	if c.timers == nil {
		c.timers = make(map[string]float64)
	}
	start, ok := c.timers[label]
	switch {
	case name == "time" && ok:
		c.add("warn", "Timer '"+label+"' already exists")
	case name == "time":
		c.timers[label] = c.ex.perfNow()
	case !ok:
		c.add("warn", "Timer '"+label+"' does not exist")
	default:
		elapsed := c.ex.perfNow() - start
		if name == "timeEnd" {
			delete(c.timers, label)
		}
		c.emit("log", func(f *inspector) {
			f.b.WriteString(label + ": " + formatNumber(elapsed) + " ms")
			if name == "timeLog" && len(args) > 1 {
				f.b.WriteByte(' ')
				f.args(args[1:])
			}
		})
	}
}

// print is console.log and its kin; it calls the inspector directly (no
// closure) so the inspector stays on the stack on the common path.
func (c *console) print(level string, args []goja.Value) {
	f := inspector{ex: c.ex, budget: c.maxBytes}
	f.args(args)
	c.add(level, f.b.String())
}

func (c *console) emit(level string, write func(*inspector)) {
	f := inspector{ex: c.ex, budget: c.maxBytes}
	write(&f)
	c.add(level, f.b.String())
}

// add appends one entry; the first entry over a limit is replaced by a
// single note and everything after it is dropped.
func (c *console) add(level, msg string) {
	if c.truncated {
		return
	}
	if len(c.entries) >= c.maxEntries || c.bytes+len(msg) > c.maxBytes {
		c.truncated = true
		c.entries = append(c.entries, LogEntry{Level: "warn", Message: fmt.Sprintf(
			"console output truncated: limit of %d entries or %d bytes reached", c.maxEntries, c.maxBytes)})
		return
	}
	c.bytes += len(msg)
	c.entries = append(c.entries, LogEntry{Level: level, Message: msg})
}

// format renders arguments as console.log prints them.
func (c *console) format(args []goja.Value) string {
	f := inspector{ex: c.ex, budget: c.maxBytes}
	f.args(args)
	return f.b.String()
}

// inspector renders values as DevTools shows them, stopping early once the
// output could not fit the log budget anyway.
type inspector struct {
	ex     *execution
	b      strings.Builder
	budget int
}

const (
	previewNames   = 5   // V8 previews at most 5 named properties,
	previewIndices = 100 // 100 array indices
	previewEntries = 5   // and 5 Map/Set entries
)

func (f *inspector) full() bool { return f.b.Len() > f.budget }

// args joins arguments with spaces; a leading string takes the
// substitutions %s %d %i %f %o %O %c (%c's CSS is consumed, as text has no
// style).
func (f *inspector) args(args []goja.Value) {
	if len(args) == 0 {
		return
	}
	rest := args
	if goja.IsString(args[0]) {
		s := args[0].String()
		rest = args[1:]
		if strings.Contains(s, "%") {
			rest = f.printf(s, rest)
		} else {
			f.b.WriteString(s)
		}
		for _, a := range rest {
			f.b.WriteByte(' ')
			f.top(a)
		}
		return
	}
	for i, a := range rest {
		if f.full() {
			break
		}
		if i > 0 {
			f.b.WriteByte(' ')
		}
		f.top(a)
	}
}

func (f *inspector) printf(format string, args []goja.Value) []goja.Value {
	for i := 0; i < len(format); i++ {
		ch := format[i]
		if ch != '%' || i+1 == len(format) {
			f.b.WriteByte(ch)
			continue
		}
		verb := format[i+1]
		if verb == '%' {
			f.b.WriteByte('%')
			i++
			continue
		}
		if !strings.ContainsRune("sdifoOc", rune(verb)) || len(args) == 0 {
			f.b.WriteByte(ch)
			continue
		}
		a := args[0]
		args = args[1:]
		i++
		switch verb {
		case 's', 'o', 'O':
			f.top(a)
		case 'd', 'i', 'f':
			if !goja.IsNumber(a) {
				f.b.WriteString("NaN")
				break
			}
			n := a.ToFloat()
			if verb != 'f' {
				n = math.Trunc(n)
			}
			if math.IsNaN(n) || math.IsInf(n, 0) {
				f.b.WriteString(f.ex.rt.ToValue(n).String())
			} else {
				f.b.WriteString(strconv.FormatFloat(n, 'f', -1, 64))
			}
		}
	}
	return args
}

// top renders a value given to console directly.
func (f *inspector) top(v goja.Value) {
	if goja.IsString(v) {
		f.b.WriteString(v.String())
		return
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		f.b.WriteString(primitiveText(v))
		return
	}
	if _, isFn := goja.AssertFunction(obj); isFn {
		f.b.WriteString(functionSource(obj))
		return
	}
	switch k := f.kind(obj); k {
	case kindNode, kindError, kindRegExp, kindDate:
		f.b.WriteString(f.describe(obj, k))
	default:
		f.preview(obj, k)
	}
}

type objKind int

const (
	kindPlain objKind = iota
	kindArray
	kindTyped
	kindList // NodeList, HTMLCollection: previewed as arrays
	kindMap
	kindSet
	kindNode
	kindError
	kindRegExp
	kindDate
	kindPromise
)

var typedArrays = map[string]bool{"Int8Array": true, "Uint8Array": true, "Uint8ClampedArray": true, "Int16Array": true,
	"Uint16Array": true, "Int32Array": true, "Uint32Array": true, "Float32Array": true, "Float64Array": true,
	"BigInt64Array": true, "BigUint64Array": true}

func (f *inspector) kind(obj *goja.Object) objKind {
	if s, ok := f.ex.dom.Describe(obj); ok {
		if strings.Contains(s, "(") && !strings.HasPrefix(s, "<") && !strings.HasPrefix(s, `"`) {
			return kindList
		}
		return kindNode
	}
	switch obj.ExportType() { // ExportType is cheap; Export copies plain objects
	case promiseType:
		return kindPromise
	}
	switch obj.ClassName() {
	case "Array":
		return kindArray
	case "Error":
		return kindError
	case "RegExp":
		return kindRegExp
	case "Date":
		return kindDate
	}
	if f.plain(obj) {
		return kindPlain
	}
	// goja's class name of Map, Set and typed arrays is Object; their
	// prototypes' Symbol.toStringTag names them.
	switch tag := toStringTag(obj); {
	case tag == "Map":
		return kindMap
	case tag == "Set":
		return kindSet
	case typedArrays[tag]:
		return kindTyped
	}
	return kindPlain
}

var promiseType = reflect.TypeOf((*goja.Promise)(nil))

// description is V8's RemoteObject description: Object, Point, Array(3),
// Map(1), div#x.card, the error's first line, the date's string.
func (f *inspector) description(obj *goja.Object) string {
	return f.describe(obj, f.kind(obj))
}

func (f *inspector) describe(obj *goja.Object, k objKind) string {
	switch k {
	case kindArray:
		return "Array(" + strconv.FormatInt(lengthOf(obj), 10) + ")"
	case kindTyped, kindList:
		return f.arrayName(obj, k) + "(" + strconv.FormatInt(lengthOf(obj), 10) + ")"
	case kindMap:
		return "Map(" + strconv.FormatInt(obj.Get("size").ToInteger(), 10) + ")"
	case kindSet:
		return "Set(" + strconv.FormatInt(obj.Get("size").ToInteger(), 10) + ")"
	case kindNode:
		return nodeDescription(obj)
	case kindError:
		s := safeString(obj)
		s, _, _ = strings.Cut(s, "\n    at ")
		return s
	case kindRegExp:
		return safeString(obj)
	case kindDate:
		// V8 names the zone in full; the runner's only zone is UTC, which
		// goja abbreviates.
		s := safeString(obj)
		if rest, ok := strings.CutSuffix(s, " (UTC)"); ok {
			s = rest + " (Coordinated Universal Time)"
		}
		return s
	case kindPromise:
		return "Promise"
	}
	return f.ctorName(obj)
}

// arrayName names an array-like: Uint8Array, NodeList, HTMLCollection.
func (f *inspector) arrayName(obj *goja.Object, k objKind) string {
	if k == kindList {
		s, _ := f.ex.dom.Describe(obj)
		name, _, _ := strings.Cut(s, "(")
		return name
	}
	return toStringTag(obj)
}

func toStringTag(obj *goja.Object) string {
	if t := obj.GetSymbol(goja.SymToStringTag); t != nil && goja.IsString(t) {
		return t.String()
	}
	return ""
}

func lengthOf(obj *goja.Object) int64 {
	if l := obj.Get("length"); l != nil {
		return l.ToInteger()
	}
	return 0
}

// plain reports an object whose prototype is Object.prototype (or none):
// the common case, answered without looking anything up.
func (f *inspector) plain(obj *goja.Object) bool {
	c := &f.ex.console
	if c.objectProto == nil {
		c.objectProto = f.ex.rt.NewObject().Prototype() // the intrinsic, whatever the script did to Object
	}
	p := obj.Prototype()
	return p == nil || p == c.objectProto
}

// ctorName is constructorName with the plain-object fast path.
func (f *inspector) ctorName(obj *goja.Object) string {
	if f.plain(obj) {
		return "Object"
	}
	return constructorName(obj, "Object")
}

// constructorName is V8's GetConstructorName, approximately: the name of
// the constructor the object's prototype names.
func constructorName(obj *goja.Object, fallback string) (name string) {
	defer func() {
		if recover() != nil {
			name = fallback
		}
	}()
	if ctor, ok := obj.Get("constructor").(*goja.Object); ok {
		if n := ctor.Get("name"); n != nil && goja.IsString(n) && n.String() != "" {
			return n.String()
		}
	}
	return fallback
}

func safeString(obj *goja.Object) (s string) {
	defer func() {
		if recover() != nil {
			s = obj.ClassName()
		}
	}()
	return obj.String()
}

// nodeDescription is Blink's: tag#id.class1.class2 for elements, the node
// name (#text, #document, #comment, #document-fragment) otherwise.
func nodeDescription(obj *goja.Object) string {
	name := strings.ToLower(valueString(obj.Get("nodeName")))
	if t := obj.Get("nodeType"); t == nil || t.ToInteger() != 1 {
		return name
	}
	var b strings.Builder
	b.WriteString(name)
	if id := valueString(obj.Get("id")); id != "" {
		b.WriteString("#" + id)
	}
	for _, cls := range strings.Fields(valueString(obj.Get("className"))) {
		b.WriteString("." + cls)
	}
	return b.String()
}

func valueString(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
}

// preview is V8's ObjectPreview as DevTools prints it collapsed.
func (f *inspector) preview(obj *goja.Object, k objKind) {
	switch k {
	case kindArray, kindTyped, kindList:
		n := lengthOf(obj)
		prefix := ""
		if k != kindArray {
			prefix = f.arrayName(obj, k)
		}
		if n > 1 {
			prefix += "(" + strconv.FormatInt(n, 10) + ")"
		}
		if prefix != "" {
			f.b.WriteString(prefix + " ")
		}
		f.b.WriteByte('[')
		for i := int64(0); i < n && i < previewIndices && !f.full(); i++ {
			if i > 0 {
				f.b.WriteString(", ")
			}
			v := obj.Get(strconv.FormatInt(i, 10))
			if v == nil && k == kindArray { // a hole: "empty", or "empty × 3" for a run
				run := int64(1)
				for i+run < n && i+run < previewIndices && obj.Get(strconv.FormatInt(i+run, 10)) == nil {
					run++
				}
				f.b.WriteString("empty")
				if run > 1 {
					f.b.WriteString(" × " + strconv.FormatInt(run, 10))
				}
				i += run - 1
				continue
			}
			f.nested(v)
		}
		if n > previewIndices {
			f.b.WriteString(", …")
		}
		f.b.WriteByte(']')
	case kindMap, kindSet:
		f.b.WriteString(f.describe(obj, k) + " {")
		f.entries(obj, k == kindMap)
		f.b.WriteByte('}')
	case kindPromise:
		p := obj.Export().(*goja.Promise)
		f.b.WriteString("Promise {'[[PromiseState]]': ")
		switch p.State() {
		case goja.PromiseStatePending:
			f.b.WriteString("'pending'")
		case goja.PromiseStateFulfilled:
			f.b.WriteString("'fulfilled', '[[PromiseResult]]': ")
			f.nested(p.Result())
		default:
			f.b.WriteString("'rejected', '[[PromiseResult]]': ")
			f.nested(p.Result())
		}
		f.b.WriteByte('}')
	default:
		if d := f.ctorName(obj); d != "Object" {
			f.b.WriteString(d + " ")
		}
		f.b.WriteByte('{')
		for i, key := range obj.Keys() {
			if i == previewNames {
				f.b.WriteString(", …")
				break
			}
			if i > 0 {
				f.b.WriteString(", ")
			}
			f.b.WriteString(displayName(key) + ": ")
			f.property(obj, key)
		}
		f.b.WriteByte('}')
	}
}

// property prints an own property one level down.
func (f *inspector) property(obj *goja.Object, key string) {
	f.nested(obj.Get(key))
}

// entries prints up to previewEntries Map or Set entries.
func (f *inspector) entries(obj *goja.Object, isMap bool) {
	entries, ok := goja.AssertFunction(obj.Get("entries"))
	if !ok {
		return
	}
	it, err := entries(obj)
	if err != nil {
		return
	}
	itObj := it.ToObject(f.ex.rt)
	next, ok := goja.AssertFunction(itObj.Get("next"))
	if !ok {
		return
	}
	for i := 0; ; i++ {
		r, err := next(itObj)
		if err != nil {
			return
		}
		ro := r.ToObject(f.ex.rt)
		if ro.Get("done").ToBoolean() {
			return
		}
		if i > 0 {
			f.b.WriteString(", ")
		}
		if i == previewEntries {
			f.b.WriteString("…")
			return
		}
		pair := ro.Get("value").ToObject(f.ex.rt)
		if isMap {
			f.nested(pair.Get("0"))
			f.b.WriteString(" => ")
		}
		f.nested(pair.Get("1"))
	}
}

// nested is how DevTools abbreviates a value one level down.
func (f *inspector) nested(v goja.Value) {
	if goja.IsString(v) {
		f.b.WriteString(jsLiteral(v.String()))
		return
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		f.b.WriteString(primitiveText(v))
		return
	}
	if _, isFn := goja.AssertFunction(obj); isFn {
		f.b.WriteString("ƒ")
		return
	}
	k := f.kind(obj)
	if k == kindPlain && f.ctorName(obj) == "Object" {
		f.b.WriteString("{…}")
		return
	}
	f.b.WriteString(f.describe(obj, k))
}

func primitiveText(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsBigInt(v):
		return v.String() + "n"
	case goja.IsNumber(v) && v.ToFloat() == 0 && math.Signbit(v.ToFloat()):
		return "-0"
	}
	if sym, ok := v.(*goja.Symbol); ok {
		return "Symbol(" + sym.String() + ")"
	}
	return v.String()
}

// formatNumber is JavaScript's Number#toString, with -0 as V8 describes it.
func formatNumber(n float64) string {
	switch {
	case n == 0 && math.Signbit(n):
		return "-0"
	case math.IsNaN(n):
		return "NaN"
	case math.IsInf(n, 1):
		return "Infinity"
	case math.IsInf(n, -1):
		return "-Infinity"
	}
	abs := math.Abs(n)
	if abs >= 1e21 || abs < 1e-6 && abs != 0 {
		s := strconv.FormatFloat(n, 'e', -1, 64)
		// Go writes 1e-07 and 1e+21; JavaScript 1e-7 and 1e+21.
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + exp
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// functionSource is what DevTools shows for a function: its source text,
// with ƒ for the keyword.
func functionSource(obj *goja.Object) (s string) {
	defer func() {
		if recover() != nil {
			s = "ƒ"
		}
	}()
	s = obj.String()
	if rest, ok := strings.CutPrefix(s, "function "); ok {
		return "ƒ " + rest
	}
	return s
}

func displayName(name string) string {
	if name == "" {
		return "''"
	}
	for i, r := range name {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 || i > 0 && r >= '0' && r <= '9') {
			return jsLiteral(name)
		}
	}
	return name
}

// jsLiteral quotes as DevTools does: single quotes unless the text has one.
func jsLiteral(s string) string {
	q := "'"
	if strings.Contains(s, "'") {
		if !strings.Contains(s, `"`) {
			q = `"`
		} else if !strings.Contains(s, "`") && !strings.Contains(s, "${") {
			q = "`"
		}
	}
	r := strings.NewReplacer(`\`, `\\`, q, `\`+q, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return q + r.Replace(s) + q
}
