package fidelity

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/symposium/symposium/sandbox-runner/engine"
)

const (
	chromiumPath = "/usr/bin/chromium"
	// virtualBudget is engine.TimerHorizon in ms: Chromium's virtual clock
	// runs as far as Symposium's may.
	virtualBudget = float64(engine.TimerHorizon / time.Millisecond)
	blockTimeout  = 20 * time.Second
	// frameBudget is one 60 Hz frame; maxRounds bounds the steps of
	// virtual time a block may take (see settle).
	frameBudget = 1000.0 / 60
	maxRounds   = 5000
	maxFrames   = 600 // 10 s of animation at 60 Hz
	frameWait   = 250 * time.Millisecond
	nudgeEvery  = 25 * time.Millisecond
	maxStalls   = 12
)

// rendered is what one side produced for a block.
type rendered struct {
	HTML   string
	Logs   []logLine
	Errors []string // uncaught exceptions and unhandled rejections
}

type logLine struct{ Level, Text string }

func (l logLine) String() string { return l.Level + ": " + l.Text }

// browser is one headless Chromium and a loopback server for the pages.
type browser struct {
	ctx   context.Context
	stop  func()
	port  string
	mu    sync.Mutex
	pages map[string]string
	seq   int
}

func startBrowser(t testing.TB) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required under CI: %v", err)
		}
		t.Skipf("chromium not installed (apt-get install -y chromium): %v", err)
	}
	br := &browser{pages: map[string]string{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(br.serve)}
	go srv.Serve(ln)
	_, br.port, _ = net.SplitHostPort(ln.Addr().String())
	dir, err := os.MkdirTemp("", "fidelity-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		// Two tabs render at once; a tab Chromium thinks is hidden gets
		// no animation frames and slower timers.
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.UserDataDir(dir),
	)
	ctx, cancel := chromedp.NewContext(actx)
	br.ctx = ctx
	br.stop = func() {
		cancel()
		cancelAlloc()
		srv.Close()
		os.RemoveAll(dir)
	}
	if err := chromedp.Do(ctx); err != nil { // starts the browser without a timeout
		br.stop()
		t.Fatal(err)
	}
	return br
}

func (br *browser) serve(w http.ResponseWriter, r *http.Request) {
	br.mu.Lock()
	p, ok := br.pages[r.URL.Path]
	br.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(p))
}

// readBody is evaluated once the page has settled.
const readBody = `(() => {
  document.querySelectorAll('script[` + harnessAttr + `]').forEach(s => s.remove());
  return document.body ? document.body.innerHTML : '';
})()`

// tab is one reused browser tab in a browser context of its own; a worker
// renders its blocks one after another in it. The prelude empties localStorage and sessionStorage before
// each block's page runs, so storage starts empty, as on the server.
type tab struct {
	br      *browser
	ctx     context.Context
	cancel  func()
	mu      sync.Mutex
	cur     *rendered // the block being rendered; events go there
	expired chan struct{}
	script  page.ScriptIdentifier
}

func (br *browser) newTab() (*tab, error) {
	// A browser context of its own: tabs rendering at once must not share
	// localStorage (nor see each other's storage events).
	tctx, cancel := chromedp.NewContext(br.ctx, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(tctx); err != nil {
		cancel()
		return nil, fmt.Errorf("open tab: %w", err)
	}
	tb := &tab{br: br, ctx: tctx, cancel: cancel, expired: make(chan struct{}, 1)}
	err := chromedp.Listen(tctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if l, ok := consoleLine(e); ok {
				tb.mu.Lock()
				if tb.cur != nil {
					tb.cur.Logs = append(tb.cur.Logs, l)
				}
				tb.mu.Unlock()
			}
		case *runtime.EventExceptionThrown:
			tb.mu.Lock()
			if tb.cur != nil {
				tb.cur.Errors = append(tb.cur.Errors, exceptionText(e.ExceptionDetails))
			}
			tb.mu.Unlock()
		case *emulation.EventVirtualTimeBudgetExpired:
			select {
			case tb.expired <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		cancel()
		return nil, err
	}
	_, err = chromedp.Run(tctx, func(ctx context.Context, t *chromedp.Target) (struct{}, error) {
		if _, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "UTC"}); err != nil {
			return struct{}{}, err
		}
		_, err := cdp.Call(ctx, t, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en-US"})
		return struct{}{}, err
	})
	if err != nil {
		cancel()
		return nil, err
	}
	return tb, nil
}

func (tb *tab) close() { tb.cancel() }

// run renders b: the page loads, its virtual time runs until it settles
// (see settle), then the body is read.
func (tb *tab) run(b block) (rendered, error) {
	br := tb.br
	br.mu.Lock()
	br.seq++
	seq := br.seq
	path := "/b/" + strconv.Itoa(seq) + "/" + b.Name
	br.pages[path] = pageFor(b)
	br.mu.Unlock()
	defer func() { br.mu.Lock(); delete(br.pages, path); br.mu.Unlock() }()
	url := "http://127.0.0.1:" + br.port + path

	out := &rendered{}
	tb.mu.Lock()
	tb.cur = out
	tb.mu.Unlock()
	defer func() { tb.mu.Lock(); tb.cur = nil; tb.mu.Unlock() }()
	select { // a stale expiry of the previous block
	case <-tb.expired:
	default:
	}

	if debug {
		fmt.Println(b.ID())
	}
	ctx, cancelT := context.WithTimeout(tb.ctx, blockTimeout)
	defer cancelT()
	html, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (string, error) {
		if tb.script != "" {
			if _, err := cdp.Call(ctx, t, page.RemoveScriptToEvaluateOnNewDocument, page.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: tb.script}); err != nil {
				return "", err
			}
		}
		added, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: prelude(b)})
		if err != nil {
			return "", err
		}
		tb.script = added.Identifier
		// Virtual time stands still while the navigation starts; settle
		// then grants it step by step. Granted before, it would run out on
		// the idle old page before the new one arrives.
		if _, err := cdp.Call(ctx, t, emulation.SetVirtualTimePolicy, emulation.SetVirtualTimePolicyParams{
			Policy: emulation.VirtualTimePolicyPause,
		}); err != nil {
			return "", err
		}
		nav, err := cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: url})
		if err != nil {
			return "", err
		}
		if nav.ErrorText != "" {
			return "", fmt.Errorf("navigate: %s", nav.ErrorText)
		}
		if err := tb.settle(ctx, t); err != nil {
			return "", err
		}
		var body string
		if err := evaluate(ctx, t, readBody, false, &body); err != nil {
			return "", fmt.Errorf("reading body: %w", err)
		}
		return body, nil
	})
	if err != nil {
		return rendered{}, err
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	out.HTML = html
	return *out, nil
}

var debug = os.Getenv("FIDELITY_DEBUG") != ""

// pageState is what the prelude reports between steps of virtual time.
type pageState struct {
	Ready  string  `json:"ready"`  // document.readyState
	Frames int     `json:"frames"` // animation frame callbacks requested, not yet run
	Ran    int     `json:"ran"`    // animation frame callbacks run so far
	Next   float64 `json:"next"`   // ms of virtual time until the next timer is due; -1 for none
}

const readState = `window.__fidelityState ? window.__fidelityState() : {ready: document.readyState, frames: 0, ran: 0, next: -1}`

// settle runs the page's virtual time until nothing is left to do: the
// document is complete, no timer is pending and no animation frame is
// requested, or the horizon is reached. Time is granted up to the next timer,
// or one 60 Hz frame while frames are pending, so frames and timers
// interleave as they would in a browser that is given the time. One large
// budget would not do: headless Chromium draws frames on its compositor's
// clock, between steps of virtual time, not within them; so after a frame's
// worth of time the harness also waits (in real time, briefly) for the frame.
func (tb *tab) settle(ctx context.Context, t *chromedp.Target) error {
	var used float64
	frames, stalls := 0, 0
	for round := 0; ; round++ {
		var st pageState
		if err := evaluate(ctx, t, readState, false, &st); err != nil {
			return err
		}
		if debug {
			fmt.Printf("  state %+v used %.1f\n", st, used)
		}
		if st.Ready == "complete" && st.Frames == 0 && st.Next < 0 {
			return nil
		}
		// The horizon: Symposium drops timers due after it, so the
		// browser is not given time beyond it either.
		if used >= virtualBudget || st.Frames == 0 && st.Next > virtualBudget-used {
			return nil
		}
		if round == maxRounds {
			return fmt.Errorf("still busy after %d steps of virtual time (%.0f ms): %+v", maxRounds, used, st)
		}
		step := frameBudget // a frame, or loading: let it progress
		if st.Next >= 0 && (st.Frames == 0 || st.Next < step) {
			step = st.Next
		}
		step = min(max(step, 1), virtualBudget-used)
		if err := tb.advance(ctx, t, emulation.VirtualTimePolicyPauseIfNetworkFetchesPending, step); err != nil {
			return fmt.Errorf("virtual time: %w", err)
		}
		used += step
		if st.Frames == 0 || st.Ready != "complete" {
			continue
		}
		if frames++; frames > maxFrames {
			// Its DOM depends on when one looks: not comparable, and
			// 60 s of frames would take a minute of real time.
			return fmt.Errorf("an animation that never settles: frames still requested after %d frames of virtual time", maxFrames)
		}
		drawn, granted, err := tb.waitFrame(ctx, t, st.Ran)
		if err != nil {
			return err
		}
		used += granted
		if stalls = stalls + 1; drawn {
			stalls = 0
		}
		if stalls > maxStalls {
			return fmt.Errorf("headless Chromium drew no frame in %d frames of time: under virtual time it draws only when something on screen changed, so a frame callback that changes nothing gets no next frame (a limit of the harness, not a difference)", maxStalls)
		}
	}
}

// waitFrame gives Chromium a moment of real time to draw a pending frame
// (it draws on its own clock) and reports whether frame callbacks ran. While
// it waits it grants a millisecond of virtual time now and then, as the
// frame's tasks may be waiting on it; a frame that does not come in time may
// come in a later step. It returns the virtual time it granted.
func (tb *tab) waitFrame(ctx context.Context, t *chromedp.Target, ran int) (bool, float64, error) {
	deadline := time.Now().Add(frameWait)
	nudge := time.Now().Add(nudgeEvery)
	granted := 0.0
	for {
		var st pageState
		if err := evaluate(ctx, t, readState, false, &st); err != nil {
			return false, granted, err
		}
		if st.Ran != ran || st.Frames == 0 {
			return true, granted, nil
		}
		now := time.Now()
		if now.After(deadline) {
			return false, granted, nil
		}
		if now.After(nudge) {
			if err := tb.advance(ctx, t, emulation.VirtualTimePolicyPauseIfNetworkFetchesPending, 1); err != nil {
				return false, granted, err
			}
			granted++
			nudge = now.Add(nudgeEvery)
			continue
		}
		select {
		case <-time.After(2 * time.Millisecond):
		case <-ctx.Done():
			return false, granted, ctx.Err()
		}
	}
}

// evaluate runs an expression in the page and decodes its value into v (nil:
// ignore it); await waits for a promise.
func evaluate(ctx context.Context, t *chromedp.Target, expr string, await bool, v any) error {
	res, err := cdp.Call(ctx, t, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, ReturnByValue: ptr(true), AwaitPromise: ptr(await)})
	if err != nil {
		return err
	}
	if res.ExceptionDetails != nil {
		return fmt.Errorf("%s: %s", expr, exceptionText(res.ExceptionDetails))
	}
	if v == nil {
		return nil
	}
	return unmarshalValue(res.Result, v)
}

// advance grants virtual time and waits until it has been used.
func (tb *tab) advance(ctx context.Context, t *chromedp.Target, policy emulation.VirtualTimePolicy, budget float64) error {
	if _, err := cdp.Call(ctx, t, emulation.SetVirtualTimePolicy, emulation.SetVirtualTimePolicyParams{Policy: policy, Budget: &budget}); err != nil {
		return err
	}
	select {
	case <-tb.expired:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func ptr[T any](v T) *T { return &v }

// exceptionText is "TypeError: x is not a function", without "Uncaught" and
// without the stack.
func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return ""
	}
	if d.Exception != nil {
		s := d.Exception.Description
		if s == "" {
			s = remoteText(d.Exception, true)
		}
		s, _, _ = strings.Cut(s, "\n    at ")
		return s
	}
	return strings.TrimPrefix(d.Text, "Uncaught ")
}
