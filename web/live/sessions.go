package live

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/session"
	"github.com/symposium/symposium/web"
)

// Live sessions over the socket: session.open / session.event /
// session.close call the same web.Sessions the REST API calls; the page
// goes out sanitised (data-symposium-node kept, for the bridge), timer
// turns and endings are pushed, and a socket's sessions end with it.

// WithSessions serves session.* commands from ss (the REST API's, see
// web.Server.Sessions).
func WithSessions(ss *web.Sessions) Option { return func(h *Hub) { h.sessions = ss } }

// UseSessions is WithSessions for a hub made before the sessions were (it
// must exist before the runtime, whose events it relays); call it before
// Mount.
func (h *Hub) UseSessions(ss *web.Sessions) { h.sessions = ss }

// maxSocketSessions bounds one socket's sessions, so a tab cannot take
// the whole instance's MAX_SESSIONS.
const maxSocketSessions = 16

// socketSession is what a socket knows of one session it opened.
type socketSession struct {
	blockID  string // public id
	lastHTML string // the raw page last sent, so an unchanged one is omitted
	cancel   func()
}

// socketSessions are a client's sessions.
type socketSessions struct {
	mu sync.Mutex
	m  map[string]*socketSession
}

type resultJSON struct {
	Kind    isolate.Kind `json:"kind"`
	Message string       `json:"message,omitempty"`
}

// sessionMsg answers session.open.
type sessionMsg struct {
	Type      string            `json:"type"`
	Ref       string            `json:"ref,omitempty"`
	SessionID string            `json:"sessionId"`
	BlockID   string            `json:"blockId"`
	HTML      string            `json:"html"`
	CSS       string            `json:"css"`
	Logs      []isolate.Log     `json:"logs"`
	Notices   []string          `json:"notices"`
	Removed   []isolate.Removal `json:"removed"`
	Result    resultJSON        `json:"result"`
	Ended     bool              `json:"ended"`
	Reason    string            `json:"reason,omitempty"`
}

// sessionUpdateMsg answers session.event and is pushed after timer turns
// and endings (without ref).
type sessionUpdateMsg struct {
	Type      string            `json:"type"`
	Ref       string            `json:"ref,omitempty"`
	SessionID string            `json:"sessionId"`
	HTML      *string           `json:"html,omitempty"`
	CSS       *string           `json:"css,omitempty"`
	Removed   []isolate.Removal `json:"removed,omitempty"`
	Logs      []isolate.Log     `json:"logs"`
	Notices   []string          `json:"notices"`
	Result    resultJSON        `json:"result"`
	Ended     bool              `json:"ended"`
	Reason    string            `json:"reason,omitempty"`
}

type sessionClosedMsg struct {
	Type      string `json:"type"`
	Ref       string `json:"ref,omitempty"`
	SessionID string `json:"sessionId"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// handleSession runs one session.* command.
func (h *Hub) handleSession(ctx context.Context, c *client, r request) {
	if h.sessions == nil {
		h.reply(c, errorMsg{Type: "error", Ref: r.Ref, Code: "sessions_disabled", Message: "live sessions are not enabled on this server"})
		return
	}
	switch r.Type {
	case "session.open":
		h.openSession(ctx, c, r)
	case "session.event":
		h.sessionEvent(ctx, c, r)
	case "session.close":
		c.sess.mu.Lock()
		ss := c.sess.m[r.SessionID]
		delete(c.sess.m, r.SessionID)
		c.sess.mu.Unlock()
		if ss == nil {
			h.fail(c, r.Ref, session.ErrSessionGone)
			return
		}
		ss.cancel()
		if err := h.sessions.Close(c.principal, ss.blockID, r.SessionID); err != nil {
			h.fail(c, r.Ref, err)
			return
		}
		h.reply(c, sessionClosedMsg{Type: "session.closed", Ref: r.Ref, SessionID: r.SessionID})
	}
}

func (h *Hub) openSession(ctx context.Context, c *client, r request) {
	c.sess.mu.Lock()
	n := len(c.sess.m)
	c.sess.mu.Unlock()
	if n >= maxSocketSessions {
		h.reply(c, errorMsg{Type: "error", Ref: r.Ref, Code: "session_limit",
			Message: fmt.Sprintf("this socket holds its maximum of %d live sessions; close one first", maxSocketSessions), RetryAfter: 0})
		return
	}
	turn, err := h.sessions.Open(ctx, c.principal, r.BlockID, r.Code, r.Data, true)
	if err != nil {
		h.fail(c, r.Ref, err)
		return
	}
	sid := turn.SessionID
	var gone *session.GoneError // the session ended before its watch began
	if !turn.Ended {
		ss := &socketSession{blockID: r.BlockID, cancel: func() {}}
		c.sess.mu.Lock()
		c.sess.m[sid] = ss
		c.sess.mu.Unlock()
		ss.cancel = h.sessions.Manager.Watch(sid, func(u session.Update) { h.push(c, u) })
		// A timer turn may have changed the page, or ended the session,
		// before the watch began.
		cur, err := h.sessions.Get(c.principal, r.BlockID, sid)
		switch {
		case err == nil:
			turn.HTML, turn.CSS = cur.HTML, cur.CSS
		case errors.As(err, &gone):
			h.forget(c, sid)
		}
		c.sess.mu.Lock()
		ss.lastHTML = turn.HTML
		c.sess.mu.Unlock()
	}
	html, css, removed := web.LivePage(turn.HTML, turn.CSS)
	msg := sessionMsg{Type: "session", Ref: r.Ref, SessionID: sid, BlockID: r.BlockID, HTML: html, CSS: css,
		Logs: nonNil(turn.Logs), Notices: nonNil(turn.Notices), Removed: nonNil(removed),
		Result: resultJSON{Kind: turn.Kind, Message: turn.Message}, Ended: turn.Ended || gone != nil}
	switch {
	case gone != nil:
		msg.Reason = string(gone.Reason)
	case turn.Ended:
		msg.Reason = string(web.EndReason(turn))
	}
	h.reply(c, msg)
}

func (h *Hub) sessionEvent(ctx context.Context, c *client, r request) {
	c.sess.mu.Lock()
	ss := c.sess.m[r.SessionID]
	c.sess.mu.Unlock()
	if ss == nil {
		// Only the sessions this socket opened: another's is unknown here.
		h.fail(c, r.Ref, session.ErrSessionGone)
		return
	}
	ev, err := web.ParseEvent(r.Event)
	if err != nil {
		h.fail(c, r.Ref, err)
		return
	}
	turn, err := h.sessions.Event(ctx, c.principal, ss.blockID, r.SessionID, ev)
	if err != nil {
		if h.gone(err) {
			h.forget(c, r.SessionID)
		}
		h.fail(c, r.Ref, err)
		return
	}
	msg := h.update(c, r.SessionID, turn, true)
	msg.Ref = r.Ref
	if turn.Ended {
		msg.Reason = string(web.EndReason(turn))
		h.forget(c, r.SessionID)
	}
	h.reply(c, msg)
}

func (h *Hub) gone(err error) bool {
	p, ok := web.ProblemFor(err)
	return ok && p.Code == "session_gone"
}

// forget drops a session from the socket and stops watching it.
func (h *Hub) forget(c *client, sid string) {
	c.sess.mu.Lock()
	ss := c.sess.m[sid]
	delete(c.sess.m, sid)
	c.sess.mu.Unlock()
	if ss != nil {
		ss.cancel()
	}
}

// update builds a session.update for turn: html only when it changed since
// what this socket last sent.
func (h *Hub) update(c *client, sid string, turn *isolate.Turn, withHTML bool) sessionUpdateMsg {
	msg := sessionUpdateMsg{Type: "session.update", SessionID: sid, Logs: nonNil(turn.Logs), Notices: nonNil(turn.Notices),
		Result: resultJSON{Kind: turn.Kind, Message: turn.Message}, Ended: turn.Ended}
	if !withHTML || turn.HTML == "" {
		return msg
	}
	c.sess.mu.Lock()
	ss := c.sess.m[sid]
	changed := ss == nil || ss.lastHTML != turn.HTML
	if ss != nil {
		ss.lastHTML = turn.HTML
	}
	c.sess.mu.Unlock()
	if changed {
		html, css, removed := web.LivePage(turn.HTML, turn.CSS)
		msg.HTML, msg.CSS, msg.Removed = &html, &css, removed
	}
	return msg
}

// push sends a watched session's timer turn or ending; it never blocks.
func (h *Hub) push(c *client, u session.Update) {
	var msg sessionUpdateMsg
	if u.Turn != nil {
		msg = h.update(c, u.SessionID, u.Turn, u.HTMLChanged)
	} else {
		msg = sessionUpdateMsg{Type: "session.update", SessionID: u.SessionID, Logs: []isolate.Log{}, Notices: []string{},
			Result: resultJSON{Kind: isolate.KindOK}}
	}
	if u.Ended {
		msg.Ended, msg.Reason = true, string(u.Reason)
		c.sess.mu.Lock()
		delete(c.sess.m, u.SessionID)
		c.sess.mu.Unlock()
	}
	h.reply(c, msg)
}

// closeSessions ends a closing socket's sessions.
func (h *Hub) closeSessions(c *client) {
	c.sess.mu.Lock()
	all := c.sess.m
	c.sess.m = map[string]*socketSession{}
	c.sess.mu.Unlock()
	for sid, ss := range all {
		ss.cancel()
		_ = h.sessions.Close(c.principal, ss.blockID, sid)
	}
}

// embedAllows reports whether an embed socket (for block embed) may run r.
func embedAllows(embed string, r request) bool {
	switch r.Type {
	case "session.open":
		// The stored block only: code or data sent by a viewer would run in
		// the tenant's isolate with the block's capabilities (its storage).
		return r.BlockID == embed && r.Code == nil && r.Data == nil
	case "session.event", "session.close":
		return true // only sessions this socket opened, which are all of embed
	}
	return false
}

// embedKeyID is the KeyID of an embed socket's principal (web.EmbedPrincipal).
const embedKeyID = "embed"
