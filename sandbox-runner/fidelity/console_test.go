package fidelity

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/runtime"
)

// consoleLine renders a Runtime.consoleAPICalled event as one line of the
// DevTools console (see doc.go for the rules). ok is false for calls that
// print nothing (groupEnd, clear).
func consoleLine(e *runtime.EventConsoleAPICalled) (logLine, bool) {
	level := "log"
	switch e.Type {
	case runtime.ConsoleAPICalledTypeLog, runtime.ConsoleAPICalledTypeInfo, runtime.ConsoleAPICalledTypeDebug,
		runtime.ConsoleAPICalledTypeError:
		level = string(e.Type)
	case runtime.ConsoleAPICalledTypeWarning:
		level = "warn"
	case runtime.ConsoleAPICalledTypeAssert:
		level = "error"
	case runtime.ConsoleAPICalledTypeEndGroup, runtime.ConsoleAPICalledTypeClear:
		return logLine{}, false
	}
	var text string
	if e.Type == runtime.ConsoleAPICalledTypeDir && len(e.Args) == 1 && e.Args[0].Type == runtime.RemoteObjectTypeObject {
		text = e.Args[0].Description // DevTools titles console.dir(x) with the description: Object, Array(3), div#x
	} else {
		text = argsText(e.Args)
	}
	if e.Type == runtime.ConsoleAPICalledTypeAssert {
		text = "Assertion failed: " + text
	}
	return logLine{Level: level, Text: text}, true
}

// argsText joins the arguments: a leading format string takes %s %d %i %f
// %o %O %c, strings print as they are, other values as remoteText.
func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	rest := args
	if len(args) > 0 && args[0].Type == runtime.RemoteObjectTypeString {
		s := stringValue(args[0])
		rest = args[1:]
		if strings.Contains(s, "%") {
			var n int
			s, n = applyFormat(s, rest)
			rest = rest[n:]
		}
		parts = append(parts, s)
	}
	for _, a := range rest {
		parts = append(parts, remoteText(a, true))
	}
	return strings.Join(parts, " ")
}

func applyFormat(format string, args []*runtime.RemoteObject) (string, int) {
	var b strings.Builder
	used := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		verb := format[i+1]
		if verb == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if !strings.ContainsRune("sdifoOc", rune(verb)) || used == len(args) {
			b.WriteByte(c)
			continue
		}
		a := args[used]
		used++
		i++
		switch verb {
		case 's':
			b.WriteString(remoteText(a, true))
		case 'd', 'i', 'f':
			if a.Type != runtime.RemoteObjectTypeNumber {
				b.WriteString("NaN")
				break
			}
			if a.UnserializableValue != "" {
				b.WriteString(string(a.UnserializableValue))
				break
			}
			f, _ := strconv.ParseFloat(string(a.Value), 64)
			if verb != 'f' {
				f = float64(int64(f))
			}
			b.WriteString(strconv.FormatFloat(f, 'f', -1, 64))
		case 'o', 'O':
			b.WriteString(remoteText(a, true))
		}
	}
	return b.String(), used
}

func stringValue(o *runtime.RemoteObject) string {
	var s string
	if json.Unmarshal([]byte(o.Value), &s) != nil {
		return o.Description
	}
	return s
}

func unmarshalValue(o *runtime.RemoteObject, v any) error {
	if o == nil {
		return nil
	}
	return json.Unmarshal([]byte(o.Value), v)
}

// remoteText renders one value as the DevTools console shows it collapsed.
func remoteText(o *runtime.RemoteObject, top bool) string {
	switch o.Type {
	case runtime.RemoteObjectTypeString:
		if top {
			return stringValue(o)
		}
		return jsLiteral(stringValue(o))
	case runtime.RemoteObjectTypeUndefined:
		return "undefined"
	case runtime.RemoteObjectTypeFunction:
		if !top {
			return "ƒ"
		}
		// DevTools writes a function's source with ƒ for the keyword.
		if rest, ok := strings.CutPrefix(o.Description, "function "); ok {
			return "ƒ " + rest
		}
		return o.Description
	case runtime.RemoteObjectTypeObject:
		switch o.Subtype {
		case runtime.RemoteObjectSubtypeNull:
			return "null"
		case runtime.RemoteObjectSubtypeError:
			s, _, _ := strings.Cut(o.Description, "\n    at ")
			return s
		case runtime.RemoteObjectSubtypeNode, runtime.RemoteObjectSubtypeRegexp, runtime.RemoteObjectSubtypeDate:
			return o.Description
		}
		if o.Preview != nil {
			return previewText(o.Preview)
		}
		return o.Description
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Value)
}

// previewText follows DevTools' RemoteObjectPreviewFormatter.
func previewText(p *runtime.ObjectPreview) string {
	isArray := p.Subtype == runtime.ObjectPreviewSubtypeArray || p.Subtype == runtime.ObjectPreviewSubtypeTypedarray
	var b strings.Builder
	if isArray {
		name, n := arrayDescription(p.Description)
		if name != "Array" {
			b.WriteString(name)
		}
		if n > 1 {
			b.WriteString("(" + strconv.Itoa(n) + ")")
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
	} else if p.Description != "" && p.Description != "Object" {
		b.WriteString(p.Description + " ")
	}
	open, closing := "{", "}"
	if isArray {
		open, closing = "[", "]"
	}
	var items []string
	if len(p.Entries) > 0 {
		for _, e := range p.Entries {
			v := nestedText(e.Value)
			if e.Key != nil {
				v = nestedText(e.Key) + " => " + v
			}
			items = append(items, v)
		}
	} else {
		next := 0 // the index expected next; a gap is a hole, which DevTools writes as empty
		for _, prop := range p.Properties {
			v := propertyText(prop)
			if i, err := strconv.Atoi(prop.Name); isArray && err == nil && isIndex(prop.Name) {
				items = appendHoles(items, i-next)
				next = i + 1
				items = append(items, v)
			} else {
				items = append(items, displayName(prop.Name)+": "+v)
			}
		}
		if _, n := arrayDescription(p.Description); isArray && !p.Overflow {
			items = appendHoles(items, n-next)
		}
	}
	if p.Overflow {
		items = append(items, "…")
	}
	b.WriteString(open + strings.Join(items, ", ") + closing)
	return b.String()
}

// arrayDescription splits "Array(3)" or "Uint8Array(4)".
func arrayDescription(d string) (string, int) {
	name, rest, ok := strings.Cut(d, "(")
	if !ok {
		return d, 0
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(rest, ")"))
	return name, n
}

func isIndex(s string) bool {
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}

func propertyText(p *runtime.PropertyPreview) string {
	return abbreviated(string(p.Type), string(p.Subtype), p.Value)
}

func nestedText(p *runtime.ObjectPreview) string {
	if p == nil {
		return "undefined"
	}
	return abbreviated(string(p.Type), string(p.Subtype), p.Description)
}

// abbreviated is how DevTools shows a value one level down.
func abbreviated(typ, subtype, desc string) string {
	switch typ {
	case "accessor":
		return "(...)"
	case "function":
		return "ƒ"
	case "string":
		return jsLiteral(desc)
	case "object":
		switch subtype {
		case "null":
			return "null"
		case "":
			if desc == "Object" {
				return "{…}"
			}
		case "error":
			s, _, _ := strings.Cut(desc, "\n    at ")
			return s
		}
	}
	return desc
}

func displayName(name string) string {
	if strings.HasPrefix(name, "#") && len(name) > 1 { // a private field, as V8 names it
		return "#" + displayName(name[1:])
	}
	for i, r := range name {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 || i > 0 && r >= '0' && r <= '9') {
			return jsLiteral(name)
		}
	}
	if name == "" {
		return "''"
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

func appendHoles(items []string, n int) []string {
	switch {
	case n == 1:
		return append(items, "empty")
	case n > 1:
		return append(items, "empty × "+strconv.Itoa(n))
	}
	return items
}
