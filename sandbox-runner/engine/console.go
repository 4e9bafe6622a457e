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
type console struct {
	ex                   *execution
	maxEntries, maxBytes int
	entries              []LogEntry
	bytes                int
	truncated            bool
}

// member builds console.log, .info, .warn, .error or .debug.
func (c *console) member(level string) goja.Value {
	return c.ex.function(level, func(call goja.FunctionCall) goja.Value {
		if !c.truncated {
			c.add(level, c.format(call.Arguments))
		}
		return goja.Undefined()
	})
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

// format joins arguments with spaces the way Node's console does: strings
// as-is, other values inspected ({ ok: true, n: 100 }, [ 1, 2 ]) on one
// line, and printf-style %s %d %i %f %o %O %j %c in a leading string.
func (c *console) format(args []goja.Value) string {
	if len(args) == 0 {
		return ""
	}
	f := inspector{ex: c.ex, budget: c.maxBytes}
	rest := args[1:]
	if goja.IsString(args[0]) && strings.Contains(args[0].String(), "%") {
		rest = f.printf(args[0].String(), rest)
	} else {
		f.arg(args[0])
	}
	for _, a := range rest {
		if f.full() {
			break
		}
		f.b.WriteByte(' ')
		f.arg(a)
	}
	return f.b.String()
}

// inspector renders values like Node's util.inspect (depth 2, single line),
// stopping early once the output could not fit the log budget anyway.
type inspector struct {
	ex     *execution
	b      strings.Builder
	seen   []*goja.Object
	budget int
}

const (
	inspectDepth = 2
	inspectItems = 100
)

func (f *inspector) full() bool { return f.b.Len() > f.budget }

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
		if !strings.ContainsRune("sdifoOjc", rune(verb)) || len(args) == 0 {
			f.b.WriteByte(ch)
			continue
		}
		a := args[0]
		args = args[1:]
		i++
		switch verb {
		case 's':
			if goja.IsString(a) {
				f.b.WriteString(a.String())
			} else {
				f.value(a, 1)
			}
		case 'd', 'i':
			n := a.ToFloat()
			if verb == 'i' {
				n = math.Trunc(n)
			}
			f.b.WriteString(f.ex.rt.ToValue(n).String())
		case 'f':
			f.b.WriteString(f.ex.rt.ToValue(a.ToFloat()).String())
		case 'j':
			s, err := f.ex.stringifyJSON(a)
			if err != nil {
				s = "undefined"
			}
			f.b.WriteString(s)
		case 'o', 'O':
			f.value(a, 0)
		}
	}
	return args
}

// arg prints a top-level argument: strings raw, anything else inspected.
func (f *inspector) arg(a goja.Value) {
	if goja.IsString(a) {
		f.b.WriteString(a.String())
		return
	}
	f.value(a, 0)
}

func (f *inspector) value(v goja.Value, depth int) {
	obj, ok := v.(*goja.Object)
	if !ok {
		f.primitive(v, depth)
		return
	}
	if s, ok := f.ex.dom.Describe(v); ok {
		f.b.WriteString(s)
		return
	}
	for _, s := range f.seen {
		if s == obj {
			f.b.WriteString("[Circular]")
			return
		}
	}
	if _, ok := goja.AssertFunction(v); ok {
		if name := obj.Get("name"); name != nil && name.String() != "" {
			f.b.WriteString("[Function: " + name.String() + "]")
		} else {
			f.b.WriteString("[Function (anonymous)]")
		}
		return
	}
	if obj.ExportType() == promiseType { // ExportType is cheap; Export copies plain objects
		f.promise(obj.Export().(*goja.Promise), depth)
		return
	}
	switch obj.ClassName() {
	case "Error":
		if depth > 0 {
			f.b.WriteString("[" + obj.String() + "]")
		} else {
			f.b.WriteString(obj.String())
		}
		return
	case "Date":
		if iso, ok := goja.AssertFunction(obj.Get("toISOString")); ok {
			if s, err := iso(obj); err == nil {
				f.b.WriteString(s.String())
				return
			}
		}
		f.b.WriteString(obj.String())
		return
	case "RegExp":
		f.b.WriteString(obj.String())
		return
	case "Array":
		if depth > inspectDepth {
			f.b.WriteString("[Array]")
			return
		}
		f.seen = append(f.seen, obj)
		f.array(obj, depth)
		f.seen = f.seen[:len(f.seen)-1]
		return
	}
	if depth > inspectDepth {
		f.b.WriteString("[Object]")
		return
	}
	f.seen = append(f.seen, obj)
	f.object(obj, depth)
	f.seen = f.seen[:len(f.seen)-1]
}

var promiseType = reflect.TypeOf((*goja.Promise)(nil))

func (f *inspector) promise(p *goja.Promise, depth int) {
	switch p.State() {
	case goja.PromiseStatePending:
		f.b.WriteString("Promise { <pending> }")
		return
	case goja.PromiseStateFulfilled:
		f.b.WriteString("Promise { ")
	default:
		f.b.WriteString("Promise { <rejected> ")
	}
	f.value(p.Result(), depth+1)
	f.b.WriteString(" }")
}

func (f *inspector) primitive(v goja.Value, depth int) {
	switch {
	case v == nil || goja.IsUndefined(v):
		f.b.WriteString("undefined")
	case goja.IsString(v):
		if depth == 0 {
			f.b.WriteString(v.String())
		} else {
			f.b.WriteString(quote(v.String()))
		}
	case goja.IsBigInt(v):
		f.b.WriteString(v.String() + "n")
	case goja.IsNumber(v) && v.ToFloat() == 0 && math.Signbit(v.ToFloat()):
		f.b.WriteString("-0")
	default:
		f.b.WriteString(v.String())
	}
}

func (f *inspector) array(obj *goja.Object, depth int) {
	n := int(obj.Get("length").ToInteger())
	if n == 0 {
		f.b.WriteString("[]")
		return
	}
	f.b.WriteString("[ ")
	for i := 0; i < n && i < inspectItems && !f.full(); i++ {
		if i > 0 {
			f.b.WriteString(", ")
		}
		f.value(obj.Get(strconv.Itoa(i)), depth+1)
	}
	if n > inspectItems {
		fmt.Fprintf(&f.b, ", ... %d more items", n-inspectItems)
	}
	f.b.WriteString(" ]")
}

func (f *inspector) object(obj *goja.Object, depth int) {
	if ctor, ok := obj.Get("constructor").(*goja.Object); ok {
		if name := ctor.Get("name"); name != nil && name.String() != "Object" && name.String() != "" {
			f.b.WriteString(name.String() + " ")
		}
	}
	keys := obj.Keys()
	if len(keys) == 0 {
		f.b.WriteString("{}")
		return
	}
	f.b.WriteString("{ ")
	for i, k := range keys {
		if i == inspectItems || f.full() {
			fmt.Fprintf(&f.b, ", ... %d more items", len(keys)-i)
			break
		}
		if i > 0 {
			f.b.WriteString(", ")
		}
		if isIdent(k) {
			f.b.WriteString(k)
		} else {
			f.b.WriteString(quote(k))
		}
		f.b.WriteString(": ")
		f.value(obj.Get(k), depth+1)
	}
	f.b.WriteString(" }")
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// quote uses Node's single-quoted string style.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\t", `\t`, "\r", `\r`)
	return "'" + r.Replace(s) + "'"
}
