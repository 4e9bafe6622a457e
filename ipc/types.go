package ipc

import (
	"context"
	"time"

	"github.com/symposium/symposium/ipc/sandboxpb"
)

// Code is a content block's source, the one Go type for it on both sides.
type Code struct {
	HTML       string `json:"html"`
	CSS        string `json:"css"`
	JavaScript string `json:"javascript"`
}

// Log is one console entry a script wrote.
type Log struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// Request asks an isolate to run one block.
type Request struct {
	BlockID string
	Code    Code
	Data    []byte // JSON text; empty means none
	Timeout time.Duration
	// Locale and TimeZone are the block's defaults for Intl and toLocale*
	// (BLOCK_LOCALE, BLOCK_TIME_ZONE); empty means en-US and UTC.
	Locale, TimeZone string
}

// ScriptError is an uncaught exception of the block's script.
type ScriptError struct {
	Message string
	Stack   string
}

// Response is what one execution in the isolate produced.
type Response struct {
	HTML        string
	CSS         string
	Logs        []Log
	Error       *ScriptError // nil unless the script threw
	TimedOut    bool         // the runner interrupted the script at its deadline
	OutOfMemory bool         // the runner's heap watch stopped the script at its soft limit
	Notices     []string     // things an author needs to know that a browser would not say
	Duration    time.Duration
}

// Sandbox is the supervisor's handle on one isolate, as go-plugin's
// examples/grpc model has it: the plugin client implements a Go interface,
// and the generated types stay in this package.
type Sandbox interface {
	Execute(ctx context.Context, req Request) (Response, error)
	// ServeHost offers the isolate its host capabilities, once.
	ServeHost(h HostServer)
	// OpenSession runs a block as a live page that stays in the isolate
	// until it ends or is closed. A response with Ended set holds nothing.
	OpenSession(ctx context.Context, req SessionRequest) (SessionResponse, error)
	// Dispatch runs one user event in a live session; timeout bounds the
	// turn inside the isolate. ErrNoSession, ErrNoTarget (a *TargetError).
	Dispatch(ctx context.Context, sessionID string, ev Event, timeout time.Duration) (SessionResponse, error)
	// Tick runs the session's timers that are due now; ErrNoSession.
	Tick(ctx context.Context, sessionID string, timeout time.Duration) (SessionResponse, error)
	// CloseSession releases a live session; an unknown id is no error.
	CloseSession(ctx context.Context, sessionID string) error
}

// HostServer is the supervisor's Host service for one block.
type HostServer = sandboxpb.HostServer

func toRequest(r Request) *sandboxpb.ExecuteRequest {
	return &sandboxpb.ExecuteRequest{
		BlockId:   r.BlockID,
		TimeoutMs: r.Timeout.Milliseconds(),
		Locale:    r.Locale,
		TimeZone:  r.TimeZone,
		Block:     &sandboxpb.Block{Html: r.Code.HTML, Css: r.Code.CSS, Javascript: r.Code.JavaScript, Data: r.Data},
	}
}

func fromRequest(p *sandboxpb.ExecuteRequest) Request {
	b := p.GetBlock()
	return Request{
		BlockID: p.GetBlockId(),
		Code:    Code{HTML: b.GetHtml(), CSS: b.GetCss(), JavaScript: b.GetJavascript()},
		Data:    b.GetData(),
		Timeout: time.Duration(p.GetTimeoutMs()) * time.Millisecond,
		Locale:  p.GetLocale(), TimeZone: p.GetTimeZone(),
	}
}

func toResponse(r Response) *sandboxpb.ExecuteResponse {
	out := &sandboxpb.ExecuteResponse{
		Html: r.HTML, Css: r.CSS, TimedOut: r.TimedOut, OutOfMemory: r.OutOfMemory, Notices: r.Notices,
		DurationMicros: r.Duration.Microseconds(), Logs: make([]*sandboxpb.LogEntry, len(r.Logs)),
	}
	for i, l := range r.Logs {
		out.Logs[i] = &sandboxpb.LogEntry{Level: l.Level, Message: l.Message}
	}
	if r.Error != nil {
		out.Error = &sandboxpb.ScriptError{Message: r.Error.Message, Stack: r.Error.Stack}
	}
	return out
}

func fromResponse(p *sandboxpb.ExecuteResponse) Response {
	r := Response{
		HTML: p.GetHtml(), CSS: p.GetCss(), TimedOut: p.GetTimedOut(), OutOfMemory: p.GetOutOfMemory(),
		Notices: p.GetNotices(), Duration: time.Duration(p.GetDurationMicros()) * time.Microsecond,
		Logs: make([]Log, len(p.GetLogs())),
	}
	for i, l := range p.GetLogs() {
		r.Logs[i] = Log{Level: l.GetLevel(), Message: l.GetMessage()}
	}
	if e := p.GetError(); e != nil {
		r.Error = &ScriptError{Message: e.GetMessage(), Stack: e.GetStack()}
	}
	return r
}

// Event is one user event for a live session (JSON as the HTTP API takes it).
type Event struct {
	Type    string  `json:"type"`
	Target  string  `json:"target,omitempty"`
	Node    int64   `json:"node,omitempty"`
	Value   *string `json:"value,omitempty"`
	Checked *bool   `json:"checked,omitempty"`
	Key     string  `json:"key,omitempty"`
}

// SessionRequest opens a live session: the block runs as a live page whose
// runtime stays alive; Timeout bounds each turn.
type SessionRequest struct {
	Request
	SessionID string // chosen by the supervisor
	Annotate  bool   // HTML carries data-symposium-node ids for the browser bridge
}

// SessionResponse is one turn of a live session.
type SessionResponse struct {
	Response
	Ended     bool          // the session takes no more events
	NextTimer time.Duration // until its next timer; < 0 when none is pending
}

// noTimer is NextTimer on the wire when no timer is pending.
const noTimer = -1

func toEvent(e Event) *sandboxpb.UserEvent {
	return &sandboxpb.UserEvent{Type: e.Type, Target: e.Target, Node: e.Node, Value: e.Value, Checked: e.Checked, Key: e.Key}
}

func fromEvent(p *sandboxpb.UserEvent) Event {
	if p == nil {
		return Event{}
	}
	return Event{Type: p.GetType(), Target: p.GetTarget(), Node: p.GetNode(), Value: p.Value, Checked: p.Checked, Key: p.GetKey()}
}

func toTurn(r SessionResponse) *sandboxpb.SessionTurn {
	next := int64(noTimer)
	if r.NextTimer >= 0 {
		next = r.NextTimer.Microseconds()
	}
	return &sandboxpb.SessionTurn{Response: toResponse(r.Response), Ended: r.Ended, NextTimerMicros: next}
}

func fromTurn(p *sandboxpb.SessionTurn) SessionResponse {
	next := time.Duration(-1)
	if p.GetNextTimerMicros() >= 0 {
		next = time.Duration(p.GetNextTimerMicros()) * time.Microsecond
	}
	return SessionResponse{Response: fromResponse(p.GetResponse()), Ended: p.GetEnded(), NextTimer: next}
}
