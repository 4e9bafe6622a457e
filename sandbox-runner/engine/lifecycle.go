package engine

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/dop251/goja"

	"github.com/symposium/symposium/sandbox-runner/dom"
)

// The document lifecycle, in a browser's order: the HTML's inline scripts
// run in document order and the block's own JavaScript runs after them, as a
// script at the end of body would; then readyState goes interactive,
// DOMContentLoaded fires at document (bubbling to window), readyState goes
// complete and load fires at window. Timers and host results follow in the
// event loop. Microtasks drain after each of these tasks, as goja runs its
// job queue whenever a call from Go returns.

// DocumentURL is location.href of every block and the base of relative
// URLs (a.href, img.src).
const DocumentURL = "https://block.symposium.local/"

var documentURL, _ = url.Parse(DocumentURL)

// lifecycle is the execution's document-lifecycle state.
type lifecycle struct {
	notices []string
	frames  frameQueue
	host    domHost
	// thrown is the first exception a listener threw in this turn of a
	// live session (session.go), which its Result reports; nil outside
	// one.
	thrown *ScriptError
	inTurn bool
}

// domHost is the execution as the DOM sees it (dom.Host); it lives inside
// the execution so installing it allocates nothing.
type domHost struct{ ex *execution }

func (h *domHost) Now() float64                            { return h.ex.perfNow() } // performance.now(), webapi.go
func (h *domHost) SetTimeout(fn goja.Callable, ms float64) { h.ex.timeoutFromGo(fn, ms) }
func (h *domHost) Report(v goja.Value)                     { h.ex.reportThrown(v) }
func (h *domHost) Notice(msg string)                       { h.ex.notice(msg) }
func (h *domHost) ResolveURL(ref string) string            { return resolveURL(ref) }

func init() {
	for _, name := range dom.EventGlobals {
		registerGlobal(name, func(ex *execution) goja.Value { return ex.dom.EventGlobal(name) })
	}
	registerGlobal("requestAnimationFrame", func(ex *execution) goja.Value {
		return ex.function("requestAnimationFrame", ex.requestAnimationFrame)
	})
	registerGlobal("cancelAnimationFrame", func(ex *execution) goja.Value {
		return ex.function("cancelAnimationFrame", ex.cancelAnimationFrame)
	})
	// Scrolling a page with no layout does nothing and it stays at the top.
	for _, name := range []string{"scrollTo", "scrollBy", "scroll"} {
		registerGlobal(name, func(ex *execution) goja.Value {
			return ex.function(name, func(goja.FunctionCall) goja.Value { return goja.Undefined() })
		})
	}
	for _, name := range []string{"scrollX", "scrollY", "pageXOffset", "pageYOffset"} {
		registerGlobal(name, func(ex *execution) goja.Value { return ex.rt.ToValue(0) })
	}
	// A block's page is a top-level window.
	for _, name := range []string{"top", "parent", "frames"} {
		registerGlobal(name, func(ex *execution) goja.Value { return ex.rt.GlobalObject() })
	}
	registerGlobal("frameElement", func(ex *execution) goja.Value { return goja.Null() })
	registerGlobal("getSelection", func(ex *execution) goja.Value {
		return ex.function("getSelection", func(goja.FunctionCall) goja.Value { return goja.Null() })
	})
	for _, name := range dom.WindowGlobals() {
		registerGlobal(name, func(ex *execution) goja.Value { return ex.dom.WindowGlobal(name) })
	}
}

// installDOM connects the DOM to this execution and gives window named
// access to elements by id (window.chart for <div id="chart">), below every
// other global as in browsers.
func (ex *execution) installDOM(css string) {
	g := ex.rt.GlobalObject()
	ex.life.host.ex = ex
	ex.dom.SetHooks(dom.Hooks{Window: g, CSS: css, Host: &ex.life.host})
	if scope := g.Prototype(); scope != nil {
		named := ex.rt.NewDynamicObject(ex.dom.NamedAccess())
		_ = named.SetPrototype(scope.Prototype())
		_ = scope.SetPrototype(named)
	}
}

func resolveURL(ref string) string {
	u, err := documentURL.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ref
	}
	return u.String()
}

func (ex *execution) notice(msg string) {
	for _, n := range ex.life.notices {
		if n == msg {
			return
		}
	}
	ex.life.notices = append(ex.life.notices, msg)
}

// reportThrown is how a browser "reports" an exception a listener threw:
// the dispatch goes on, the page keeps running, and the console shows it
// as DevTools does ("Uncaught Error: ..."). A script's own call of
// dispatchEvent or click() cannot catch it either.
func (ex *execution) reportThrown(v goja.Value) {
	msg, stack := ex.describeThrown(v)
	ex.console.add("error", "Uncaught "+msg)
	if ex.life.inTurn && ex.life.thrown == nil {
		ex.life.thrown = &ScriptError{Message: msg, Stack: stack}
	}
}

// timeoutFromGo schedules fn like setTimeout (AbortSignal.timeout uses it).
func (ex *execution) timeoutFromGo(fn goja.Callable, ms float64) {
	ex.setTimer(false)(goja.FunctionCall{Arguments: []goja.Value{ex.rt.ToValue(fn), ex.rt.ToValue(ms)}})
}

// runDocument runs the inline scripts, the block's program and the
// lifecycle events, then the event loop.
func (ex *execution) runDocument(main *goja.Program) error {
	d := ex.dom
	if !ex.loop.live { // a live page does get its user events
		defer ex.listenerNotices()
	}
	d.BeginLoading()
	scripts, skipped := d.Scripts()
	for _, src := range skipped {
		ex.notice(fmt.Sprintf("<script src=%q> was not loaded: a server render runs inline scripts only", src))
	}
	var modules []dom.Script
	for _, s := range scripts {
		if s.Module {
			modules = append(modules, s)
		} else if err := ex.runScript(s); err != nil {
			return err
		}
	}
	if err := ex.runProgram(main, nil); err != nil {
		return err
	}
	for _, s := range modules { // module scripts are deferred until parsing ends
		if err := ex.runScript(s); err != nil {
			return err
		}
	}
	for step := range 4 {
		if err := ex.guard(step); err != nil {
			return err
		}
		if err := ex.afterTask(); err != nil {
			return err
		}
	}
	return ex.runLoop()
}

// runScript runs an inline script of the HTML with the document parsed up
// to it (module scripts run when parsing is done).
func (ex *execution) runScript(s dom.Script) error {
	p, err := compile(s.Source)
	if err != nil {
		return err
	}
	resume := func() {}
	if !s.Module {
		resume = ex.dom.ParsedUpTo(s.Element)
	}
	err = ex.runProgram(p, s.Element)
	resume()
	return err
}

// runProgram runs one script as a task, with document.currentScript set.
func (ex *execution) runProgram(p *goja.Program, el goja.Value) error {
	ex.dom.SetCurrentScript(el)
	_, err := ex.rt.RunProgram(p)
	ex.dom.SetCurrentScript(nil)
	if err != nil {
		return err
	}
	return ex.afterTask()
}

// guard runs lifecycle step i (readyState interactive, DOMContentLoaded,
// readyState complete, load), turning a goja panic (an exception or an
// interrupt escaping a native call) into an error.
func (ex *execution) guard(i int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			switch e := r.(type) {
			case *goja.Exception:
				err = e
			case *goja.InterruptedError:
				err = e
			case error:
				err = e
			default:
				panic(r)
			}
		}
	}()
	switch d := ex.dom; i {
	case 0:
		d.SetReadyState("interactive")
	case 1:
		d.FireDOMContentLoaded()
	case 2:
		d.SetReadyState("complete")
	case 3:
		d.FireLoad()
	}
	return nil
}

// afterTask is the end of a task, where unhandled rejections surface.
func (ex *execution) afterTask() error { return ex.checkRejections() }

func (ex *execution) listenerNotices() {
	for _, n := range ex.dom.ListenerNotices() {
		ex.notice(n)
	}
}

// finishCSS is Result.CSS: the block's CSS after the page's own <style>
// elements in head (a pasted whole page keeps its styles).
func finishCSS(d *dom.DOM, css string) string {
	head := d.HeadCSS()
	switch {
	case head == "":
		return css
	case css == "":
		return head
	}
	return head + "\n" + css
}
