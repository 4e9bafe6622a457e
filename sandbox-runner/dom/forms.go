package dom

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// formState is a control's state that lives outside its attributes: once a
// script sets value or checked, the attribute becomes the default only
// (HTML's dirty value and dirty checkedness flags).
type formState struct {
	value                   string
	dirtyValue              bool
	checked, dirtyChecked   bool
	selected, dirtySelected bool
	indeterminate           bool
	customError             string // setCustomValidity
}

func (x *node) fs() *formState {
	if x.form == nil {
		x.form = &formState{}
	}
	return x.form
}

func isTag(n *html.Node, tag string) bool {
	return n != nil && n.Type == html.ElementNode && n.Data == tag && n.Namespace == ""
}

// listed elements take part in forms (form.elements).
func isFormControl(n *html.Node) bool {
	if n.Type != html.ElementNode || n.Namespace != "" {
		return false
	}
	switch n.Data {
	case "button", "fieldset", "input", "object", "output", "select", "textarea":
		return true
	}
	return false
}

var inputTypes = map[string]bool{
	"hidden": true, "text": true, "search": true, "tel": true, "url": true, "email": true, "password": true,
	"date": true, "month": true, "week": true, "time": true, "datetime-local": true, "number": true,
	"range": true, "color": true, "checkbox": true, "radio": true, "file": true, "submit": true,
	"image": true, "reset": true, "button": true,
}

// controlType is the type IDL attribute: input's enumerated type (text by
// default), button's (submit by default), select-one/select-multiple.
func controlType(n *html.Node) string {
	t, _ := getAttr(n, "type")
	t = strings.ToLower(t)
	switch n.Data {
	case "input":
		if inputTypes[t] {
			return t
		}
		return "text"
	case "button":
		if t == "reset" || t == "button" {
			return t
		}
		return "submit"
	case "select":
		if _, ok := getAttr(n, "multiple"); ok {
			return "select-multiple"
		}
		return "select-one"
	case "textarea":
		return "textarea"
	case "fieldset":
		return "fieldset"
	case "output":
		return "output"
	}
	v, _ := getAttr(n, "type")
	return v
}

func (d *DOM) disabled(n *html.Node) bool {
	if _, ok := getAttr(n, "disabled"); ok {
		return true
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if isTag(p, "fieldset") {
			if _, ok := getAttr(p, "disabled"); ok {
				return true
			}
		}
	}
	return false
}

// formOwner is the form a control belongs to: its form="id" or its nearest
// form ancestor.
func (d *DOM) formOwner(n *html.Node) *html.Node {
	if id, ok := getAttr(n, "form"); ok {
		if f := getElementByID(root(n), id); isTag(f, "form") {
			return f
		}
		return nil
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if isTag(p, "form") {
			return p
		}
	}
	return nil
}

func root(n *html.Node) *html.Node {
	for n.Parent != nil {
		n = n.Parent
	}
	return n
}

// formElements lists a form's controls in tree order (form.elements).
func (d *DOM) formElements(form *html.Node) []*html.Node {
	r := root(form)
	_, hasID := getAttr(form, "id")
	return collect(r, func(n *html.Node) bool {
		if !isFormControl(n) || (n.Data == "input" && controlType(n) == "image") {
			return false
		}
		if !hasID && !contains(form, n) {
			return false
		}
		return d.formOwner(n) == form
	}, nil)
}

// namedControl is form[name]: a control whose id or name is name.
func (d *DOM) namedControl(form *html.Node, name string) *html.Node {
	if name == "" {
		return nil
	}
	for _, c := range d.formElements(form) {
		if id, _ := getAttr(c, "id"); id == name {
			return c
		}
		if nm, _ := getAttr(c, "name"); nm == name {
			return c
		}
	}
	return nil
}

// radioGroup lists the radios sharing n's name and form owner.
func (d *DOM) radioGroup(n *html.Node) []*html.Node {
	name, _ := getAttr(n, "name")
	if name == "" {
		return []*html.Node{n}
	}
	owner := d.formOwner(n)
	return collect(root(n), func(c *html.Node) bool {
		if !isTag(c, "input") || controlType(c) != "radio" {
			return false
		}
		nm, _ := getAttr(c, "name")
		return nm == name && d.formOwner(c) == owner
	}, nil)
}

func (x *node) checked() bool {
	if x.form != nil && x.form.dirtyChecked {
		return x.form.checked
	}
	_, ok := getAttr(x.n, "checked")
	return ok
}

func (x *node) setChecked(v bool) {
	st := x.fs()
	st.checked, st.dirtyChecked = v, true
	if v && isTag(x.n, "input") && controlType(x.n) == "radio" {
		for _, r := range x.d.radioGroup(x.n) {
			if r != x.n {
				o := x.d.state(r).fs()
				o.checked, o.dirtyChecked = false, true
			}
		}
	}
}

// inputValue is the value IDL attribute of input, textarea, select,
// option and button.
func (x *node) inputValue() string {
	n := x.n
	switch n.Data {
	case "textarea":
		if x.form != nil && x.form.dirtyValue {
			return x.form.value
		}
		return textContent(n)
	case "select":
		for _, o := range x.d.options(n) {
			if x.d.state(o).selected() {
				return optionValue(o)
			}
		}
		return ""
	case "option":
		return optionValue(n)
	case "input":
		if x.form != nil && x.form.dirtyValue {
			return x.form.value
		}
		v, ok := getAttr(n, "value")
		switch controlType(n) {
		case "checkbox", "radio":
			if !ok {
				return "on"
			}
		case "color":
			if !ok {
				return "#000000"
			}
			return strings.ToLower(v)
		case "range":
			if !ok {
				return "50"
			}
		}
		return sanitizeValue(controlType(n), v)
	}
	v, _ := getAttr(n, "value")
	return v
}

// sanitizeValue applies the value sanitisation algorithms that matter most.
func sanitizeValue(typ, v string) string {
	switch typ {
	case "text", "search", "tel", "password", "hidden":
		if typ != "hidden" {
			v = strings.NewReplacer("\r", "", "\n", "").Replace(v)
		}
	case "email", "url":
		v = strings.TrimSpace(strings.NewReplacer("\r", "", "\n", "").Replace(v))
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil || strings.ContainsAny(v, "xX_ ") {
			return ""
		}
	}
	return v
}

func (x *node) setInputValue(v string) {
	n := x.n
	switch n.Data {
	case "select":
		found := false
		for _, o := range x.d.options(n) {
			s := x.d.state(o).fs()
			s.selected = !found && optionValue(o) == v
			s.dirtySelected = true
			found = found || s.selected
		}
	case "textarea":
		st := x.fs()
		st.value, st.dirtyValue = v, true
	case "input":
		switch controlType(n) {
		case "checkbox", "radio", "hidden", "submit", "reset", "button", "image":
			x.setAttr("value", v) // these types reflect value to the attribute ("default/on" mode)
			return
		case "file":
			if v != "" {
				x.d.throw("InvalidStateError", "Failed to set the 'value' property on 'HTMLInputElement': This input element accepts a filename, which may only be programmatically set to the empty string.")
			}
			return
		}
		st := x.fs()
		st.value, st.dirtyValue = sanitizeValue(controlType(n), v), true
	default:
		x.setAttr("value", v)
	}
}

func optionValue(o *html.Node) string {
	if v, ok := getAttr(o, "value"); ok {
		return v
	}
	return optionText(o)
}

func optionText(o *html.Node) string { return strings.Join(strings.Fields(textContent(o)), " ") }

// options lists a select's option elements (direct or in an optgroup).
func (d *DOM) options(sel *html.Node) []*html.Node {
	var out []*html.Node
	for c := sel.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case isTag(c, "option"):
			out = append(out, c)
		case isTag(c, "optgroup"):
			for k := c.FirstChild; k != nil; k = k.NextSibling {
				if isTag(k, "option") {
					out = append(out, k)
				}
			}
		}
	}
	return out
}

func (x *node) selectOf() *html.Node {
	p := x.n.Parent
	if isTag(p, "optgroup") {
		p = p.Parent
	}
	if isTag(p, "select") {
		return p
	}
	return nil
}

// selected is an option's selectedness. A single select with nothing
// explicitly selected selects its first non-disabled option, as browsers do.
func (x *node) selected() bool {
	if x.form != nil && x.form.dirtySelected {
		return x.form.selected
	}
	if _, ok := getAttr(x.n, "selected"); ok {
		if sel := x.selectOf(); sel != nil && controlType(sel) == "select-one" {
			// only the last selected option of a single select wins
			var last *html.Node
			for _, o := range x.d.options(sel) {
				if x.d.optionSelectedRaw(o) {
					last = o
				}
			}
			return last == x.n
		}
		return true
	}
	sel := x.selectOf()
	if sel == nil || controlType(sel) != "select-one" {
		return false
	}
	if size, _ := getAttr(sel, "size"); size != "" && size != "1" && size != "0" {
		return false
	}
	for _, o := range x.d.options(sel) {
		if x.d.optionSelectedRaw(o) {
			return false
		}
	}
	for _, o := range x.d.options(sel) {
		if _, dis := getAttr(o, "disabled"); !dis {
			return o == x.n
		}
	}
	return false
}

// optionSelectedRaw is explicit selectedness: dirty state or the attribute.
func (d *DOM) optionSelectedRaw(o *html.Node) bool {
	if x := d.lookup(o); x != nil && x.form != nil && x.form.dirtySelected {
		return x.form.selected
	}
	_, ok := getAttr(o, "selected")
	return ok
}

func (x *node) setSelected(v bool) {
	sel := x.selectOf()
	if v && sel != nil && controlType(sel) == "select-one" {
		for _, o := range x.d.options(sel) {
			s := x.d.state(o).fs()
			s.selected, s.dirtySelected = false, true
		}
	}
	s := x.fs()
	s.selected, s.dirtySelected = v, true
}

func (x *node) selectedIndex() int {
	for i, o := range x.d.options(x.n) {
		if x.d.state(o).selected() {
			return i
		}
	}
	return -1
}

// resetForm runs form.reset(): every control forgets its dirty state.
func (d *DOM) resetForm(form *html.Node) {
	for _, c := range d.formElements(form) {
		if x := d.lookup(c); x != nil {
			x.form = nil
		}
		if isTag(c, "select") {
			for _, o := range d.options(c) {
				if x := d.lookup(o); x != nil {
					x.form = nil
				}
			}
		}
	}
}

// label.control: the element named by for=, or the first labelable
// descendant.
func (d *DOM) labelControl(label *html.Node) *html.Node {
	if id, ok := getAttr(label, "for"); ok {
		if c := getElementByID(root(label), id); c != nil && labelable(c) {
			return c
		}
		return nil
	}
	found := collect(label, labelable, nil)
	if len(found) > 0 {
		return found[0]
	}
	return nil
}

func labelable(n *html.Node) bool {
	if n.Type != html.ElementNode || n.Namespace != "" {
		return false
	}
	switch n.Data {
	case "button", "meter", "output", "progress", "select", "textarea":
		return true
	case "input":
		return controlType(n) != "hidden"
	}
	return false
}

// formEntries constructs a form's entry list (HTML §4.10.21.4): enabled
// controls with a name, checked checkboxes and radios only, selected
// options, the submitter button only.
func (d *DOM) formEntries(form, submitter *html.Node) [][2]string {
	var out [][2]string
	for _, c := range d.formElements(form) {
		if d.disabled(c) {
			continue
		}
		x := d.state(c)
		typ := controlType(c)
		name, _ := getAttr(c, "name")
		if c.Data == "button" || typ == "submit" || typ == "reset" || typ == "button" || typ == "image" {
			if c != submitter || name == "" {
				continue
			}
		}
		if name == "" || c.Data == "fieldset" || c.Data == "output" || c.Data == "object" {
			continue
		}
		switch {
		case typ == "checkbox" || typ == "radio":
			if x.checked() {
				out = append(out, [2]string{name, x.inputValue()})
			}
		case c.Data == "select":
			for _, o := range d.options(c) {
				if _, dis := getAttr(o, "disabled"); !dis && d.state(o).selected() {
					out = append(out, [2]string{name, optionValue(o)})
				}
			}
		case typ == "file":
			// no file is ever chosen on a server render
		default:
			out = append(out, [2]string{name, x.inputValue()})
		}
	}
	return out
}

// stateForSelector lets cascadia's :checked (which reads the checked and
// selected attributes) see the controls' current state: for a selector
// using it, the attributes are set from the state for the query and put
// back after. Other selectors cost one strings.Contains.
func (d *DOM) stateForSelector(sel string) (restore func()) {
	if !strings.Contains(sel, ":checked") {
		return func() {}
	}
	type saved struct {
		n        *html.Node
		key, val string
		had      bool
	}
	var undo []saved
	apply := func(n *html.Node, key string, on bool) {
		v, had := getAttr(n, key)
		if had == on {
			return
		}
		undo = append(undo, saved{n, key, v, had})
		if on {
			setAttr(n, key, "")
		} else {
			removeAttr(n, key)
		}
	}
	for n, x := range d.nodes {
		if x.form != nil && x.form.dirtyChecked && isTag(n, "input") {
			apply(n, "checked", x.form.checked)
		}
	}
	for n, w := range d.weak { // swept out of the document (live.go)
		if x := w.Value(); x != nil && x.form != nil && x.form.dirtyChecked && isTag(n, "input") {
			apply(n, "checked", x.form.checked)
		}
	}
	for _, sel := range collect(d.doc, func(n *html.Node) bool { return isTag(n, "select") }, nil) {
		for _, o := range d.options(sel) {
			apply(o, "selected", d.state(o).selected())
		}
	}
	return func() {
		for i := len(undo) - 1; i >= 0; i-- {
			u := undo[i]
			if u.had {
				setAttr(u.n, u.key, u.val)
			} else {
				removeAttr(u.n, u.key)
			}
		}
	}
}
