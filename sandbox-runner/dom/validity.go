package dom

import (
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/net/html"
)

// Constraint validation (HTML §4.10.20) for what a server render can know:
// required, pattern, min/max, type=email/url and custom errors. tooLong and
// tooShort only apply to values a user typed, so they are always false here.

type validity struct {
	valueMissing, typeMismatch, patternMismatch, rangeUnderflow, rangeOverflow, stepMismatch, customError bool
}

func (v validity) valid() bool {
	return !(v.valueMissing || v.typeMismatch || v.patternMismatch || v.rangeUnderflow || v.rangeOverflow || v.stepMismatch || v.customError)
}

// barred elements are not candidates for constraint validation.
func (d *DOM) barred(n *html.Node) bool {
	if !isFormControl(n) || n.Data == "fieldset" || n.Data == "output" || n.Data == "object" || d.disabled(n) {
		return true
	}
	switch controlType(n) {
	case "hidden", "reset", "button", "submit", "image":
		return n.Data == "input" || n.Data == "button"
	}
	if _, ro := getAttr(n, "readonly"); ro && n.Data != "select" {
		return true
	}
	return false
}

func (x *node) validity() validity {
	var v validity
	n := x.n
	if x.d.barred(n) {
		return v
	}
	v.customError = x.form != nil && x.form.customError != ""
	_, required := getAttr(n, "required")
	val := x.inputValue()
	typ := controlType(n)
	switch {
	case n.Data == "select":
		if required {
			v.valueMissing = x.selectedIndex() < 0 || (x.selectedIndex() == 0 && optionValue(x.d.options(n)[0]) == "" && controlType(n) == "select-one")
		}
		return v
	case n.Data == "textarea":
		v.valueMissing = required && val == ""
		return v
	case typ == "checkbox":
		v.valueMissing = required && !x.checked()
		return v
	case typ == "radio":
		if required || x.groupRequired() {
			any := false
			for _, r := range x.d.radioGroup(n) {
				any = any || x.d.state(r).checked()
			}
			v.valueMissing = !any
		}
		return v
	}
	if required && val == "" && typ != "range" && typ != "color" {
		v.valueMissing = true
		return v
	}
	if val == "" {
		return v
	}
	switch typ {
	case "email":
		_, multiple := getAttr(n, "multiple")
		addrs := []string{val}
		if multiple {
			addrs = strings.Split(val, ",")
		}
		for _, a := range addrs {
			if !validEmail(strings.TrimSpace(a)) {
				v.typeMismatch = true
			}
		}
	case "url":
		u, err := url.Parse(val)
		v.typeMismatch = err != nil || u.Scheme == "" || !u.IsAbs()
	}
	if p, ok := getAttr(n, "pattern"); ok && inputTypes[typ] && typ != "number" && typ != "range" && typ != "checkbox" && typ != "radio" {
		if re, err := regexp.Compile("^(?:" + p + ")$"); err == nil && !re.MatchString(val) {
			v.patternMismatch = true
		}
	}
	if typ == "number" || typ == "range" {
		f, err := strconv.ParseFloat(val, 64)
		if err == nil {
			if mn, ok := getAttr(n, "min"); ok {
				if m, err := strconv.ParseFloat(mn, 64); err == nil && f < m {
					v.rangeUnderflow = true
				}
			}
			if mx, ok := getAttr(n, "max"); ok {
				if m, err := strconv.ParseFloat(mx, 64); err == nil && f > m {
					v.rangeOverflow = true
				}
			}
			step := 1.0
			if st, ok := getAttr(n, "step"); ok && st != "any" {
				if s, err := strconv.ParseFloat(st, 64); err == nil && s > 0 {
					step = s
				}
			}
			if st, _ := getAttr(n, "step"); st != "any" {
				base := 0.0
				if mn, ok := getAttr(n, "min"); ok {
					base, _ = strconv.ParseFloat(mn, 64)
				}
				q := (f - base) / step
				v.stepMismatch = q-float64(int64(q+0.5)) > 1e-9 || float64(int64(q+0.5))-q > 1e-9
			}
		}
	}
	return v
}

// validEmail is HTML's valid e-mail address production, approximately: a
// local part, @, and a dotted or single-label domain.
var emailRe = regexp.MustCompile(`^[a-zA-Z0-9.!#$%&'*+/=?^_` + "`" + `{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$`)

func validEmail(s string) bool {
	if !emailRe.MatchString(s) {
		return false
	}
	_, err := mail.ParseAddress(s)
	return err == nil || strings.Count(s, "@") == 1
}

func (x *node) groupRequired() bool {
	for _, r := range x.d.radioGroup(x.n) {
		if _, ok := getAttr(r, "required"); ok {
			return true
		}
	}
	return false
}

// validationMessage is Chromium's English message for the first failing flag.
func (x *node) validationMessage(v validity) string {
	switch {
	case v.customError:
		return x.form.customError
	case v.valueMissing:
		switch {
		case x.n.Data == "select":
			return "Please select an item in the list."
		case controlType(x.n) == "checkbox":
			return "Please check this box if you want to proceed."
		case controlType(x.n) == "radio":
			return "Please select one of these options."
		}
		return "Please fill out this field."
	case v.typeMismatch:
		if controlType(x.n) == "url" {
			return "Please enter a URL."
		}
		return "Please enter an email address."
	case v.patternMismatch:
		return "Please match the requested format."
	case v.rangeUnderflow:
		mn, _ := getAttr(x.n, "min")
		return "Value must be greater than or equal to " + mn + "."
	case v.rangeOverflow:
		mx, _ := getAttr(x.n, "max")
		return "Value must be less than or equal to " + mx + "."
	case v.stepMismatch:
		return "Please enter a valid value."
	}
	return ""
}

func (x *node) validityObject() goja.Value {
	v := x.validity()
	o := x.d.rt.NewObject()
	for _, f := range []struct {
		k string
		b bool
	}{{"valueMissing", v.valueMissing}, {"typeMismatch", v.typeMismatch}, {"patternMismatch", v.patternMismatch},
		{"tooLong", false}, {"tooShort", false}, {"rangeUnderflow", v.rangeUnderflow}, {"rangeOverflow", v.rangeOverflow},
		{"stepMismatch", v.stepMismatch}, {"badInput", false}, {"customError", v.customError}, {"valid", v.valid()}} {
		_ = o.Set(f.k, f.b)
	}
	return o
}

// checkValidity fires invalid at each failing element (cancelable, not
// bubbling) and reports whether all passed.
func (x *node) checkValidity() bool {
	els := []*html.Node{x.n}
	if isTag(x.n, "form") || isTag(x.n, "fieldset") {
		els = collect(x.n, isFormControl, nil)
		if isTag(x.n, "form") {
			els = x.d.formElements(x.n)
		}
	}
	ok := true
	for _, n := range els {
		c := x.d.state(n)
		if !c.validity().valid() {
			ok = false
			if x.d.events != nil {
				init := x.d.rt.NewObject()
				_ = init.Set("cancelable", true)
				if _, err := x.d.ev().fire(goja.Undefined(), c.obj, x.d.str("invalid"), init); err != nil {
					panic(err)
				}
			}
		}
	}
	return ok
}

func init() {
	for k, m := range map[string]*member{
		"validity": ro(kindElement, func(x *node) goja.Value { return x.validityObject() }),
		"validationMessage": ro(kindElement, func(x *node) goja.Value {
			return x.d.str(x.validationMessage(x.validity()))
		}),
		"willValidate": ro(kindElement, func(x *node) goja.Value { return x.d.rt.ToValue(!x.d.barred(x.n)) }),
		"checkValidity": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
			return x.d.rt.ToValue(x.checkValidity())
		}),
		"reportValidity": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
			return x.d.rt.ToValue(x.checkValidity())
		}),
		"setCustomValidity": fn(kindElement, func(x *node, c goja.FunctionCall) goja.Value {
			x.fs().customError = c.Argument(0).String()
			return goja.Undefined()
		}),
	} {
		members[k] = m
	}
}
