package engine

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"math"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// Web APIs beyond the DOM, each a global built on first read (registerGlobal),
// so a block pays only for what it touches. The classes are written in
// JavaScript (webapi_*.go hold their source), compiled once per process and
// run in a runtime the first time a block names one of them; the work that
// must be exact or fast (URL parsing, UTF-8, base64, randomness, media
// queries) is Go, reached through the natives object.

// What a script sees, fixed and documented (README "What a script sees").
const (
	// ViewportWidth and ViewportHeight are innerWidth/innerHeight, screen and
	// what matchMedia evaluates against; there is no layout, only this answer.
	ViewportWidth, ViewportHeight = 1280, 800
	// UserAgent is navigator.userAgent.
	UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
	// HardwareConcurrency is navigator.hardwareConcurrency.
	HardwareConcurrency = 4
	// storageQuota bounds each storage area (keys plus values, in UTF-16
	// code units), as Chromium's 5 MiB per origin does.
	storageQuota = 5 << 20
)

// webState is one execution's state of the web APIs.
type webState struct {
	modules map[*jsModule]*goja.Object
	natives *goja.Object

	perfStarted bool
	perfReal    time.Time
	perfVirtual int64

	storages [2]*storage
}

func (ex *execution) web() *webState {
	if ex.console.web == nil {
		ex.console.web = &webState{modules: make(map[*jsModule]*goja.Object, 2)}
	}
	return ex.console.web
}

// webNotice raises a notice (the lifecycle's list, which keeps each once).
func (ex *execution) webNotice(msg string) { ex.notice(msg) }

// perfNow is performance.now(): milliseconds on the virtual clock, which
// real time drives forward while a script runs, so a busy loop on it ends.
// Like Chromium without cross-origin isolation, it has 100 µs resolution.
func (ex *execution) perfNow() float64 {
	w := ex.web()
	if !w.perfStarted {
		w.perfStarted, w.perfReal, w.perfVirtual = true, time.Now(), ex.loop.now
	}
	real := float64(w.perfVirtual) + float64(time.Since(w.perfReal))/float64(time.Millisecond)
	t := math.Max(real, float64(ex.loop.now))
	return math.Floor(t*10) / 10
}

// jsModule is a piece of JavaScript that builds one or more globals: a
// function expression taking (natives, global) and returning an object of
// exports. Compiled once per process; run once per execution that uses it.
type jsModule struct {
	name, src string
	once      sync.Once
	prg       *goja.Program
	err       error
}

func (m *jsModule) program() (*goja.Program, error) {
	m.once.Do(func() { m.prg, m.err = goja.Compile(m.name, "("+m.src+")", true) })
	return m.prg, m.err
}

// module returns the exports of m in this execution.
func (ex *execution) module(m *jsModule) *goja.Object {
	w := ex.web()
	if e, ok := w.modules[m]; ok {
		return e
	}
	prg, err := m.program()
	if err != nil {
		panic(fmt.Sprintf("engine: web API %s does not compile: %v", m.name, err)) // a bug in this package
	}
	fv, err := ex.rt.RunProgram(prg)
	if err != nil {
		panic(err)
	}
	f, _ := goja.AssertFunction(fv)
	e, err := f(goja.Undefined(), ex.natives(), ex.rt.GlobalObject())
	if err != nil {
		panic(err)
	}
	obj := e.ToObject(ex.rt)
	w.modules[m] = obj
	return obj
}

// export registers globals that m exports under the same names.
func export(m *jsModule, names ...string) {
	for _, n := range names {
		registerGlobal(n, func(ex *execution) goja.Value { return ex.module(m).Get(n) })
	}
}

// natives are the Go halves of the JavaScript modules, built on first use.
func (ex *execution) natives() *goja.Object {
	w := ex.web()
	if w.natives == nil {
		w.natives = ex.lazy(ex.native, nativeNames...)
	}
	return w.natives
}

var nativeNames = []string{"now", "timeOrigin", "random", "uuid", "utf8Encode", "utf8Decode", "parseURL",
	"setURL", "notice", "isNode", "digest", "matchMedia", "viewport", "userAgent", "hardwareConcurrency", "pageURL",
	"hostFetch", "statusText"}

func (ex *execution) native(name string) goja.Value {
	rt := ex.rt
	switch name {
	case "now":
		return ex.function(name, func(goja.FunctionCall) goja.Value { return rt.ToValue(ex.perfNow()) })
	case "timeOrigin":
		// Date.now() at performance's zero: the runtime's clock, minus now().
		return ex.function(name, func(goja.FunctionCall) goja.Value {
			now := ex.perfNow()
			d, _ := goja.AssertFunction(rt.Get("Date").ToObject(rt).Get("now"))
			v, _ := d(goja.Undefined())
			return rt.ToValue(math.Floor((v.ToFloat()-now)*10) / 10)
		})
	case "random":
		// random(buffer, offset, length) fills bytes from the kernel's CSPRNG.
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			b := bufferBytes(c.Argument(0), c.Argument(1), c.Argument(2))
			if _, err := rand.Read(b); err != nil {
				panic(rt.NewGoError(err))
			}
			return goja.Undefined()
		})
	case "digest":
		// digest(name, buffer, offset, length) -> ArrayBuffer, or null for
		// an algorithm Web Crypto does not name.
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			var h hash.Hash
			switch c.Argument(0).String() {
			case "SHA-1":
				h = sha1.New()
			case "SHA-256":
				h = sha256.New()
			case "SHA-384":
				h = sha512.New384()
			case "SHA-512":
				h = sha512.New()
			default:
				return goja.Null()
			}
			h.Write(bufferBytes(c.Argument(1), c.Argument(2), c.Argument(3)))
			return rt.ToValue(rt.NewArrayBuffer(h.Sum(nil)))
		})
	case "uuid":
		return ex.function(name, func(goja.FunctionCall) goja.Value { return rt.ToValue(randomUUID()) })
	case "utf8Encode":
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			return rt.ToValue(rt.NewArrayBuffer(utf8Encode(c.Argument(0).String())))
		})
	case "utf8Decode":
		// utf8Decode(buffer, offset, length, fatal, ignoreBOM) -> string, or
		// null when fatal and the bytes are not UTF-8.
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			s, ok := utf8Decode(bufferBytes(c.Argument(0), c.Argument(1), c.Argument(2)), c.Argument(3).ToBoolean(), c.Argument(4).ToBoolean())
			if !ok {
				return goja.Null()
			}
			return rt.ToValue(s)
		})
	case "parseURL":
		// parseURL(input, base?) -> [href, protocol, username, password,
		// hostname, port, pathname, search, hash] or null.
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			base := ""
			if b := c.Argument(1); !goja.IsUndefined(b) {
				base = b.String()
			}
			u, ok := parseURL(c.Argument(0).String(), base)
			if !ok {
				return goja.Null()
			}
			return u.parts(rt)
		})
	case "setURL":
		// setURL(href, part, value) -> the parts after the setter, or null
		// when the setter leaves the URL as it was.
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			u, ok := parseURL(c.Argument(0).String(), "")
			if !ok || !u.set(c.Argument(1).String(), c.Argument(2).String()) {
				return goja.Null()
			}
			return u.parts(rt)
		})
	case "notice":
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			ex.webNotice(c.Argument(0).String())
			return goja.Undefined()
		})
	case "isNode":
		// isNode(v) -> the node's interface name, or null for anything else.
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			obj, ok := c.Argument(0).(*goja.Object)
			if _, node := ex.dom.Describe(obj); !ok || !node {
				return goja.Null()
			}
			return ex.rt.ToValue(ex.nodeInterface(obj))
		})
	case "matchMedia":
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			return rt.ToValue(matchMedia(c.Argument(0).String()))
		})
	case "viewport":
		return rt.ToValue([]any{ViewportWidth, ViewportHeight})
	case "userAgent":
		return rt.ToValue(UserAgent)
	case "hardwareConcurrency":
		return rt.ToValue(HardwareConcurrency)
	case "pageURL":
		return rt.ToValue(DocumentURL) // lifecycle.go
	case "hostFetch":
		return ex.function(name, ex.hostFetch) // webapi_fetch.go
	case "statusText":
		return ex.function(name, func(c goja.FunctionCall) goja.Value {
			return rt.ToValue(statusText(int(c.Argument(0).ToInteger())))
		})
	}
	return goja.Undefined()
}

// bufferBytes is the byte window of an ArrayBuffer (shared, not copied).
func bufferBytes(buf, offset, length goja.Value) []byte {
	ab, ok := buf.Export().(goja.ArrayBuffer)
	if !ok {
		return nil
	}
	b := ab.Bytes()
	off, n := offset.ToInteger(), length.ToInteger()
	if off < 0 || n < 0 || off+n > int64(len(b)) {
		return nil
	}
	return b[off : off+n]
}

func randomUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails on Linux (getrandom)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func init() {
	// Dialogs: nobody is there to answer on a server render.
	dialog := func(name string, answer func(*execution) goja.Value, says string) {
		registerGlobal(name, func(ex *execution) goja.Value {
			return ex.function(name, func(goja.FunctionCall) goja.Value {
				ex.webNotice(name + "() was called; a server render shows no dialog, so it " + says)
				return answer(ex)
			})
		})
	}
	dialog("alert", func(*execution) goja.Value { return goja.Undefined() }, "returned at once")
	dialog("confirm", func(ex *execution) goja.Value { return ex.rt.ToValue(false) }, "returned false")
	dialog("prompt", func(*execution) goja.Value { return goja.Null() }, "returned null")

	number := func(name string, v float64) {
		registerGlobal(name, func(ex *execution) goja.Value { return ex.rt.ToValue(v) })
	}
	number("innerWidth", ViewportWidth)
	number("innerHeight", ViewportHeight)
	number("outerWidth", ViewportWidth)
	number("outerHeight", ViewportHeight)
	number("devicePixelRatio", 1)
}
