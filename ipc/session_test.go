package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/symposium/symposium/ipc/sandboxpb"
)

// fakeSessions records what reached the runner side and answers by session id.
type fakeSessions struct {
	got     chan any
	closed  chan string
	timeout time.Duration
}

func (f *fakeSessions) Execute(context.Context, Request, Host) (Response, error) {
	return Response{}, nil
}

func (f *fakeSessions) OpenSession(_ context.Context, req SessionRequest, host Host) (SessionResponse, error) {
	f.got <- req
	if host != nil {
		return SessionResponse{}, errors.New("a host without a broker id")
	}
	if req.SessionID == "full" {
		return SessionResponse{}, fmt.Errorf("runner: %w", ErrSessionLimit)
	}
	return SessionResponse{Response: Response{HTML: "<p>0</p>", CSS: req.Code.CSS, Logs: []Log{{Level: "log", Message: "open"}}}, NextTimer: 250 * time.Millisecond}, nil
}

func (f *fakeSessions) Dispatch(_ context.Context, id string, ev Event, timeout time.Duration) (SessionResponse, error) {
	f.got <- ev
	f.timeout = timeout
	switch id {
	case "gone":
		return SessionResponse{}, ErrNoSession
	case "miss":
		return SessionResponse{}, &TargetError{Message: `engine: no element matches "#nope"`}
	case "odd":
		return SessionResponse{}, fmt.Errorf("%w: type %q", ErrInvalidEvent, ev.Type)
	}
	return SessionResponse{Response: Response{HTML: "<p>1</p>", TimedOut: true}, Ended: true, NextTimer: -1}, nil
}

func (f *fakeSessions) Tick(_ context.Context, id string, timeout time.Duration) (SessionResponse, error) {
	f.timeout = timeout
	return SessionResponse{NextTimer: 0}, nil
}

func (f *fakeSessions) CloseSession(id string) { f.closed <- id }

// plainExecutor keeps no sessions.
type plainExecutor struct{}

func (plainExecutor) Execute(context.Context, Request, Host) (Response, error) {
	return Response{}, nil
}

// dial serves e over an in-memory connection and returns the supervisor's client.
func dial(t *testing.T, e Executor) *Client {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer()
	sandboxpb.RegisterSandboxServer(s, &server{exec: e})
	go s.Serve(lis)
	conn, err := grpc.NewClient("passthrough:///buf", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); s.Stop() })
	return &Client{rpc: sandboxpb.NewSandboxClient(conn)}
}

func TestSessionCallsCrossTheWire(t *testing.T) {
	f := &fakeSessions{got: make(chan any, 10), closed: make(chan string, 1)}
	c := dial(t, f)
	ctx := context.Background()

	resp, err := c.OpenSession(ctx, SessionRequest{Request: Request{BlockID: "b", Code: Code{CSS: "p{}"}, Timeout: 2 * time.Second, Locale: "de-DE"}, SessionID: "s1", Annotate: true})
	if err != nil || resp.HTML != "<p>0</p>" || resp.CSS != "p{}" || len(resp.Logs) != 1 || resp.NextTimer != 250*time.Millisecond || resp.Ended {
		t.Fatalf("open: %v %+v", err, resp)
	}
	if req := (<-f.got).(SessionRequest); req.SessionID != "s1" || !req.Annotate || req.BlockID != "b" || req.Timeout != 2*time.Second || req.Locale != "de-DE" {
		t.Fatalf("the runner got %+v", req)
	}

	v, off := "typed", false
	resp, err = c.Dispatch(ctx, "s1", Event{Type: "input", Node: 7, Value: &v, Checked: &off, Key: "a"}, 300*time.Millisecond)
	if err != nil || !resp.Ended || !resp.TimedOut || resp.NextTimer >= 0 || resp.HTML != "<p>1</p>" {
		t.Fatalf("dispatch: %v %+v", err, resp)
	}
	ev := (<-f.got).(Event)
	if ev.Type != "input" || ev.Node != 7 || ev.Value == nil || *ev.Value != "typed" || ev.Checked == nil || *ev.Checked || ev.Key != "a" || f.timeout != 300*time.Millisecond {
		t.Fatalf("the runner got %+v (timeout %v)", ev, f.timeout)
	}
	// Absent optional fields stay absent: "no value" is not "empty value".
	if _, err := c.Dispatch(ctx, "s1", Event{Type: "click", Target: "#b"}, time.Second); err != nil {
		t.Fatal(err)
	}
	if ev := (<-f.got).(Event); ev.Value != nil || ev.Checked != nil || ev.Target != "#b" {
		t.Fatalf("click arrived as %+v", ev)
	}

	if resp, err := c.Tick(ctx, "s1", time.Second); err != nil || resp.NextTimer != 0 {
		t.Fatalf("tick: a timer due now must stay 0, not none: %v %+v", err, resp)
	}
	if err := c.CloseSession(ctx, "s1"); err != nil || <-f.closed != "s1" {
		t.Fatalf("close: %v", err)
	}
}

func TestSessionErrorsMapToSentinels(t *testing.T) {
	f := &fakeSessions{got: make(chan any, 10), closed: make(chan string, 1)}
	c := dial(t, f)
	ctx := context.Background()
	if _, err := c.Dispatch(ctx, "gone", Event{Type: "click"}, time.Second); !errors.Is(err, ErrNoSession) {
		t.Fatalf("unknown session: %v", err)
	}
	_, err := c.Dispatch(ctx, "miss", Event{Type: "click", Target: "#nope"}, time.Second)
	if !errors.Is(err, ErrNoTarget) || err.Error() != `engine: no element matches "#nope"` {
		t.Fatalf("no target: %v; want ErrNoTarget with the runner's words", err)
	}
	_, err = c.Dispatch(ctx, "odd", Event{Type: "<x>"}, time.Second)
	if !errors.Is(err, ErrInvalidEvent) || errors.Is(err, ErrNoTarget) || err.Error() != `ipc: invalid event: type "<x>"` {
		t.Fatalf("invalid event: %v; want ErrInvalidEvent with the runner's words", err)
	}
	if _, err := c.OpenSession(ctx, SessionRequest{SessionID: "full"}); !errors.Is(err, ErrSessionLimit) {
		t.Fatalf("runner full: %v", err)
	}
	for _, err := range []error{ErrNoSession, &TargetError{"x"}, &EventError{"y"}, ErrSessionLimit, ErrSessionExists} {
		if !IsSessionError(err) {
			t.Errorf("%v is a session error", err)
		}
	}
	// A transport failure is not a session answer: the caller classifies it.
	if err := fromStatus(status.Error(codes.Unavailable, "connection reset")); IsSessionError(err) {
		t.Fatalf("unavailable became %v", err)
	}
	if err := fromStatus(status.Error(codes.ResourceExhausted, "grpc: received message larger than max")); IsSessionError(err) {
		t.Fatalf("an oversized message became %v", err)
	}
}

func TestRunnerWithoutSessionsSaysSo(t *testing.T) {
	c := dial(t, plainExecutor{})
	_, err := c.Tick(context.Background(), "s", time.Second)
	if status.Code(err) != codes.Unimplemented || IsSessionError(err) {
		t.Fatalf("tick on a runner without sessions: %v", err)
	}
}
