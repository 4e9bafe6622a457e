package dom

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Reflected IDL attributes (HTML §2.6.1), form control state, tables,
// namespaces, template contents and the layout-free geometry API.

// longAttr reflects an integer content attribute; def is the value when the
// attribute is missing or not a valid integer.
func longAttr(name string, def int, unsigned bool) *member {
	return rw(kindElement, func(x *node) goja.Value {
		v, ok := getAttr(x.n, name)
		if !ok {
			return x.d.rt.ToValue(def)
		}
		i, ok := parseHTMLInt(v)
		if !ok || (unsigned && i < 0) {
			return x.d.rt.ToValue(def)
		}
		return x.d.rt.ToValue(i)
	}, func(x *node, v goja.Value) {
		f := v.ToFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = 0
		}
		x.setAttr(name, strconv.FormatInt(int64(int32(int64(f))), 10))
	})
}

// parseHTMLInt is the rules for parsing integers: leading whitespace, an
// optional sign, digits; trailing garbage is ignored.
func parseHTMLInt(s string) (int, bool) {
	s = strings.TrimLeft(s, " \t\n\f\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n, digits := 0, 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		n = n*10 + int(s[digits]-'0')
		if n > math.MaxInt32 {
			return 0, false
		}
		digits++
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// enumAttr reflects an enumerated attribute limited to known values.
func enumAttr(name, missing, invalid string, values ...string) *member {
	return rw(kindElement, func(x *node) goja.Value {
		v, ok := getAttr(x.n, name)
		if !ok {
			return x.d.str(missing)
		}
		v = strings.ToLower(v)
		for _, k := range values {
			if v == k {
				return x.d.str(k)
			}
		}
		return x.d.str(invalid)
	}, func(x *node, v goja.Value) { x.setAttr(name, v.String()) })
}

// urlAttr reflects a URL attribute: reading resolves it against the
// document's URL as browsers do (href="/x" reads as "https://host/x").
func urlAttr(name string) *member {
	return rw(kindElement, func(x *node) goja.Value {
		v, ok := getAttr(x.n, name)
		if !ok {
			return x.d.str("")
		}
		return x.d.str(x.d.resolveURL(v))
	}, func(x *node, v goja.Value) { x.setAttr(name, v.String()) })
}

func (d *DOM) resolveURL(ref string) string {
	if d.hooks.Host != nil {
		return d.hooks.Host.ResolveURL(ref)
	}
	return ref
}

// urlPart is one of a and area's URL decomposition properties (read only
// here: writing them is rare in blocks).
func urlPart(part func(*url.URL) string) *member {
	return ro(kindElement, func(x *node) goja.Value {
		if !isTag(x.n, "a") && !isTag(x.n, "area") {
			return nil
		}
		v, ok := getAttr(x.n, "href")
		if !ok {
			return x.d.str("")
		}
		u, err := url.Parse(x.d.resolveURL(v))
		if err != nil {
			return x.d.str("")
		}
		return x.d.str(part(u))
	})
}

func zero(k kind) *member { return ro(k, func(x *node) goja.Value { return x.d.rt.ToValue(0) }) }

func noop(k kind) *member {
	return fn(k, func(x *node, c goja.FunctionCall) goja.Value { return goja.Undefined() })
}

var namespaces = map[string]string{
	"http://www.w3.org/2000/svg":           "svg",
	"http://www.w3.org/1998/Math/MathML":   "math",
	"http://www.w3.org/1999/xhtml":         "",
	"http://www.w3.org/1999/xlink":         "xlink",
	"http://www.w3.org/XML/1998/namespace": "xml",
	"http://www.w3.org/2000/xmlns/":        "xmlns",
}

func namespaceURI(ns string) string {
	for uri, short := range namespaces {
		if short == ns && (ns != "" || uri == "http://www.w3.org/1999/xhtml") {
			return uri
		}
	}
	return ns
}

// createElementNS makes an element in namespace uri; SVG and MathML keep
// the qualified name's case (linearGradient), as a browser serialises it.
func (d *DOM) createElementNS(uri goja.Value, qname string) *html.Node {
	ns, known := "", true
	if !goja.IsNull(uri) && !goja.IsUndefined(uri) {
		ns, known = namespaces[uri.String()]
		if !known {
			ns = uri.String()
		}
	}
	local := qname
	if i := strings.IndexByte(qname, ':'); i >= 0 {
		local = qname[i+1:]
	}
	if ns == "" {
		return &html.Node{Type: html.ElementNode, Data: local, DataAtom: atom.Lookup([]byte(local))}
	}
	n := &html.Node{Type: html.ElementNode, Namespace: ns}
	d.setLocalName(n, local)
	return n
}

// table helpers -------------------------------------------------------------

func childrenTagged(n *html.Node, tags ...string) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		for _, t := range tags {
			if isTag(c, t) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// tableRows is table.rows: thead rows, then body rows (direct tr and tbody
// rows in tree order), then tfoot rows.
func tableRows(t *html.Node) []*html.Node {
	var head, body, foot []*html.Node
	for c := t.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case isTag(c, "thead"):
			head = append(head, childrenTagged(c, "tr")...)
		case isTag(c, "tfoot"):
			foot = append(foot, childrenTagged(c, "tr")...)
		case isTag(c, "tbody"):
			body = append(body, childrenTagged(c, "tr")...)
		case isTag(c, "tr"):
			body = append(body, c)
		}
	}
	return append(append(head, body...), foot...)
}

func (x *node) rows() []*html.Node {
	if isTag(x.n, "table") {
		return tableRows(x.n)
	}
	return childrenTagged(x.n, "tr")
}

func (x *node) indexArg(c goja.FunctionCall, def int) int {
	v := c.Argument(0)
	if goja.IsUndefined(v) {
		return def
	}
	return int(int32(v.ToInteger()))
}

func (x *node) insertRow(c goja.FunctionCall) goja.Value {
	rows := x.rows()
	i := x.indexArg(c, -1)
	if i < -1 || i > len(rows) {
		x.d.throw("IndexSizeError", "Failed to execute 'insertRow': The index provided ("+strconv.Itoa(i)+") is outside the range [-1, "+strconv.Itoa(len(rows))+"].")
	}
	tr := newElement("tr")
	switch {
	case !isTag(x.n, "table"):
		var ref *html.Node
		if i >= 0 && i < len(rows) {
			ref = rows[i]
		}
		x.d.insert(x.n, tr, ref, "insertRow")
	case len(rows) == 0:
		bodies := childrenTagged(x.n, "tbody")
		if len(bodies) == 0 {
			tb := newElement("tbody")
			tb.AppendChild(tr)
			x.d.insert(x.n, tb, nil, "insertRow")
		} else {
			x.d.insert(bodies[len(bodies)-1], tr, nil, "insertRow")
		}
	case i == -1 || i == len(rows):
		x.d.insert(rows[len(rows)-1].Parent, tr, nil, "insertRow")
	default:
		x.d.insert(rows[i].Parent, tr, rows[i], "insertRow")
	}
	return x.wrap(tr)
}

func (x *node) deleteRow(c goja.FunctionCall) goja.Value {
	rows := x.rows()
	i := x.indexArg(c, 0)
	if i == -1 {
		i = len(rows) - 1
		if i < 0 {
			return goja.Undefined()
		}
	}
	if i < 0 || i >= len(rows) {
		x.d.throw("IndexSizeError", "Failed to execute 'deleteRow': The index provided ("+strconv.Itoa(i)+") is outside the range [0, "+strconv.Itoa(len(rows))+").")
	}
	x.d.remove(rows[i])
	return goja.Undefined()
}

// tableSection returns (creating with create) the table's first child tag.
func (x *node) tableSection(tag string, create bool) goja.Value {
	if s := childrenTagged(x.n, tag); len(s) > 0 {
		return x.wrap(s[0])
	}
	if !create {
		return goja.Null()
	}
	s := newElement(tag)
	var ref *html.Node
	switch tag {
	case "caption":
		ref = x.n.FirstChild
	case "thead":
		for c := x.n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && !isTag(c, "caption") && !isTag(c, "colgroup") {
				ref = c
				break
			}
		}
	}
	x.d.insert(x.n, s, ref, "create"+tag)
	return x.wrap(s)
}

func (x *node) deleteSection(tag string) goja.Value {
	if s := childrenTagged(x.n, tag); len(s) > 0 {
		x.d.remove(s[0])
	}
	return goja.Undefined()
}

func indexIn(n *html.Node, list []*html.Node) int {
	for i, m := range list {
		if m == n {
			return i
		}
	}
	return -1
}

// geometry: there is no layout, so every box is empty at the origin.
func (d *DOM) rect() goja.Value {
	o := d.rt.NewObject()
	for _, k := range []string{"x", "y", "width", "height", "top", "right", "bottom", "left"} {
		_ = o.Set(k, 0)
	}
	_ = o.Set("toJSON", d.fn("rect.toJSON", func(d *DOM, c goja.FunctionCall) goja.Value { return c.This }))
	return o
}

func focusable(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	if _, ok := getAttr(n, "tabindex"); ok {
		return true
	}
	switch n.Data {
	case "input", "select", "textarea", "button", "iframe", "summary":
		return true
	case "a", "area":
		_, ok := getAttr(n, "href")
		return ok
	}
	_, ok := getAttr(n, "contenteditable")
	return ok
}

func init() {
	for k, m := range reflected {
		members[k] = m
	}
}

var reflected = map[string]*member{
	// global attributes
	"title": &member{kinds: kindDocument | kindElement, get: func(x *node) goja.Value {
		if x.kind == kindDocument {
			return x.d.str(x.d.title())
		}
		v, _ := getAttr(x.n, "title")
		return x.d.str(v)
	}, set: func(x *node, v goja.Value) {
		if x.kind == kindDocument {
			x.d.setTitle(v.String())
			return
		}
		x.setAttr("title", v.String())
	}},
	"lang":        strAttr("lang"),
	"alt":         strAttr("alt"),
	"name":        strAttr("name"),
	"placeholder": strAttr("placeholder"),
	"rel":         strAttr("rel"),
	"target":      strAttr("target"),
	"htmlFor":     strAttr("for"),
	"disabled":    boolAttr("disabled"),
	"required":    boolAttr("required"),
	"dir":         enumAttr("dir", "", "", "ltr", "rtl", "auto"),
	"accessKey":   strAttr("accesskey"),
	"slot":        strAttr("slot"),
	"translate": rw(kindElement, func(x *node) goja.Value { v, _ := getAttr(x.n, "translate"); return x.d.rt.ToValue(v != "no") }, func(x *node, v goja.Value) {
		x.setAttr("translate", map[bool]string{true: "yes", false: "no"}[v.ToBoolean()])
	}),
	"inert":           boolAttr("inert"),
	"autofocus":       boolAttr("autofocus"),
	"draggable":       rw(kindElement, func(x *node) goja.Value { v, _ := getAttr(x.n, "draggable"); return x.d.rt.ToValue(v == "true") }, func(x *node, v goja.Value) { x.setAttr("draggable", strconv.FormatBool(v.ToBoolean())) }),
	"contentEditable": enumAttr("contenteditable", "inherit", "inherit", "true", "false", "plaintext-only"),
	"isContentEditable": ro(kindElement, func(x *node) goja.Value {
		for n := x.n; isElement(n); n = n.Parent {
			if v, ok := getAttr(n, "contenteditable"); ok {
				return x.d.rt.ToValue(v != "false")
			}
		}
		return x.d.rt.ToValue(false)
	}),
	"tabIndex": rw(kindElement, func(x *node) goja.Value {
		if v, ok := getAttr(x.n, "tabindex"); ok {
			if i, ok := parseHTMLInt(v); ok {
				return x.d.rt.ToValue(i)
			}
		}
		if focusable(x.n) {
			return x.d.rt.ToValue(0)
		}
		return x.d.rt.ToValue(-1)
	}, func(x *node, v goja.Value) { x.setAttr("tabindex", strconv.FormatInt(v.ToInteger(), 10)) }),

	// namespaces and names
	"namespaceURI": ro(kindElement, func(x *node) goja.Value { return x.d.str(namespaceURI(x.n.Namespace)) }),
	"prefix":       ro(kindElement, func(x *node) goja.Value { return goja.Null() }),

	// links and media
	"href":     urlAttr("href"),
	"protocol": urlPart(func(u *url.URL) string { return u.Scheme + ":" }),
	"host":     urlPart(func(u *url.URL) string { return u.Host }),
	"hostname": urlPart(func(u *url.URL) string { return u.Hostname() }),
	"port":     urlPart(func(u *url.URL) string { return u.Port() }),
	"pathname": urlPart(func(u *url.URL) string { return u.EscapedPath() }),
	"search": urlPart(func(u *url.URL) string {
		if u.RawQuery == "" {
			return ""
		}
		return "?" + u.RawQuery
	}),
	"hash": urlPart(func(u *url.URL) string {
		if u.Fragment == "" {
			return ""
		}
		return "#" + u.EscapedFragment()
	}),
	"origin": urlPart(func(u *url.URL) string { return u.Scheme + "://" + u.Host }),
	"src":    urlAttr("src"),
	"action": rw(kindElement, func(x *node) goja.Value {
		v, ok := getAttr(x.n, "action")
		if !ok || v == "" {
			return x.d.str(x.d.resolveURL(""))
		}
		return x.d.str(x.d.resolveURL(v))
	}, func(x *node, v goja.Value) { x.setAttr("action", v.String()) }),
	"srcset":         strAttr("srcset"),
	"sizes":          strAttr("sizes"),
	"loading":        enumAttr("loading", "auto", "auto", "lazy", "eager"),
	"decoding":       enumAttr("decoding", "auto", "auto", "sync", "async"),
	"download":       strAttr("download"),
	"hreflang":       strAttr("hreflang"),
	"ping":           strAttr("ping"),
	"referrerPolicy": strAttr("referrerpolicy"),
	"crossOrigin": rw(kindElement, func(x *node) goja.Value {
		v, ok := getAttr(x.n, "crossorigin")
		if !ok {
			return goja.Null()
		}
		if strings.EqualFold(v, "use-credentials") {
			return x.d.str("use-credentials")
		}
		return x.d.str("anonymous")
	}, func(x *node, v goja.Value) {
		if goja.IsNull(v) {
			x.removeAttr("crossorigin")
		} else {
			x.setAttr("crossorigin", v.String())
		}
	}),
	"useMap":        strAttr("usemap"),
	"isMap":         boolAttr("ismap"),
	"width":         dimension("width"),
	"height":        dimension("height"),
	"naturalWidth":  zero(kindElement),
	"naturalHeight": zero(kindElement),
	"complete":      ro(kindElement, func(x *node) goja.Value { return x.d.rt.ToValue(true) }),
	"currentSrc":    ro(kindElement, func(x *node) goja.Value { v, _ := getAttr(x.n, "src"); return x.d.str(x.d.resolveURL(v)) }),
	"text": rw(kindElement, func(x *node) goja.Value {
		if isTag(x.n, "option") {
			return x.d.str(optionText(x.n))
		}
		return x.d.str(textContent(x.n))
	}, func(x *node, v goja.Value) { x.d.setTextContent(x.n, nullableString(v)) }),
	"media":           strAttr("media"),
	"httpEquiv":       strAttr("http-equiv"),
	"charset":         strAttr("charset"),
	"async":           boolAttr("async"),
	"defer":           boolAttr("defer"),
	"noModule":        boolAttr("nomodule"),
	"controls":        boolAttr("controls"),
	"autoplay":        boolAttr("autoplay"),
	"loop":            boolAttr("loop"),
	"muted":           boolAttr("muted"),
	"poster":          urlAttr("poster"),
	"allow":           strAttr("allow"),
	"allowFullscreen": boolAttr("allowfullscreen"),

	// lists, details, dialog, progress
	"start":    longAttr("start", 1, false),
	"reversed": boolAttr("reversed"),
	"open":     boolAttr("open"),
	"max": rw(kindElement, func(x *node) goja.Value {
		if isTag(x.n, "progress") || isTag(x.n, "meter") {
			v, _ := getAttr(x.n, "max")
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || (isTag(x.n, "progress") && f <= 0) {
				f = 1
			}
			return x.d.rt.ToValue(f)
		}
		v, _ := getAttr(x.n, "max")
		return x.d.str(v)
	}, func(x *node, v goja.Value) { x.setAttr("max", v.String()) }),
	"min":          strAttr("min"),
	"step":         strAttr("step"),
	"pattern":      strAttr("pattern"),
	"accept":       strAttr("accept"),
	"autocomplete": strAttr("autocomplete"),
	"inputMode":    strAttr("inputmode"),
	"enterKeyHint": strAttr("enterkeyhint"),
	"maxLength":    longAttr("maxlength", -1, false),
	"minLength":    longAttr("minlength", -1, false),
	"size": rw(kindElement, func(x *node) goja.Value {
		def := 20
		if isTag(x.n, "select") {
			def = 0
		}
		if v, ok := getAttr(x.n, "size"); ok {
			if i, ok := parseHTMLInt(v); ok && i > 0 {
				return x.d.rt.ToValue(i)
			}
		}
		return x.d.rt.ToValue(def)
	}, func(x *node, v goja.Value) { x.setAttr("size", strconv.FormatInt(v.ToInteger(), 10)) }),
	"rows": &member{kinds: kindElement, get: func(x *node) goja.Value {
		if isTag(x.n, "textarea") {
			v, _ := getAttr(x.n, "rows")
			if i, ok := parseHTMLInt(v); ok && i > 0 {
				return x.d.rt.ToValue(i)
			}
			return x.d.rt.ToValue(2)
		}
		return x.d.collection(x.rows)
	}, set: func(x *node, v goja.Value) {
		if isTag(x.n, "textarea") {
			x.setAttr("rows", strconv.FormatInt(v.ToInteger(), 10))
		}
	}},
	"cols":           longAttr("cols", 20, true),
	"wrap":           strAttr("wrap"),
	"readOnly":       boolAttr("readonly"),
	"multiple":       boolAttr("multiple"),
	"noValidate":     boolAttr("novalidate"),
	"formNoValidate": boolAttr("formnovalidate"),
	"method":         enumAttr("method", "get", "get", "get", "post", "dialog"),
	"enctype":        enumAttr("enctype", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"),
	"label": rw(kindElement, func(x *node) goja.Value {
		if v, ok := getAttr(x.n, "label"); ok || !isTag(x.n, "option") {
			return x.d.str(v)
		}
		return x.d.str(optionText(x.n))
	}, func(x *node, v goja.Value) { x.setAttr("label", v.String()) }),
	"colSpan":  longAttr("colspan", 1, true),
	"rowSpan":  longAttr("rowspan", 1, true),
	"span":     longAttr("span", 1, true),
	"scope":    strAttr("scope"),
	"headers":  strAttr("headers"),
	"abbr":     strAttr("abbr"),
	"dateTime": strAttr("datetime"),
	"cite":     strAttr("cite"),

	// form controls
	"type": rw(kindElement, func(x *node) goja.Value {
		switch x.n.Data {
		case "input", "button", "select", "textarea", "fieldset", "output":
			if x.n.Namespace == "" {
				return x.d.str(controlType(x.n))
			}
		}
		v, _ := getAttr(x.n, "type")
		return x.d.str(v)
	}, func(x *node, v goja.Value) { x.setAttr("type", v.String()) }),
	"value": rw(kindElement, func(x *node) goja.Value {
		switch {
		case x.n.Namespace != "":
		case x.n.Data == "li":
			v, _ := getAttr(x.n, "value")
			i, _ := parseHTMLInt(v)
			return x.d.rt.ToValue(i)
		case x.n.Data == "progress" || x.n.Data == "meter":
			v, _ := getAttr(x.n, "value")
			f, _ := strconv.ParseFloat(v, 64)
			return x.d.rt.ToValue(f)
		case x.n.Data == "output":
			return x.d.str(textContent(x.n))
		}
		return x.d.str(x.inputValue())
	}, func(x *node, v goja.Value) {
		if x.n.Data == "output" {
			x.d.setTextContent(x.n, nullableString(v))
			return
		}
		x.setInputValue(nullableString(v))
	}),
	"defaultValue": rw(kindElement, func(x *node) goja.Value {
		if isTag(x.n, "textarea") || isTag(x.n, "output") {
			return x.d.str(textContent(x.n))
		}
		v, _ := getAttr(x.n, "value")
		return x.d.str(v)
	}, func(x *node, v goja.Value) {
		if isTag(x.n, "textarea") || isTag(x.n, "output") {
			x.d.setTextContent(x.n, nullableString(v))
			return
		}
		x.setAttr("value", nullableString(v))
	}),
	"valueAsNumber": rw(kindElement, func(x *node) goja.Value {
		f, err := strconv.ParseFloat(x.inputValue(), 64)
		if err != nil || controlType(x.n) != "number" && controlType(x.n) != "range" {
			return x.d.rt.ToValue(math.NaN())
		}
		return x.d.rt.ToValue(f)
	}, func(x *node, v goja.Value) {
		x.setInputValue(v.String())
	}),
	"checked": rw(kindElement, func(x *node) goja.Value { return x.d.rt.ToValue(x.checked()) },
		func(x *node, v goja.Value) { x.setChecked(v.ToBoolean()) }),
	"defaultChecked": boolAttr("checked"),
	"indeterminate": rw(kindElement, func(x *node) goja.Value { return x.d.rt.ToValue(x.form != nil && x.form.indeterminate) },
		func(x *node, v goja.Value) { x.fs().indeterminate = v.ToBoolean() }),
	"selected": rw(kindElement, func(x *node) goja.Value { return x.d.rt.ToValue(x.selected()) },
		func(x *node, v goja.Value) { x.setSelected(v.ToBoolean()) }),
	"defaultSelected": boolAttr("selected"),
	"selectedIndex": rw(kindElement, func(x *node) goja.Value {
		if !isTag(x.n, "select") {
			return goja.Undefined()
		}
		return x.d.rt.ToValue(x.selectedIndex())
	}, func(x *node, v goja.Value) {
		i := int(v.ToInteger())
		for k, o := range x.d.options(x.n) {
			s := x.d.state(o).fs()
			s.selected, s.dirtySelected = k == i, true
		}
	}),
	"options": ro(kindElement, func(x *node) goja.Value {
		n := x.n
		return x.d.collection(func() []*html.Node { return x.d.options(n) })
	}),
	"selectedOptions": ro(kindElement, func(x *node) goja.Value {
		return x.d.collection(func() []*html.Node {
			var out []*html.Node
			for _, o := range x.d.options(x.n) {
				if x.d.state(o).selected() {
					out = append(out, o)
				}
			}
			return out
		})
	}),
	"index": ro(kindElement, func(x *node) goja.Value {
		if sel := x.selectOf(); sel != nil {
			return x.d.rt.ToValue(indexIn(x.n, x.d.options(sel)))
		}
		return x.d.rt.ToValue(0)
	}),
	"form": ro(kindElement, func(x *node) goja.Value {
		if isTag(x.n, "option") {
			if sel := x.selectOf(); sel != nil {
				return x.wrap(x.d.formOwner(sel))
			}
		}
		return x.wrap(x.d.formOwner(x.n))
	}),
	"elements": ro(kindElement, func(x *node) goja.Value {
		return x.d.collection(func() []*html.Node { return x.d.formElements(x.n) })
	}),
	"control": ro(kindElement, func(x *node) goja.Value { return x.wrap(x.d.labelControl(x.n)) }),
	"labels": ro(kindElement, func(x *node) goja.Value {
		return x.d.staticList(collect(x.d.doc, func(n *html.Node) bool { return isTag(n, "label") && x.d.labelControl(n) == x.n }, nil))
	}),
	"select":            noop(kindElement),
	"setSelectionRange": noop(kindElement),
	"showPicker":        noop(kindElement),
	"reset": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		if isTag(x.n, "form") {
			x.d.fire(x.obj, "reset", true)
			x.d.resetForm(x.n)
		}
		return goja.Undefined()
	}),
	"submit": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.d.notice("form.submit() was called; a server render does not navigate or send it")
		return goja.Undefined()
	}),
	"requestSubmit": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		f, _ := goja.AssertFunction(x.d.eventAPI("requestSubmit"))
		if _, err := f(goja.Undefined(), x.obj, c.Argument(0)); err != nil {
			panic(err)
		}
		return goja.Undefined()
	}),
	"add": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		o := x.d.nodeArg(c.Argument(0), "add")
		var ref *html.Node
		switch b := c.Argument(1); {
		case goja.IsUndefined(b) || goja.IsNull(b):
		case x.d.nodeOf(b) != nil:
			ref = x.d.nodeOf(b).n
		default:
			if opts := x.d.options(x.n); int(b.ToInteger()) < len(opts) && b.ToInteger() >= 0 {
				ref = opts[b.ToInteger()]
			}
		}
		p := x.n
		if ref != nil {
			p = ref.Parent
		}
		x.d.insert(p, o, ref, "add")
		return goja.Undefined()
	}),

	// tables
	"tBodies": ro(kindElement, func(x *node) goja.Value {
		return x.d.collection(func() []*html.Node { return childrenTagged(x.n, "tbody") })
	}),
	"tHead":         ro(kindElement, func(x *node) goja.Value { return x.tableSection("thead", false) }),
	"tFoot":         ro(kindElement, func(x *node) goja.Value { return x.tableSection("tfoot", false) }),
	"caption":       ro(kindElement, func(x *node) goja.Value { return x.tableSection("caption", false) }),
	"createTHead":   fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.tableSection("thead", true) }),
	"createTFoot":   fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.tableSection("tfoot", true) }),
	"createCaption": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.tableSection("caption", true) }),
	"createTBody": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		tb := newElement("tbody")
		bodies := childrenTagged(x.n, "tbody")
		var ref *html.Node
		if len(bodies) > 0 {
			ref = bodies[len(bodies)-1].NextSibling
		}
		x.d.insert(x.n, tb, ref, "createTBody")
		return x.wrap(tb)
	}),
	"deleteTHead":   fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.deleteSection("thead") }),
	"deleteTFoot":   fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.deleteSection("tfoot") }),
	"deleteCaption": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.deleteSection("caption") }),
	"insertRow":     fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.insertRow(c) }),
	"deleteRow":     fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.deleteRow(c) }),
	"cells": ro(kindElement, func(x *node) goja.Value {
		return x.d.collection(func() []*html.Node { return childrenTagged(x.n, "td", "th") })
	}),
	"insertCell": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		cells := childrenTagged(x.n, "td", "th")
		i := x.indexArg(c, -1)
		if i < -1 || i > len(cells) {
			x.d.throw("IndexSizeError", "Failed to execute 'insertCell' on 'HTMLTableRowElement': The value provided ("+strconv.Itoa(i)+") is outside the range [-1, "+strconv.Itoa(len(cells))+"].")
		}
		td := newElement("td")
		var ref *html.Node
		if i >= 0 && i < len(cells) {
			ref = cells[i]
		}
		x.d.insert(x.n, td, ref, "insertCell")
		return x.wrap(td)
	}),
	"deleteCell": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		cells := childrenTagged(x.n, "td", "th")
		i := x.indexArg(c, 0)
		if i == -1 {
			i = len(cells) - 1
		}
		if i < 0 || i >= len(cells) {
			x.d.throw("IndexSizeError", "Failed to execute 'deleteCell' on 'HTMLTableRowElement': The value provided ("+strconv.Itoa(i)+") is outside the range [0, "+strconv.Itoa(len(cells))+").")
		}
		x.d.remove(cells[i])
		return goja.Undefined()
	}),
	"rowIndex": ro(kindElement, func(x *node) goja.Value {
		t := x.n.Parent
		if t != nil && !isTag(t, "table") {
			t = t.Parent
		}
		if !isTag(t, "table") {
			return x.d.rt.ToValue(-1)
		}
		return x.d.rt.ToValue(indexIn(x.n, tableRows(t)))
	}),
	"sectionRowIndex": ro(kindElement, func(x *node) goja.Value {
		if x.n.Parent == nil {
			return x.d.rt.ToValue(-1)
		}
		return x.d.rt.ToValue(indexIn(x.n, childrenTagged(x.n.Parent, "tr")))
	}),
	"cellIndex": ro(kindElement, func(x *node) goja.Value {
		if x.n.Parent == nil || !isTag(x.n.Parent, "tr") {
			return x.d.rt.ToValue(-1)
		}
		return x.d.rt.ToValue(indexIn(x.n, childrenTagged(x.n.Parent, "td", "th")))
	}),

	// dialog
	"show":      fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { x.setAttr("open", ""); return goja.Undefined() }),
	"showModal": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { x.setAttr("open", ""); return goja.Undefined() }),
	"close": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		if _, ok := getAttr(x.n, "open"); ok {
			x.removeAttr("open")
			if v := c.Argument(0); !goja.IsUndefined(v) {
				x.setExpando("returnValue", x.d.str(v.String()))
			}
			// close fires from a queued task, so listeners added after
			// close() still hear it
			x.d.queueTask(func() { x.d.fire(x.obj, "close", false) })
		}
		return goja.Undefined()
	}),
	"returnValue": rw(kindElement, func(x *node) goja.Value { return x.d.str("") },
		func(x *node, v goja.Value) { x.setExpando("returnValue", x.d.str(v.String())) }),

	// canvas: no paint (see events.js)
	"getContext": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		f, _ := goja.AssertFunction(x.d.eventAPI("getContext"))
		v, err := f(goja.Undefined(), x.obj, c.Argument(0))
		if err != nil {
			panic(err)
		}
		return v
	}),
	"toDataURL": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.d.str("data:,") }),
	"toBlob":    fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return goja.Undefined() }),

	// template, events, focus
	"content": content(),
	"click": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		x.d.click(x)
		return goja.Undefined()
	}),
	"focus": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		if focusable(x.n) && contains(x.d.doc, x.n) && !(isFormControl(x.n) && x.d.disabled(x.n)) && x.d.active != x.n {
			x.d.moveFocus(x.n)
		}
		return goja.Undefined()
	}),
	"blur": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		if x.d.active == x.n {
			x.d.moveFocus(nil)
		}
		return goja.Undefined()
	}),
	"activeElement": ro(kindDocument, func(x *node) goja.Value {
		if x.d.active != nil && contains(x.d.doc, x.d.active) {
			return x.wrap(x.d.active)
		}
		return x.wrap(findBody(x.d.doc))
	}),
	"hasFocus":            fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value { return x.d.rt.ToValue(true) }),
	"addEventListener":    ro(kindAll, func(x *node) goja.Value { return x.d.eventAPI("addEventListener") }),
	"removeEventListener": ro(kindAll, func(x *node) goja.Value { return x.d.eventAPI("removeEventListener") }),
	"dispatchEvent":       ro(kindAll, func(x *node) goja.Value { return x.d.eventAPI("dispatchEvent") }),

	// geometry and scrolling: no layout, so zeros; scrolling is harmless
	"getBoundingClientRect": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.d.rect() }),
	"getClientRects":        fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value { return x.d.rt.NewArray() }),
	"offsetWidth":           zero(kindElement),
	"offsetHeight":          zero(kindElement),
	"offsetTop":             zero(kindElement),
	"offsetLeft":            zero(kindElement),
	"offsetParent":          ro(kindElement, func(x *node) goja.Value { return goja.Null() }),
	"clientWidth":           zero(kindElement),
	"clientHeight":          zero(kindElement),
	"clientTop":             zero(kindElement),
	"clientLeft":            zero(kindElement),
	"scrollWidth":           zero(kindElement),
	"scrollHeight":          zero(kindElement),
	"scrollTop":             rw(kindElement, func(x *node) goja.Value { return x.d.rt.ToValue(0) }, func(*node, goja.Value) {}),
	"scrollLeft":            rw(kindElement, func(x *node) goja.Value { return x.d.rt.ToValue(0) }, func(*node, goja.Value) {}),
	"scrollIntoView":        noop(kindElement),
	"scrollTo":              noop(kindElement),
	"scrollBy":              noop(kindElement),
	"scroll":                noop(kindElement),
	"animate": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		o := x.d.rt.NewObject()
		for _, k := range []string{"cancel", "finish", "play", "pause", "reverse"} {
			_ = o.Set(k, x.d.fn("animation."+k, func(d *DOM, c goja.FunctionCall) goja.Value { return goja.Undefined() }))
		}
		return o
	}),

	// tree
	"getRootNode": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value { return x.wrap(root(x.n)) }),
	"compareDocumentPosition": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		return x.d.rt.ToValue(comparePosition(x.n, x.d.nodeArg(c.Argument(0), "compareDocumentPosition")))
	}),
	"isEqualNode": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		o := c.Argument(0)
		if goja.IsNull(o) || goja.IsUndefined(o) {
			return x.d.rt.ToValue(false)
		}
		return x.d.rt.ToValue(x.d.outerHTML(x.n) == x.d.outerHTML(x.d.nodeArg(o, "isEqualNode")) && x.n.Type == x.d.nodeArg(o, "isEqualNode").Type)
	}),
	"normalize": fn(kindAll, func(x *node, c goja.FunctionCall) goja.Value {
		normalize(x.n)
		x.d.version++
		return goja.Undefined()
	}),
	"getElementsByTagName": fn(kindParent, func(x *node, c goja.FunctionCall) goja.Value {
		tag := c.Argument(0).String()
		lower := strings.ToLower(tag)
		n := x.n
		return x.d.collection(func() []*html.Node {
			return collect(n, func(e *html.Node) bool {
				return tag == "*" || (e.Namespace == "" && e.Data == lower) || (e.Namespace != "" && x.d.localName(e) == tag)
			}, nil)
		})
	}),
	"getElementsByClassName": fn(kindParent, func(x *node, c goja.FunctionCall) goja.Value {
		want := strings.Fields(c.Argument(0).String())
		n := x.n
		return x.d.collection(func() []*html.Node {
			return collect(n, func(e *html.Node) bool {
				have := classes(e)
				for _, w := range want {
					if indexOf(have, w) < 0 {
						return false
					}
				}
				return len(want) > 0
			}, nil)
		})
	}),
	"getElementsByName": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value {
		name := c.Argument(0).String()
		return x.d.staticList(collect(x.n, func(e *html.Node) bool { v, ok := getAttr(e, "name"); return ok && v == name && e.Namespace == "" }, nil))
	}),
	"setAttributeNS": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		ns, qname := "", c.Argument(1).String()
		if u := c.Argument(0); !goja.IsNull(u) && !goja.IsUndefined(u) {
			ns = namespaces[u.String()]
		}
		local := qname
		if i := strings.IndexByte(qname, ':'); i >= 0 {
			local = qname[i+1:]
		}
		if ns == "" {
			x.setAttr(qname, c.Argument(2).String())
			return goja.Undefined()
		}
		for i, a := range x.n.Attr {
			if a.Namespace == ns && a.Key == local {
				x.n.Attr[i].Val = c.Argument(2).String()
				return goja.Undefined()
			}
		}
		x.n.Attr = append(x.n.Attr, html.Attribute{Namespace: ns, Key: local, Val: c.Argument(2).String()})
		x.d.version++
		return goja.Undefined()
	}),
	"getAttributeNS": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		ns := ""
		if u := c.Argument(0); !goja.IsNull(u) && !goja.IsUndefined(u) {
			ns = namespaces[u.String()]
		}
		for _, a := range x.n.Attr {
			if a.Namespace == ns && a.Key == c.Argument(1).String() {
				return x.d.str(a.Val)
			}
		}
		return goja.Null()
	}),
	"removeAttributeNS": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
		ns := ""
		if u := c.Argument(0); !goja.IsNull(u) && !goja.IsUndefined(u) {
			ns = namespaces[u.String()]
		}
		for i, a := range x.n.Attr {
			if a.Namespace == ns && a.Key == c.Argument(1).String() {
				x.n.Attr = append(x.n.Attr[:i], x.n.Attr[i+1:]...)
				x.d.version++
				break
			}
		}
		return goja.Undefined()
	}),

	"attributes": ro(kindElement, func(x *node) goja.Value {
		// a snapshot NamedNodeMap: name/value objects, indexable and iterable
		attrs := make([]any, len(x.n.Attr))
		for i, a := range x.n.Attr {
			o := x.d.rt.NewObject()
			_ = o.Set("name", attrQName(a))
			_ = o.Set("localName", a.Key)
			_ = o.Set("value", a.Val)
			_ = o.Set("namespaceURI", goja.Null())
			attrs[i] = o
		}
		arr := x.d.rt.NewArray(attrs...)
		for _, a := range attrs {
			o := a.(*goja.Object)
			_ = arr.DefineDataProperty(o.Get("name").String(), o, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		}
		_ = arr.Set("getNamedItem", x.d.fn("attributes.getNamedItem", func(d *DOM, c goja.FunctionCall) goja.Value {
			if v := c.This.ToObject(d.rt).Get(c.Argument(0).String()); v != nil && !goja.IsUndefined(v) {
				return v
			}
			return goja.Null()
		}))
		return arr
	}),

	// document
	"write":   fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value { x.d.write(c.Arguments, false); return goja.Undefined() }),
	"writeln": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value { x.d.write(c.Arguments, true); return goja.Undefined() }),
	"currentScript": ro(kindDocument, func(x *node) goja.Value {
		if x.d.currentScript == nil {
			return goja.Null()
		}
		return x.d.currentScript
	}),
	"readyState": ro(kindDocument, func(x *node) goja.Value { return x.d.str(x.d.readyState) }),
	"createElementNS": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value {
		return x.wrap(x.d.createElementNS(c.Argument(0), c.Argument(1).String()))
	}),
	"forms":   docCollection(func(n *html.Node) bool { return isTag(n, "form") }),
	"images":  docCollection(func(n *html.Node) bool { return isTag(n, "img") }),
	"scripts": docCollection(func(n *html.Node) bool { return isTag(n, "script") }),
	"embeds":  docCollection(func(n *html.Node) bool { return isTag(n, "embed") }),
	"links": docCollection(func(n *html.Node) bool {
		_, ok := getAttr(n, "href")
		return ok && (isTag(n, "a") || isTag(n, "area"))
	}),
	"defaultView":     ro(kindDocument, func(x *node) goja.Value { return x.d.window() }),
	"compatMode":      ro(kindDocument, func(x *node) goja.Value { return x.d.str(x.d.compatMode()) }),
	"characterSet":    ro(kindDocument, func(x *node) goja.Value { return x.d.str("UTF-8") }),
	"contentType":     ro(kindDocument, func(x *node) goja.Value { return x.d.str("text/html") }),
	"visibilityState": ro(kindDocument, func(x *node) goja.Value { return x.d.str("visible") }),
	"hidden": &member{kinds: kindDocument | kindElement, get: func(x *node) goja.Value {
		if x.kind == kindDocument {
			return x.d.rt.ToValue(false)
		}
		_, ok := getAttr(x.n, "hidden")
		return x.d.rt.ToValue(ok)
	}, set: func(x *node, v goja.Value) {
		if x.kind == kindDocument {
			return
		}
		if v.ToBoolean() {
			x.setAttr("hidden", "")
		} else {
			x.removeAttr("hidden")
		}
	}},
	"doctype": ro(kindDocument, func(x *node) goja.Value {
		for c := x.n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.DoctypeNode {
				return x.wrap(c)
			}
		}
		return goja.Null()
	}),
	"scrollingElement": ro(kindDocument, func(x *node) goja.Value { return x.wrap(firstElement(x.n)) }),
	"createEvent": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value {
		name := "Event"
		switch strings.ToLower(c.Argument(0).String()) {
		case "customevent":
			name = "CustomEvent"
		case "mouseevent", "mouseevents":
			name = "MouseEvent"
		case "keyboardevent":
			name = "KeyboardEvent"
		case "uievent", "uievents":
			name = "UIEvent"
		case "focusevent":
			name = "FocusEvent"
		}
		ctor, _ := goja.AssertConstructor(x.d.eventAPI(name))
		o, err := ctor(nil, x.d.str(""))
		if err != nil {
			panic(err)
		}
		return o
	}),
	"createRange":      fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value { return x.d.newRange() }),
	"elementFromPoint": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value { return goja.Null() }),
	"getSelection":     fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value { return goja.Null() }),
	"importNode": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value {
		n := x.d.cloneNode(x.d.nodeArg(c.Argument(0), "importNode"), c.Argument(1).ToBoolean())
		if x.d.ce != nil {
			x.d.ceCloned(n) // custom.go
		}
		return x.wrap(n)
	}),
	"adoptNode": fn(kindDocument, func(x *node, c goja.FunctionCall) goja.Value {
		x.d.remove(x.d.nodeArg(c.Argument(0), "adoptNode"))
		return c.Argument(0)
	}),
}

// content is template.content, or meta's content attribute.
func content() *member {
	return rw(kindElement, func(x *node) goja.Value {
		if isTag(x.n, "template") {
			return x.wrap(x.d.templateContent(x.n))
		}
		v, _ := getAttr(x.n, "content")
		return x.d.str(v)
	}, func(x *node, v goja.Value) {
		if !isTag(x.n, "template") {
			x.setAttr("content", v.String())
		}
	})
}

// dimension is width/height: a reflected unsigned long on img, canvas,
// video, iframe, input..., and the SVG animated length elsewhere (read as
// its attribute's base value is beyond this DOM, so SVG reads the string).
func dimension(name string) *member {
	def := map[string]int{"width": 300, "height": 150}[name]
	return rw(kindElement, func(x *node) goja.Value {
		v, ok := getAttr(x.n, name)
		if x.n.Namespace != "" {
			return x.d.str(v)
		}
		if i, valid := parseHTMLInt(v); ok && valid && i >= 0 {
			return x.d.rt.ToValue(i)
		}
		if x.n.Data == "canvas" {
			return x.d.rt.ToValue(def)
		}
		return x.d.rt.ToValue(0)
	}, func(x *node, v goja.Value) {
		if x.n.Namespace != "" {
			x.setAttr(name, v.String())
			return
		}
		x.setAttr(name, strconv.FormatInt(max(v.ToInteger(), 0), 10))
	})
}

func docCollection(match func(*html.Node) bool) *member {
	return ro(kindDocument, func(x *node) goja.Value {
		return x.d.collection(func() []*html.Node { return collect(x.d.doc, match, nil) })
	})
}

func (d *DOM) window() goja.Value {
	if d.hooks.Window != nil {
		return d.hooks.Window
	}
	return goja.Null()
}

// compatMode follows the doctype: documents without one render in quirks
// mode in browsers too.
func (d *DOM) compatMode() string {
	if !d.whole {
		return "CSS1Compat" // a block's body content is served in a standards-mode page
	}
	for c := d.doc.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.DoctypeNode {
			return "CSS1Compat"
		}
	}
	return "BackCompat"
}

// comparePosition implements Node.compareDocumentPosition's bit mask.
func comparePosition(a, b *html.Node) int {
	const (
		disconnected = 1
		preceding    = 2
		following    = 4
		containsBit  = 8
		containedBy  = 16
		implSpecific = 32
	)
	if a == b {
		return 0
	}
	if root(a) != root(b) {
		return disconnected | implSpecific | following
	}
	if contains(b, a) {
		return containsBit | preceding
	}
	if contains(a, b) {
		return containedBy | following
	}
	// find the children of the common ancestor holding a and b
	pathA, pathB := ancestors(a), ancestors(b)
	i := 0
	for i < len(pathA) && i < len(pathB) && pathA[i] == pathB[i] {
		i++
	}
	for s := pathA[i]; s != nil; s = s.NextSibling {
		if s == pathB[i] {
			return following
		}
	}
	return preceding
}

// ancestors lists n's ancestors from the root down to n.
func ancestors(n *html.Node) []*html.Node {
	var out []*html.Node
	for ; n != nil; n = n.Parent {
		out = append(out, n)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func normalize(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case c.Type == html.TextNode && c.Data == "":
			detach(c)
		case c.Type == html.TextNode:
			for next != nil && next.Type == html.TextNode {
				c.Data += next.Data
				nn := next.NextSibling
				detach(next)
				next = nn
			}
		default:
			normalize(c)
		}
		c = next
	}
}

// newRange is the part of Range scripts use to parse markup:
// createContextualFragment (and selectNodeContents/setStart as no-ops).
func (d *DOM) newRange() goja.Value {
	o := d.rt.NewObject()
	_ = o.Set("createContextualFragment", d.fn("range.createContextualFragment", func(d *DOM, c goja.FunctionCall) goja.Value {
		nodes, err := d.parseFragment(nil, c.Argument(0).String())
		if err != nil {
			d.throw("SyntaxError", err.Error())
		}
		frag := &html.Node{Type: html.DocumentNode}
		for _, n := range nodes {
			frag.AppendChild(n)
		}
		return d.wrap(frag)
	}))
	for _, k := range []string{"selectNode", "selectNodeContents", "setStart", "setEnd", "setStartBefore", "setStartAfter", "setEndBefore", "setEndAfter", "collapse", "detach"} {
		_ = o.Set(k, d.fn("range."+k, func(d *DOM, c goja.FunctionCall) goja.Value { return goja.Undefined() }))
	}
	return o
}

// write is document.write while the document loads: the markup goes in
// after the running inline script (at the end of body for the block's own
// script, which runs as the last script of body). After loading, browsers
// would replace the whole document; that is left undone, with a notice.
func (d *DOM) write(args []goja.Value, newline bool) {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.String())
	}
	if newline {
		b.WriteByte('\n')
	}
	if d.readyState != "loading" {
		d.notice("document.write() after the page loaded was ignored; a browser would replace the whole page")
		return
	}
	body := findBody(d.doc)
	if body == nil {
		return
	}
	parent, ref := body, (*html.Node)(nil)
	if x := d.nodeOf(d.currentScript); x != nil && x.n.Parent != nil {
		parent, ref = x.n.Parent, x.n.NextSibling
	}
	nodes, err := d.parseFragment(parent, b.String())
	if err != nil {
		d.throw("SyntaxError", err.Error())
	}
	for _, n := range nodes {
		d.insert(parent, n, ref, "write")
	}
}

// memberTags limits element-specific properties to the HTML elements that
// have them: div.value or span.type are expandos in browsers, and writing
// them must not create attributes.
var memberTags = func() map[string]map[string]bool {
	spec := map[string]string{
		"value":             "input textarea select option button output li progress meter data param",
		"defaultValue":      "input textarea output",
		"valueAsNumber":     "input",
		"checked":           "input",
		"defaultChecked":    "input",
		"indeterminate":     "input",
		"selected":          "option",
		"defaultSelected":   "option",
		"index":             "option",
		"label":             "option optgroup track",
		"text":              "option a script title",
		"type":              "input button select textarea fieldset output a link script style source embed object ol ul li menu",
		"name":              "input button select textarea form fieldset output iframe img map meta object param slot a embed frame",
		"src":               "img script iframe input video audio source track embed frame",
		"href":              "a area link base",
		"alt":               "img input area",
		"width":             "img canvas video iframe embed object input source",
		"height":            "img canvas video iframe embed object input source",
		"placeholder":       "input textarea",
		"disabled":          "button input select textarea fieldset optgroup option link style",
		"required":          "input select textarea",
		"readOnly":          "input textarea",
		"multiple":          "input select",
		"min":               "input meter",
		"max":               "input progress meter",
		"step":              "input",
		"pattern":           "input",
		"accept":            "input",
		"autocomplete":      "input textarea select form",
		"maxLength":         "input textarea",
		"minLength":         "input textarea",
		"size":              "input select",
		"form":              "button fieldset input object output select textarea label option legend",
		"elements":          "form fieldset",
		"action":            "form",
		"method":            "form",
		"enctype":           "form",
		"noValidate":        "form",
		"formNoValidate":    "button input",
		"reset":             "form",
		"submit":            "form",
		"requestSubmit":     "form",
		"options":           "select datalist",
		"selectedIndex":     "select",
		"selectedOptions":   "select",
		"add":               "select",
		"rows":              "table tbody thead tfoot textarea",
		"cols":              "textarea",
		"wrap":              "textarea",
		"cells":             "tr",
		"insertRow":         "table tbody thead tfoot",
		"deleteRow":         "table tbody thead tfoot",
		"insertCell":        "tr",
		"deleteCell":        "tr",
		"rowIndex":          "tr",
		"sectionRowIndex":   "tr",
		"cellIndex":         "td th",
		"colSpan":           "td th",
		"rowSpan":           "td th",
		"headers":           "td th",
		"abbr":              "td th",
		"scope":             "td th",
		"span":              "col colgroup",
		"tBodies":           "table",
		"tHead":             "table",
		"tFoot":             "table",
		"caption":           "table",
		"createTHead":       "table",
		"createTFoot":       "table",
		"createCaption":     "table",
		"createTBody":       "table",
		"deleteTHead":       "table",
		"deleteTFoot":       "table",
		"deleteCaption":     "table",
		"open":              "details dialog",
		"show":              "dialog",
		"showModal":         "dialog",
		"close":             "dialog",
		"returnValue":       "dialog",
		"content":           "template meta",
		"control":           "label",
		"htmlFor":           "label output",
		"labels":            "input button select textarea meter output progress",
		"start":             "ol",
		"reversed":          "ol",
		"target":            "a area form base",
		"rel":               "a area link form",
		"download":          "a area",
		"hreflang":          "a link",
		"ping":              "a area",
		"referrerPolicy":    "a area img iframe link script",
		"crossOrigin":       "img script link audio video",
		"srcset":            "img source",
		"sizes":             "img source link",
		"loading":           "img iframe",
		"decoding":          "img",
		"naturalWidth":      "img",
		"naturalHeight":     "img",
		"complete":          "img",
		"currentSrc":        "img video audio",
		"useMap":            "img object",
		"isMap":             "img",
		"media":             "link style source meta",
		"httpEquiv":         "meta",
		"charset":           "meta script",
		"async":             "script",
		"defer":             "script",
		"noModule":          "script",
		"controls":          "video audio",
		"autoplay":          "video audio",
		"loop":              "video audio",
		"muted":             "video audio",
		"poster":            "video",
		"allow":             "iframe",
		"allowFullscreen":   "iframe",
		"dateTime":          "time del ins",
		"cite":              "blockquote q del ins",
		"validity":          "button fieldset input object output select textarea",
		"validationMessage": "button fieldset input object output select textarea",
		"willValidate":      "button fieldset input object output select textarea",
		"setCustomValidity": "button fieldset input object output select textarea",
		"checkValidity":     "button fieldset input object output select textarea form",
		"reportValidity":    "button fieldset input object output select textarea form",
		"select":            "input textarea",
		"setSelectionRange": "input textarea",
		"showPicker":        "input select",
		"protocol":          "a area",
		"host":              "a area",
		"hostname":          "a area",
		"port":              "a area",
		"pathname":          "a area",
		"search":            "a area",
		"hash":              "a area",
		"origin":            "a area",
		"inputMode":         "input textarea",
		"enterKeyHint":      "input textarea",
		"length":            "select form",
		"getContext":        "canvas",
		"toDataURL":         "canvas",
		"toBlob":            "canvas",
	}
	out := make(map[string]map[string]bool, len(spec))
	for k, tags := range spec {
		m := map[string]bool{}
		for _, t := range strings.Fields(tags) {
			m[t] = true
		}
		out[k] = m
	}
	return out
}()

// moveFocus focuses n (nil: back to body) with the events Chromium fires:
// blur and focusout at the element losing focus, then focus and focusin.
func (d *DOM) moveFocus(n *html.Node) {
	old := d.active
	d.active = n
	if d.events == nil && !d.hasFocusHandler(old) && !d.hasFocusHandler(n) {
		return
	}
	send := func(t *html.Node, typ string, bubbles bool, related *html.Node) {
		init := d.rt.NewObject()
		_ = init.Set("bubbles", bubbles)
		_ = init.Set("composed", true)
		_ = init.Set("relatedTarget", d.wrap(related))
		if _, err := d.ev().fire(goja.Undefined(), d.wrap(t), d.str(typ), init, d.str("FocusEvent")); err != nil {
			panic(err)
		}
	}
	if old != nil && contains(d.doc, old) {
		send(old, "blur", false, n)
		send(old, "focusout", true, n)
	}
	if n != nil {
		send(n, "focus", false, old)
		send(n, "focusin", true, old)
	}
}

func (d *DOM) hasFocusHandler(n *html.Node) bool {
	if n == nil {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == "onfocus" || a.Key == "onblur" || a.Key == "onfocusin" || a.Key == "onfocusout" {
			return true
		}
	}
	if x := d.lookup(n); x != nil {
		for _, t := range []string{"focus", "blur", "focusin", "focusout"} {
			if h, ok := x.handlers[t]; ok && !goja.IsNull(h) {
				return true
			}
		}
	}
	return false
}

// setExpando stores a value the way a script's own property would be.
func (x *node) setExpando(k string, v goja.Value) {
	if x.extra == nil {
		x.extra = make(map[string]goja.Value)
	}
	if _, ok := x.extra[k]; !ok {
		x.extraKeys = append(x.extraKeys, k)
	}
	x.extra[k] = v
}

// queueTask runs f as a task of the event loop (a 0 ms timer).
func (d *DOM) queueTask(f func()) {
	if d.hooks.Host == nil {
		f()
		return
	}
	fn, _ := goja.AssertFunction(d.rt.ToValue(func(goja.FunctionCall) goja.Value {
		f()
		return goja.Undefined()
	}))
	d.hooks.Host.SetTimeout(fn, 0)
}
