package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/session"
	"github.com/symposium/symposium/web/auth"
	"github.com/symposium/symposium/web/sanitize"
)

// SessionManager is what the web layer needs of the live sessions of
// interactive blocks (session.Manager), keyed by internal block ids and
// owned by tenants.
type SessionManager interface {
	Open(ctx context.Context, owner, blockID string, code isolate.Code, data []byte, annotate bool) (*isolate.Turn, error)
	Event(ctx context.Context, owner, blockID, sid string, ev isolate.UserEvent) (*isolate.Turn, error)
	Get(owner, blockID, sid string) (*isolate.Turn, error)
	Close(owner, blockID, sid string) error
	Watch(sid string, fn func(session.Update)) (cancel func())
	Stats() session.Stats
}

// BlockSource loads a stored block by internal id, for a session opened
// without code (the block service's store).
type BlockSource interface {
	LoadBlock(ctx context.Context, id string) (blocksvc.Block, bool, error)
}

// Sessions is the one way both transports reach live sessions: the
// manager seen through a principal (public ids mapped to internal ones,
// the tenant as owner) plus where a session without code gets its block's.
type Sessions struct {
	Manager SessionManager
	Source  BlockSource // nil: found through the block service's listing
	list    func(ctx context.Context) ([]blocksvc.Block, error)
	// admit holds a session's first render to its tenant's isolate and
	// execution quotas (blocksvc.Service.Admit), so sessions are no way
	// around them; nil admits every open.
	admit func(blockID string) (done func(), err error)
}

// NewSessions bundles a manager with the store its sessions load blocks
// from (src may be nil: the block listing of svc is searched instead).
func NewSessions(m SessionManager, src BlockSource, svc interface {
	List(ctx context.Context) ([]blocksvc.Block, error)
}) *Sessions {
	s := &Sessions{Manager: m, Source: src}
	if svc != nil {
		s.list = svc.List
	}
	if a, ok := svc.(interface {
		Admit(blockID string) (func(), error)
	}); ok {
		s.admit = a.Admit
	}
	return s
}

// Open opens a live session of p's block publicID: with code (and data)
// given, that; without, the stored block's (data overrides its data).
func (ss *Sessions) Open(ctx context.Context, p auth.Principal, publicID string, code *CodeJSON, data json.RawMessage, annotate bool) (*isolate.Turn, error) {
	id := InternalID(p.Tenant, publicID)
	var c isolate.Code
	if code != nil {
		c = isolate.Code{HTML: str(code.HTML), CSS: str(code.CSS), JavaScript: str(code.JavaScript)}
	} else {
		b, err := ss.load(ctx, id)
		if err != nil {
			return nil, err
		}
		c = b.Code
		if data == nil {
			data = json.RawMessage(b.Data)
		}
	}
	if ss.admit != nil {
		done, err := ss.admit(id)
		if err != nil {
			return nil, err
		}
		defer done()
	}
	turn, err := ss.Manager.Open(ctx, p.Tenant, id, c, data, annotate)
	if err != nil {
		return nil, err
	}
	turn.BlockID = publicID
	return turn, nil
}

func (ss *Sessions) load(ctx context.Context, id string) (blocksvc.Block, error) {
	if ss.Source != nil {
		b, ok, err := ss.Source.LoadBlock(ctx, id)
		if err != nil {
			return b, fmt.Errorf("%w: load block: %w", blocksvc.ErrStorage, err)
		}
		if !ok {
			return b, blocksvc.ErrUnknownBlock
		}
		return b, nil
	}
	if ss.list == nil {
		return blocksvc.Block{}, blocksvc.ErrUnknownBlock
	}
	all, err := ss.list(ctx)
	if err != nil {
		return blocksvc.Block{}, err
	}
	for _, b := range all {
		if b.ID == id {
			return b, nil
		}
	}
	return blocksvc.Block{}, blocksvc.ErrUnknownBlock
}

// Event runs one user event in p's session sid of block publicID.
func (ss *Sessions) Event(ctx context.Context, p auth.Principal, publicID, sid string, ev isolate.UserEvent) (*isolate.Turn, error) {
	turn, err := ss.Manager.Event(ctx, p.Tenant, InternalID(p.Tenant, publicID), sid, ev)
	if err != nil {
		return nil, err
	}
	turn.BlockID = publicID
	return turn, nil
}

// Get is p's session's current state.
func (ss *Sessions) Get(p auth.Principal, publicID, sid string) (*isolate.Turn, error) {
	turn, err := ss.Manager.Get(p.Tenant, InternalID(p.Tenant, publicID), sid)
	if err != nil {
		return nil, err
	}
	turn.BlockID = publicID
	return turn, nil
}

// Close ends p's session.
func (ss *Sessions) Close(p auth.Principal, publicID, sid string) error {
	return ss.Manager.Close(p.Tenant, InternalID(p.Tenant, publicID), sid)
}

// SessionBlocks is the block service as sessions need it: a code change
// (execute or update with other code) ends the block's sessions, and so
// does a delete, on whichever transport it came. Wrap the service with it
// once and hand the wrapper to both transports.
type SessionBlocks struct {
	Blocks
	Ends interface {
		CodeChanged(blockID string, p session.CodePatch)
		EndBlock(blockID string, reason session.Reason)
	}
}

// Admit holds a session's first render to the tenant quotas of the
// block service underneath, when it has them (blocksvc.Service.Admit).
func (b SessionBlocks) Admit(blockID string) (func(), error) {
	if a, ok := b.Blocks.(interface {
		Admit(blockID string) (func(), error)
	}); ok {
		return a.Admit(blockID)
	}
	return func() {}, nil
}

// Execute runs the block; sessions of other code end.
func (b SessionBlocks) Execute(ctx context.Context, blk blocksvc.Block) (*isolate.Result, error) {
	res, err := b.Blocks.Execute(ctx, blk)
	if err == nil || errors.Is(err, isolate.ErrCapacity) { // stored even when refused for capacity
		b.Ends.CodeChanged(blk.ID, session.FullCode(blk.Code))
	}
	return res, err
}

// Update patches and runs the block; sessions whose code the patch changes end.
func (b SessionBlocks) Update(ctx context.Context, id string, p blocksvc.Patch) (*isolate.Result, error) {
	res, err := b.Blocks.Update(ctx, id, p)
	if err == nil || errors.Is(err, isolate.ErrCapacity) {
		b.Ends.CodeChanged(id, session.CodePatch{HTML: p.HTML, CSS: p.CSS, JavaScript: p.JavaScript})
	}
	return res, err
}

// Delete ends the block's sessions (as deleted, before its isolate goes)
// and deletes it.
func (b SessionBlocks) Delete(ctx context.Context, id string) error {
	b.Ends.EndBlock(id, session.ReasonDeleted)
	return b.Blocks.Delete(ctx, id)
}

// SessionResult is the REST answer for one turn of a live session: the
// execution's shape plus the session's id and state.
type SessionResult struct {
	SessionID string `json:"sessionId"`
	Result
	Ended  bool   `json:"ended"`
	Reason string `json:"reason,omitempty"`
}

// NewSessionResult builds the answer for a turn of p's session.
func NewSessionResult(t *isolate.Turn) SessionResult {
	r := SessionResult{SessionID: t.SessionID, Result: NewResult(&t.Result), Ended: t.Ended}
	if t.Ended {
		r.Reason = string(EndReason(t))
	}
	return r
}

// EndReason is why a turn ended its session (as the manager says it).
func EndReason(t *isolate.Turn) session.Reason {
	switch t.Kind {
	case isolate.KindTimeout:
		return session.ReasonTimeout
	case isolate.KindOOM:
		return session.ReasonOOM
	case isolate.KindOK, "":
		return session.ReasonIsolateEnded
	}
	return session.ReasonCrash
}

// LivePage is a turn's page as the browser bridge gets it: the body
// sanitised (data-symposium-node kept) and the CSS as the output page
// keeps it, with what was removed.
func LivePage(html, css string) (string, string, []isolate.Removal) {
	clean, removed := sanitize.Clean(html)
	out := make([]isolate.Removal, len(removed))
	for i, r := range removed {
		out[i] = isolate.Removal{What: r.What, Count: r.Count, Why: r.Why}
	}
	return clean, sanitize.CSS(css), out
}

type sessionRequest struct {
	Code *CodeJSON       `json:"code"`
	Data json.RawMessage `json:"data"`
}

// ParseEvent decodes an event as both transports take it: ipc.Event's
// JSON, strictly (an unknown field is a mistake worth telling).
func ParseEvent(b []byte) (isolate.UserEvent, error) {
	var ev isolate.UserEvent
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		msg := "send JSON like {\"type\":\"click\",\"target\":\"#button\"} (and \"value\", \"checked\" or \"key\" as the event needs)"
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			msg = strings.TrimPrefix(err.Error(), "json: ") + "; an event has type, target, node, value, checked and key"
		}
		return ev, fmt.Errorf("%w: %s", session.ErrInvalidEvent, msg)
	}
	if dec.More() {
		return ev, fmt.Errorf("%w: trailing data after the JSON object", session.ErrInvalidEvent)
	}
	return ev, session.ValidateEvent(ev)
}

func (s *Server) sessionPath(c *fiber.Ctx) (string, string, error) {
	id, sid := c.Params("id"), c.Params("sid")
	if msg := BlockIDProblem("the block id in the path", id); msg != "" {
		return "", "", fmt.Errorf("%w: %s", errBadRequest, msg)
	}
	if len(sid) > 128 {
		return "", "", fmt.Errorf("%w: the session id is too long", errBadRequest)
	}
	return id, sid, nil
}

// openSession: POST /api/content-block/:id/sessions {} | {"code"?, "data"?} -> 201
func (s *Server) openSession(c *fiber.Ctx) error {
	id, _, err := s.sessionPath(c)
	if err != nil {
		return badRequest(c, err)
	}
	var r sessionRequest
	if body := bytes.TrimSpace(c.Body()); len(body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return badRequest(c, fmt.Errorf("%w: send {} to run the stored block, or {\"code\":{\"html\",\"css\",\"javascript\"},\"data\":{...}}", errBadRequest))
		}
	}
	if bytes.Equal(bytes.TrimSpace(r.Data), []byte("null")) {
		r.Data = nil
	}
	turn, err := s.sessions.Open(c.UserContext(), principalOf(c), id, r.Code, r.Data, false)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(NewSessionResult(turn))
}

// sessionEvent: POST /api/content-block/:id/sessions/:sid/events {ipc.Event} -> 200
func (s *Server) sessionEvent(c *fiber.Ctx) error {
	id, sid, err := s.sessionPath(c)
	if err != nil {
		return badRequest(c, err)
	}
	ev, err := ParseEvent(c.Body())
	if err != nil {
		return err
	}
	turn, err := s.sessions.Event(c.UserContext(), principalOf(c), id, sid, ev)
	if err != nil {
		return err
	}
	return c.JSON(NewSessionResult(turn))
}

// getSession: GET /api/content-block/:id/sessions/:sid -> 200 its current state
func (s *Server) getSession(c *fiber.Ctx) error {
	id, sid, err := s.sessionPath(c)
	if err != nil {
		return badRequest(c, err)
	}
	turn, err := s.sessions.Get(principalOf(c), id, sid)
	if err != nil {
		return err
	}
	return c.JSON(NewSessionResult(turn))
}

// closeSession: DELETE /api/content-block/:id/sessions/:sid -> 204
func (s *Server) closeSession(c *fiber.Ctx) error {
	id, sid, err := s.sessionPath(c)
	if err != nil {
		return badRequest(c, err)
	}
	if err := s.sessions.Close(principalOf(c), id, sid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
