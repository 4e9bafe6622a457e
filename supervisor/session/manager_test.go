package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/symposium/symposium/supervisor/isolate"
)

// fakeRuntime is a counter page per session: a click on #inc adds one, a
// "hang" event times out (ending the session), #missing matches nothing,
// and code whose JavaScript says "clock" has a 20 ms timer that counts
// ticks.
type fakeRuntime struct {
	mu     sync.Mutex
	live   map[string]*fakeSession
	closed []string
	ticks  int
}

type fakeSession struct {
	count, ticks int
	clock        bool
}

func newFake() *fakeRuntime { return &fakeRuntime{live: map[string]*fakeSession{}} }

func (f *fakeRuntime) turn(s *fakeSession) *isolate.Turn {
	next := time.Duration(-1)
	if s.clock {
		next = 20 * time.Millisecond
	}
	return &isolate.Turn{Result: isolate.Result{Kind: isolate.KindOK,
		HTML: fmt.Sprintf("<p>%d</p><time>%d</time>", s.count, s.ticks)}, NextTimer: next}
}

func (f *fakeRuntime) OpenSession(_ context.Context, _, sid string, code isolate.Code, _ []byte, _ bool) (*isolate.Turn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.Contains(code.JavaScript, "spin") {
		return &isolate.Turn{Result: isolate.Result{Kind: isolate.KindTimeout, Message: "timed out"}, Ended: true, NextTimer: -1}, nil
	}
	s := &fakeSession{clock: strings.Contains(code.JavaScript, "clock")}
	f.live[sid] = s
	return f.turn(s), nil
}

func (f *fakeRuntime) Dispatch(_ context.Context, _, sid string, ev isolate.UserEvent) (*isolate.Turn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.live[sid]
	if s == nil {
		return nil, isolate.ErrNoSession
	}
	switch {
	case ev.Target == "#missing":
		return nil, fmt.Errorf("%w: %s", isolate.ErrNoTarget, ev.Target)
	case ev.Type == "hang":
		delete(f.live, sid)
		return &isolate.Turn{Result: isolate.Result{Kind: isolate.KindTimeout, Message: "the handler ran too long"}, Ended: true, NextTimer: -1}, nil
	case ev.Type == "click":
		s.count++
	}
	t := f.turn(s)
	t.Logs = []isolate.Log{{Level: "log", Message: fmt.Sprint("count ", s.count)}}
	return t, nil
}

func (f *fakeRuntime) Tick(_ context.Context, _, sid string) (*isolate.Turn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.live[sid]
	if s == nil {
		return nil, isolate.ErrNoSession
	}
	f.ticks++
	s.ticks++
	return f.turn(s), nil
}

func (f *fakeRuntime) CloseSession(_, sid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.live, sid)
	f.closed = append(f.closed, sid)
}

func (f *fakeRuntime) isLive(sid string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.live[sid] != nil
}

func newManager(t *testing.T, rt Runtime, cfg Config) *Manager {
	t.Helper()
	if cfg.InstanceID == "" {
		cfg.InstanceID = "i-a"
	}
	m := New(rt, cfg)
	t.Cleanup(m.Shutdown)
	return m
}

var click = isolate.UserEvent{Type: "click", Target: "#inc"}

func TestCounterAndIDs(t *testing.T) {
	rt := newFake()
	m := newManager(t, rt, Config{})
	ctx := context.Background()
	turn, err := m.Open(ctx, "t1", "b", isolate.Code{}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(turn.SessionID, "i-a~") || len(turn.SessionID) < 10 {
		t.Fatalf("session id %q: want i-a~<random>", turn.SessionID)
	}
	sid := turn.SessionID
	for range 3 {
		if turn, err = m.Event(ctx, "t1", "b", sid, click); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(turn.HTML, "<p>3</p>") {
		t.Fatalf("after 3 clicks: %q", turn.HTML)
	}
	if len(turn.Logs) != 1 || turn.Logs[0].Message != "count 3" {
		t.Fatalf("turn logs are this turn's only: %+v", turn.Logs)
	}
	got, err := m.Get("t1", "b", sid)
	if err != nil || got.HTML != turn.HTML || len(got.Logs) != 3 {
		t.Fatalf("get: %+v %v (want the page and all 3 logs)", got, err)
	}
	// Another tenant, another block: gone, never forbidden.
	if _, err := m.Event(ctx, "t2", "b", sid, click); !errors.Is(err, ErrSessionGone) {
		t.Fatalf("other tenant: %v", err)
	}
	if _, err := m.Get("t1", "other", sid); !errors.Is(err, ErrSessionGone) {
		t.Fatalf("other block: %v", err)
	}
	// Another instance's id, and garbage.
	var moved *MovedError
	if _, err := m.Event(ctx, "t1", "b", "i-b~xyz", click); !errors.As(err, &moved) || moved.Instance != "i-b" {
		t.Fatalf("other instance: %v", err)
	}
	for _, bad := range []string{"", "nope", "~x", "i-a~", "i-a~unknown"} {
		if _, err := m.Event(ctx, "t1", "b", bad, click); !errors.Is(err, ErrSessionGone) {
			t.Fatalf("id %q: %v", bad, err)
		}
	}
	if _, err := m.Event(ctx, "t1", "b", sid, isolate.UserEvent{Type: "click", Target: "#missing"}); !errors.Is(err, isolate.ErrNoTarget) {
		t.Fatalf("missing target: %v", err)
	}
	if _, err := m.Event(ctx, "t1", "b", sid, isolate.UserEvent{Type: "click"}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("no target: %v", err)
	}
	if err := m.Close("t2", "b", sid); !errors.Is(err, ErrSessionGone) {
		t.Fatalf("other tenant's close: %v", err)
	}
	if err := m.Close("t1", "b", sid); err != nil {
		t.Fatal(err)
	}
	if rt.isLive(sid) {
		t.Fatal("close left the runtime's session")
	}
	var gone *GoneError
	if _, err := m.Event(ctx, "t1", "b", sid, click); !errors.As(err, &gone) || gone.Reason != ReasonClosed {
		t.Fatalf("after close: %v", err)
	}
	if st := m.Stats(); st.Open != 0 || st.Opened != 1 || st.Ended[ReasonClosed] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestIndependentSessions(t *testing.T) {
	m := newManager(t, newFake(), Config{})
	ctx := context.Background()
	a, _ := m.Open(ctx, "t", "b", isolate.Code{}, nil, false)
	b, _ := m.Open(ctx, "t", "b", isolate.Code{}, nil, false)
	m.Event(ctx, "t", "b", a.SessionID, click)
	m.Event(ctx, "t", "b", a.SessionID, click)
	tb, err := m.Event(ctx, "t", "b", b.SessionID, click)
	if err != nil || !strings.Contains(tb.HTML, "<p>1</p>") {
		t.Fatalf("b: %+v %v", tb, err)
	}
	ta, _ := m.Get("t", "b", a.SessionID)
	if !strings.Contains(ta.HTML, "<p>2</p>") {
		t.Fatalf("a: %q", ta.HTML)
	}
}

func TestRateLimit(t *testing.T) {
	m := newManager(t, newFake(), Config{EventsPerSecond: 5})
	ctx := context.Background()
	turn, _ := m.Open(ctx, "t", "b", isolate.Code{}, nil, false)
	var limited *RateError
	n := 0
	for range 30 {
		_, err := m.Event(ctx, "t", "b", turn.SessionID, click)
		if errors.As(err, &limited) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if limited == nil || n < 9 || n > 11 || limited.RetryAfter <= 0 || limited.RetryAfter > time.Second {
		t.Fatalf("burst of %d events before the limit (want 10 = 2x5/s), err %+v", n, limited)
	}
	time.Sleep(250 * time.Millisecond)
	if _, err := m.Event(ctx, "t", "b", turn.SessionID, click); err != nil {
		t.Fatalf("a token should be back after 200 ms: %v", err)
	}
}

func TestMaxSessions(t *testing.T) {
	m := newManager(t, newFake(), Config{MaxSessions: 2, MaxPerOwner: 10})
	ctx := context.Background()
	a, _ := m.Open(ctx, "t", "b", isolate.Code{}, nil, false)
	m.Open(ctx, "t", "b", isolate.Code{}, nil, false)
	if _, err := m.Open(ctx, "t", "b", isolate.Code{}, nil, false); !errors.Is(err, ErrSessionLimit) {
		t.Fatalf("third: %v", err)
	}
	m.Close("t", "b", a.SessionID)
	if _, err := m.Open(ctx, "t", "b", isolate.Code{}, nil, false); err != nil {
		t.Fatalf("after a close: %v", err)
	}
}

// watcher collects updates.
type watcher struct {
	mu sync.Mutex
	us []Update
	ch chan Update
}

func watch(m *Manager, sid string) (*watcher, func()) {
	w := &watcher{ch: make(chan Update, 100)}
	cancel := m.Watch(sid, func(u Update) {
		w.mu.Lock()
		w.us = append(w.us, u)
		w.mu.Unlock()
		w.ch <- u
	})
	return w, cancel
}

func (w *watcher) next(t *testing.T, within time.Duration) Update {
	t.Helper()
	select {
	case u := <-w.ch:
		return u
	case <-time.After(within):
		t.Fatalf("no update within %v", within)
	}
	return Update{}
}

func TestIdleEnds(t *testing.T) {
	rt := newFake()
	m := newManager(t, rt, Config{IdleTimeout: 400 * time.Millisecond})
	ctx := context.Background()
	turn, _ := m.Open(ctx, "t", "b", isolate.Code{}, nil, false)
	w, _ := watch(m, turn.SessionID)
	// Activity keeps it.
	for range 3 {
		time.Sleep(100 * time.Millisecond)
		if _, err := m.Event(ctx, "t", "b", turn.SessionID, click); err != nil {
			t.Fatalf("active session ended: %v", err)
		}
	}
	u := w.next(t, 2*time.Second)
	if !u.Ended || u.Reason != ReasonIdle {
		t.Fatalf("update %+v: want ended idle", u)
	}
	if rt.isLive(turn.SessionID) {
		t.Fatal("idle end left the runtime's session")
	}
	var gone *GoneError
	if _, err := m.Get("t", "b", turn.SessionID); !errors.As(err, &gone) || gone.Reason != ReasonIdle {
		t.Fatalf("get after idle: %v", err)
	}
}

func TestTimersPushChanges(t *testing.T) {
	rt := newFake()
	m := newManager(t, rt, Config{MinTick: 50 * time.Millisecond})
	ctx := context.Background()
	turn, err := m.Open(ctx, "t", "b", isolate.Code{JavaScript: "clock"}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	w, cancel := watch(m, turn.SessionID)
	start := time.Now()
	var last Update
	for range 4 {
		last = w.next(t, time.Second)
		if !last.HTMLChanged || last.Ended || last.Turn == nil {
			t.Fatalf("tick update %+v", last)
		}
	}
	// 20 ms timers are held to MinTick (50 ms) apart: 4 ticks take >= 150 ms.
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Fatalf("4 ticks in %v: MinTick not honoured", el)
	}
	if !strings.Contains(last.Turn.HTML, "<time>4</time>") {
		t.Fatalf("after 4 ticks: %q", last.Turn.HTML)
	}
	got, _ := m.Get("t", "b", turn.SessionID)
	if !strings.Contains(got.HTML, "<time>") {
		t.Fatalf("get: %q", got.HTML)
	}
	cancel()
	m.Close("t", "b", turn.SessionID)
	rt.mu.Lock()
	n := rt.ticks
	rt.mu.Unlock()
	time.Sleep(150 * time.Millisecond)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.ticks != n {
		t.Fatalf("ticks went on after close: %d -> %d", n, rt.ticks)
	}
}

func TestTurnEndings(t *testing.T) {
	rt := newFake()
	m := newManager(t, rt, Config{})
	ctx := context.Background()
	// A first render that timed out keeps nothing.
	turn, err := m.Open(ctx, "t", "b", isolate.Code{JavaScript: "spin"}, nil, false)
	if err != nil || !turn.Ended || turn.Kind != isolate.KindTimeout {
		t.Fatalf("spinning open: %+v %v", turn, err)
	}
	if m.Stats().Open != 0 {
		t.Fatal("an ended first render was kept")
	}
	// A handler that times out answers ended; the next event is gone.
	turn, _ = m.Open(ctx, "t", "b", isolate.Code{}, nil, false)
	m.Event(ctx, "t", "b", turn.SessionID, click)
	w, _ := watch(m, turn.SessionID)
	res, err := m.Event(ctx, "t", "b", turn.SessionID, isolate.UserEvent{Type: "hang", Target: "button"})
	if err != nil || !res.Ended || res.Kind != isolate.KindTimeout {
		t.Fatalf("hang: %+v %v", res, err)
	}
	var gone *GoneError
	if _, err := m.Event(ctx, "t", "b", turn.SessionID, click); !errors.As(err, &gone) || gone.Reason != ReasonTimeout {
		t.Fatalf("after timeout: %v", err)
	}
	select {
	case u := <-w.ch:
		t.Fatalf("the caller was told; watchers should not get a second ending: %+v", u)
	case <-time.After(50 * time.Millisecond):
	}
	// The runtime lost the session (isolate gone): gone, isolate_ended.
	turn, _ = m.Open(ctx, "t", "b", isolate.Code{}, nil, false)
	rt.CloseSession("b", turn.SessionID)
	if _, err := m.Event(ctx, "t", "b", turn.SessionID, click); !errors.As(err, &gone) || gone.Reason != ReasonIsolateEnded {
		t.Fatalf("runtime lost it: %v", err)
	}
}

func TestEndBlockCodeChangedAndIsolateEnded(t *testing.T) {
	rt := newFake()
	m := newManager(t, rt, Config{})
	ctx := context.Background()
	code := isolate.Code{HTML: "<button id=inc>+</button>"}
	a, _ := m.Open(ctx, "t", "b", code, nil, false)
	b, _ := m.Open(ctx, "t", "b", code, nil, false)
	other, _ := m.Open(ctx, "t", "c", code, nil, false)
	wa, _ := watch(m, a.SessionID)
	// Same code (a data-only update): nothing ends.
	m.CodeChanged("b", CodePatch{HTML: &code.HTML})
	if m.Stats().Open != 3 {
		t.Fatal("unchanged code ended sessions")
	}
	js := "x"
	m.CodeChanged("b", CodePatch{JavaScript: &js})
	if u := wa.next(t, time.Second); !u.Ended || u.Reason != ReasonCodeChanged {
		t.Fatalf("code change: %+v", u)
	}
	var gone *GoneError
	if _, err := m.Event(ctx, "t", "b", b.SessionID, click); !errors.As(err, &gone) || gone.Reason != ReasonCodeChanged {
		t.Fatalf("b after code change: %v", err)
	}
	if _, err := m.Event(ctx, "t", "c", other.SessionID, click); err != nil {
		t.Fatalf("another block's session ended: %v", err)
	}
	wo, _ := watch(m, other.SessionID)
	m.IsolateEnded("c", []string{other.SessionID}, isolate.EventEvicted)
	if u := wo.next(t, time.Second); !u.Ended || u.Reason != ReasonIsolateEnded {
		t.Fatalf("isolate ended: %+v", u)
	}
	d, _ := m.Open(ctx, "t", "c", code, nil, false)
	wd, _ := watch(m, d.SessionID)
	m.EndBlock("c", ReasonDeleted)
	if u := wd.next(t, time.Second); !u.Ended || u.Reason != ReasonDeleted {
		t.Fatalf("deleted: %+v", u)
	}
	if rt.isLive(d.SessionID) {
		t.Fatal("EndBlock left the runtime's session")
	}
}

func TestShutdown(t *testing.T) {
	rt := newFake()
	m := New(rt, Config{InstanceID: "i-x"})
	turn, _ := m.Open(context.Background(), "t", "b", isolate.Code{JavaScript: "clock"}, nil, false)
	w, _ := watch(m, turn.SessionID)
	m.Shutdown()
	if u := w.next(t, time.Second); u.Reason != ReasonShutdown {
		t.Fatalf("%+v", u)
	}
	if _, err := m.Open(context.Background(), "t", "b", isolate.Code{}, nil, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("open after shutdown: %v", err)
	}
}

func TestConcurrentEventsSerialise(t *testing.T) {
	m := newManager(t, newFake(), Config{EventsPerSecond: -1})
	ctx := context.Background()
	turn, _ := m.Open(ctx, "t", "b", isolate.Code{JavaScript: "clock"}, nil, false)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				if _, err := m.Event(ctx, "t", "b", turn.SessionID, click); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, _ := m.Get("t", "b", turn.SessionID)
	if !strings.Contains(got.HTML, "<p>200</p>") {
		t.Fatalf("200 clicks: %q", got.HTML)
	}
}

// One tenant cannot take every session of the instance.
func TestMaxSessionsPerOwner(t *testing.T) {
	m := newManager(t, newFake(), Config{MaxSessions: 10, MaxPerOwner: 2})
	ctx := context.Background()
	for range 2 {
		if _, err := m.Open(ctx, "t", "b", isolate.Code{}, nil, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Open(ctx, "t", "b2", isolate.Code{}, nil, false); !errors.Is(err, ErrOwnerLimit) {
		t.Fatalf("third of one tenant: %v, want ErrOwnerLimit", err)
	}
	if _, err := m.Open(ctx, "u", "b", isolate.Code{}, nil, false); err != nil {
		t.Fatalf("another tenant: %v", err)
	}
}

// gatedRuntime holds every OpenSession until released, so a test can end
// the block's sessions while a first render runs.
type gatedRuntime struct {
	*fakeRuntime
	entered chan string
	release chan struct{}
}

func (g *gatedRuntime) OpenSession(ctx context.Context, b, sid string, code isolate.Code, data []byte, ann bool) (*isolate.Turn, error) {
	g.entered <- sid
	<-g.release
	return g.fakeRuntime.OpenSession(ctx, b, sid, code, data, ann)
}

// A delete, a code change or the isolate's end while a session opens wins:
// the open closes what it made and answers gone with the reason.
func TestOpenRacingTheBlocksEndLosesIt(t *testing.T) {
	for name, end := range map[string]func(m *Manager, sid string){
		"deleted":      func(m *Manager, _ string) { m.EndBlock("b", ReasonDeleted) },
		"code_changed": func(m *Manager, _ string) { m.CodeChanged("b", FullCode(isolate.Code{JavaScript: "new"})) },
		"isolate_ended": func(m *Manager, sid string) {
			m.IsolateEnded("b", []string{sid}, isolate.EventEvicted)
			time.Sleep(50 * time.Millisecond) // IsolateEnded works off the caller's goroutine
		},
	} {
		t.Run(name, func(t *testing.T) {
			g := &gatedRuntime{fakeRuntime: newFake(), entered: make(chan string, 1), release: make(chan struct{})}
			m := newManager(t, g, Config{})
			done := make(chan error, 1)
			go func() {
				_, err := m.Open(context.Background(), "t", "b", isolate.Code{JavaScript: "old"}, nil, false)
				done <- err
			}()
			sid := <-g.entered
			end(m, sid)
			close(g.release)
			err := <-done
			var gone *GoneError
			if !errors.As(err, &gone) || string(gone.Reason) != name {
				t.Fatalf("open: %v, want gone (%s)", err, name)
			}
			if m.Stats().Open != 0 {
				t.Fatalf("%d sessions kept", m.Stats().Open)
			}
			if name != "isolate_ended" && g.isLive(sid) {
				t.Fatal("the runtime's session was not closed")
			}
		})
	}
	// A data-only change does not stop an open.
	g := &gatedRuntime{fakeRuntime: newFake(), entered: make(chan string, 1), release: make(chan struct{})}
	m := newManager(t, g, Config{})
	done := make(chan error, 1)
	go func() {
		_, err := m.Open(context.Background(), "t", "b", isolate.Code{JavaScript: "same"}, nil, false)
		done <- err
	}()
	<-g.entered
	m.CodeChanged("b", FullCode(isolate.Code{JavaScript: "same"}))
	close(g.release)
	if err := <-done; err != nil || m.Stats().Open != 1 {
		t.Fatalf("open across a change that left its code: %v, %d open", err, m.Stats().Open)
	}
}
