package engine

import (
	"slices"
	"unicode/utf16"

	"github.com/dop251/goja"
)

// localStorage and sessionStorage last for one execution: each run starts
// with both empty, as the fidelity suite's fresh browser context does, and
// nothing written survives the run (symposium.saveData is what keeps
// data). The first write raises a notice saying so.
func init() {
	for i, name := range []string{"localStorage", "sessionStorage"} {
		registerGlobal(name, func(ex *execution) goja.Value {
			w := ex.web()
			if w.storages[i] == nil {
				w.storages[i] = &storage{ex: ex, name: name, vals: make(map[string]string)}
			}
			return ex.rt.NewDynamicObject(w.storages[i])
		})
	}
}

// storage is a Storage object: items are its own properties, the methods
// come first, as on Storage.prototype.
type storage struct {
	ex      *execution
	name    string
	keys    []string // in insertion order (Chromium's order is its hash table's)
	vals    map[string]string
	used    int
	methods map[string]goja.Value
}

var storageMethods = []string{"getItem", "setItem", "removeItem", "clear", "key"}

func (s *storage) method(name string) goja.Value {
	if m, ok := s.methods[name]; ok {
		return m
	}
	rt := s.ex.rt
	var fn func(goja.FunctionCall) goja.Value
	switch name {
	case "getItem":
		fn = func(c goja.FunctionCall) goja.Value {
			s.need(c, 1, name)
			if v, ok := s.vals[c.Argument(0).String()]; ok {
				return rt.ToValue(v)
			}
			return goja.Null()
		}
	case "setItem":
		fn = func(c goja.FunctionCall) goja.Value {
			s.need(c, 2, name)
			s.setItem(c.Argument(0).String(), c.Argument(1).String())
			return goja.Undefined()
		}
	case "removeItem":
		fn = func(c goja.FunctionCall) goja.Value {
			s.need(c, 1, name)
			s.remove(c.Argument(0).String())
			return goja.Undefined()
		}
	case "clear":
		fn = func(goja.FunctionCall) goja.Value {
			s.keys, s.vals, s.used = nil, make(map[string]string), 0
			return goja.Undefined()
		}
	case "key":
		fn = func(c goja.FunctionCall) goja.Value {
			s.need(c, 1, name)
			i := c.Argument(0).ToInteger()
			if i < 0 || i >= int64(len(s.keys)) {
				return goja.Null()
			}
			return rt.ToValue(s.keys[i])
		}
	}
	m := s.ex.function(name, fn)
	if s.methods == nil {
		s.methods = make(map[string]goja.Value, 2)
	}
	s.methods[name] = m
	return m
}

func (s *storage) need(c goja.FunctionCall, n int, method string) {
	if len(c.Arguments) < n {
		panic(s.ex.rt.NewTypeError("Failed to execute '%s' on 'Storage': %d argument%s required, but only %d present.",
			method, n, map[bool]string{true: "s"}[n > 1], len(c.Arguments)))
	}
}

func units(s string) int { return len(utf16.Encode([]rune(s))) }

func (s *storage) setItem(k, v string) {
	old, had := s.vals[k]
	size := s.used + units(v)
	if had {
		size -= units(old)
	} else {
		size += units(k)
	}
	if size > storageQuota {
		s.ex.throwDOMException("QuotaExceededError", "Failed to execute 'setItem' on 'Storage': Setting the value of '"+k+"' exceeded the quota.")
	}
	s.ex.webNotice(s.name + " was written; it lasts only for this execution (a server render keeps nothing between runs; symposium.saveData keeps data)")
	if !had {
		s.keys = append(s.keys, k)
	}
	s.vals[k], s.used = v, size
}

func (s *storage) remove(k string) {
	old, had := s.vals[k]
	if !had {
		return
	}
	s.keys = slices.DeleteFunc(s.keys, func(x string) bool { return x == k })
	delete(s.vals, k)
	s.used -= units(k) + units(old)
}

func (s *storage) Get(k string) goja.Value {
	if slices.Contains(storageMethods, k) {
		return s.method(k)
	}
	if k == "length" {
		return s.ex.rt.ToValue(len(s.keys))
	}
	if v, ok := s.vals[k]; ok {
		return s.ex.rt.ToValue(v)
	}
	return nil
}

// Set is the named property setter: storage.k = v is setItem(k, String(v)).
func (s *storage) Set(k string, v goja.Value) bool {
	if slices.Contains(storageMethods, k) || k == "length" {
		return true // shadowing the methods is not possible on a Storage either
	}
	s.setItem(k, v.String())
	return true
}

func (s *storage) Has(k string) bool {
	_, ok := s.vals[k]
	return ok || k == "length" || slices.Contains(storageMethods, k)
}

func (s *storage) Delete(k string) bool {
	s.remove(k)
	return true
}

func (s *storage) Keys() []string { return slices.Clone(s.keys) }
