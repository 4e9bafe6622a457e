package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/symposium/symposium/sandbox-runner/dom"
)

// Block is one content block to run.
type Block struct {
	HTML, CSS, JavaScript string
	Data                  []byte // JSON text of the block's data; empty means DATA is null
}

// LogEntry is one captured console call.
type LogEntry struct {
	Level   string // log|info|warn|error|debug
	Message string
}

// ScriptError describes why a script failed.
type ScriptError struct {
	Message, Stack string
}

// Result is what one execution produced.
type Result struct {
	HTML     string // document.body.innerHTML after the script (and its event loop) ran
	CSS      string // the block's CSS, passed through
	Logs     []LogEntry
	Error    *ScriptError // uncaught exception / unhandled rejection / syntax error; nil on success
	TimedOut bool         // the ctx deadline interrupted the script
	// OutOfMemory: the runner's heap watch stopped the script at its soft
	// limit (below the cgroup's), so the answer still arrives.
	OutOfMemory bool
	// Notices are things a browser would not say but an author needs to
	// know, e.g. that click listeners wait for events a server render never
	// fires. Shown beside the console.
	Notices []string
}

// Host is what the supervisor offers the script. Calls run on their own
// goroutines with the Execute context and must honour it.
type Host interface {
	SaveData(ctx context.Context, key string, valueJSON []byte) error
	GetData(ctx context.Context, key string) (valueJSON []byte, found bool, err error)
	DeleteData(ctx context.Context, key string) error
	Fetch(ctx context.Context, url string) (status int, contentType string, body []byte, err error)
}

// Options tune one execution. Zero values take the defaults.
type Options struct {
	Host          Host // nil: symposium.* calls reject with "not available"
	MaxLogEntries int  // default 1000
	MaxLogBytes   int  // default 1 MiB; beyond it logs are truncated with one note
	// Locale and TimeZone are Intl's and toLocale*'s defaults (BLOCK_LOCALE,
	// BLOCK_TIME_ZONE on the supervisor); empty means en-US and UTC.
	Locale, TimeZone string
}

const (
	// MaxHTMLBytes caps the returned body.innerHTML.
	MaxHTMLBytes = 8 << 20
	// MaxTimerCallbacks and TimerHorizon bound the event loop so a
	// never-cleared setInterval ends instead of spinning to the deadline.
	MaxTimerCallbacks = 10000
	TimerHorizon      = 60 * time.Second

	defaultMaxLogEntries = 1000
	defaultMaxLogBytes   = 1 << 20
	maxCallStackSize     = 5000
)

// execution is the state of one Execute call; it lives on one goroutine,
// except for host calls which report back through done.
type execution struct {
	ctx     context.Context
	start   time.Time // when the script began: Date and timers count from it
	rt      *goja.Runtime
	dom     *dom.DOM
	host    Host
	console console
	loop    loop
	intl    intlRuntime // built on first use; see intl.go
	life    lifecycle   // document lifecycle, frames, notices; see lifecycle.go

	errorCtor  goja.Constructor
	jsonParse  goja.Callable
	jsonStr    goja.Callable
	inflight   int
	done       chan func() error
	rejections []*goja.Promise
}

// errTimedOut marks a deadline hit while the loop waited outside JavaScript.
var errTimedOut = errors.New("timed out")

// rejection is an unhandled promise rejection surfaced by the event loop.
type rejection struct{ reason goja.Value }

func (r *rejection) Error() string { return "unhandled promise rejection" }

// executeUnguarded is Execute without its panic guard (guard.go).
func executeUnguarded(ctx context.Context, b Block, opts Options) Result {
	if opts.MaxLogEntries <= 0 {
		opts.MaxLogEntries = defaultMaxLogEntries
	}
	if opts.MaxLogBytes <= 0 {
		opts.MaxLogBytes = defaultMaxLogBytes
	}
	res := Result{CSS: b.CSS}
	rt := goja.New()
	doc, err := dom.New(rt, b.HTML)
	if err != nil {
		res.Error = &ScriptError{Message: err.Error()}
		return res
	}
	hostCtx, cancel := context.WithCancel(ctx)
	defer cancel() // releases host calls still in flight
	ex := &execution{
		ctx:     hostCtx,
		rt:      rt,
		dom:     doc,
		host:    opts.Host,
		console: console{maxEntries: opts.MaxLogEntries, maxBytes: opts.MaxLogBytes},
		intl:    intlRuntime{locale: opts.Locale, timeZone: opts.TimeZone},
		done:    make(chan func() error),
	}
	ex.console.ex = ex

	stop := context.AfterFunc(ctx, func() { rt.Interrupt(ctx.Err()) })
	err = ex.run(b)
	if err != nil {
		ex.fail(&res, err)
		cleanError(res.Error)
	}
	stop()
	res.Logs = ex.console.entries
	res.CSS = finishCSS(doc, b.CSS)
	res.Notices = ex.life.notices

	res.setHTML(doc.BodyHTML(MaxHTMLBytes))
	return res
}

// setHTML records the rendered body, or why it could not be had.
func (res *Result) setHTML(html string, herr error) {
	switch {
	case errors.Is(herr, dom.ErrTooLarge):
		if res.Error == nil {
			res.Error = &ScriptError{Message: fmt.Sprintf("%v: body.innerHTML exceeds %d bytes", ErrHTMLTooLarge, MaxHTMLBytes)}
		}
	case herr != nil:
		res.Error = &ScriptError{Message: herr.Error()}
	default:
		res.HTML = html
	}
}

func (ex *execution) run(b Block) error {
	if err := ex.ctx.Err(); err != nil {
		return errTimedOut
	}
	prg, err := compile(b.JavaScript)
	if err != nil {
		return err
	}
	// Date follows real time, jumped forward to the virtual clock when timers
	// have run ahead of it: a busy loop on Date.now() ends, and a 1 s timer
	// still sees a second pass.
	// Date counts from a whole millisecond, so the milliseconds a script
	// reads from Date.now() are those the timers count (clockMs): a timer
	// set 1000 ms after a Date.now() reading sees exactly 1000 ms pass,
	// whatever fraction of a millisecond the execution started at.
	start := time.Now()
	ex.start = start
	base := start.Truncate(time.Millisecond)
	ex.rt.SetTimeSource(func() time.Time {
		real, virtual := time.Since(start), time.Duration(ex.loop.now)*time.Millisecond
		return base.Add(max(real, virtual))
	})
	ex.rt.SetMaxCallStackSize(maxCallStackSize)
	ex.rt.SetPromiseRejectionTracker(ex.trackRejection)
	ex.installGlobals()
	ex.installLocaleMethods(b.JavaScript, b.HTML)
	ex.installTrig(b.JavaScript, b.HTML) // trig.go
	if err := ex.setData(b.Data); err != nil {
		return err
	}
	ex.installDOM(b.CSS)
	return ex.runDocument(prg)
}

// setData parses the block data into the DATA global (null when empty).
func (ex *execution) setData(data []byte) error {
	v := goja.Null()
	if len(data) > 0 {
		var err error
		if v, err = ex.parseJSON(string(data)); err != nil {
			var jsErr *goja.Exception
			if errors.As(err, &jsErr) {
				return fmt.Errorf("DATA is not valid JSON: %s", jsErr.Value())
			}
			return err
		}
	}
	return ex.rt.Set("DATA", v)
}

func (ex *execution) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	switch op {
	case goja.PromiseRejectionReject:
		ex.rejections = append(ex.rejections, p)
	case goja.PromiseRejectionHandle:
		for i, q := range ex.rejections {
			if q == p {
				ex.rejections = append(ex.rejections[:i], ex.rejections[i+1:]...)
				break
			}
		}
	}
}

// checkRejections runs after each macrotask, when Node reports unhandled
// rejections too.
func (ex *execution) checkRejections() error {
	if len(ex.rejections) == 0 {
		return nil
	}
	return &rejection{reason: ex.rejections[0].Result()}
}

// fail records err in res as a timeout or a script error.
func (ex *execution) fail(res *Result, err error) {
	var (
		interrupted *goja.InterruptedError
		overflow    *goja.StackOverflowError
		exception   *goja.Exception
		syntax      *goja.CompilerSyntaxError
		rej         *rejection
	)
	switch {
	case errors.Is(err, errTimedOut), errors.As(err, &interrupted):
		res.OutOfMemory = overHeapLimit(ex.ctx) // the heap watch, not the deadline (guard.go)
		res.TimedOut = !res.OutOfMemory
	case errors.As(err, &overflow):
		res.Error = &ScriptError{Message: "RangeError: Maximum call stack size exceeded", Stack: frames(overflow.Stack())}
	case errors.As(err, &exception):
		msg, stack := ex.describeThrown(exception.Value())
		if stack == "" {
			stack = msg + "\n" + frames(exception.Stack())
		}
		res.Error = &ScriptError{Message: msg, Stack: stack}
	case errors.As(err, &syntax):
		// goja reports "block.js: Line 1:7 Unexpected token ;".
		msg, pos := syntax.Message, ""
		if at, rest, ok := strings.Cut(msg, ": Line "); ok {
			if lc, m, ok := strings.Cut(rest, " "); ok {
				msg, pos = m, "\tat "+at+":"+lc
			}
		}
		res.Error = &ScriptError{Message: "SyntaxError: " + msg, Stack: pos}
	case errors.As(err, &rej):
		msg, stack := ex.describeThrown(rej.reason)
		res.Error = &ScriptError{Message: "Uncaught (in promise) " + msg, Stack: stack}
	default:
		res.Error = &ScriptError{Message: err.Error()}
	}
}

// describeThrown renders a thrown value: Errors as "Name: message" with their
// own stack, anything else as console.log would print it. User toString code
// may run here; a panic from it falls back to a generic text.
func (ex *execution) describeThrown(v goja.Value) (msg, stack string) {
	defer func() {
		if recover() != nil {
			msg = "uncaught exception"
		}
	}()
	if obj, ok := v.(*goja.Object); ok && obj.ClassName() == "Error" {
		if s := obj.Get("stack"); s != nil && !goja.IsUndefined(s) {
			stack = s.String()
		}
		return obj.String(), stack
	}
	return ex.console.format([]goja.Value{v}), ""
}

func frames(st []goja.StackFrame) string {
	var b bytes.Buffer
	for _, f := range st {
		b.WriteString("\tat ")
		f.Write(&b)
		b.WriteByte('\n')
	}
	return b.String()
}
