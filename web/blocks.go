package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/web/sanitize"
)

// CodeJSON is a block's code in a request; absent fields are nil, so an
// update can change one part only.
type CodeJSON struct {
	HTML       *string `json:"html"`
	CSS        *string `json:"css"`
	JavaScript *string `json:"javascript"`
}

type blockRequest struct {
	BlockID string          `json:"blockId"`
	Name    string          `json:"name"`
	Code    *CodeJSON       `json:"code"`
	Data    json.RawMessage `json:"data"`
}

func parseBlockRequest(c *fiber.Ctx) (blockRequest, error) {
	var r blockRequest
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return r, fmt.Errorf("%w: the request body is empty; send JSON like {\"blockId\":\"demo\",\"code\":{\"html\":\"...\",\"css\":\"...\",\"javascript\":\"...\"}}", errBadRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&r); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return r, fmt.Errorf("%w: the body is not valid JSON (at byte %d)", errBadRequest, se.Offset)
		case errors.As(err, &te):
			return r, fmt.Errorf("%w: field %q must be a %s", errBadRequest, te.Field, jsonKind(te.Type.Kind().String()))
		default:
			return r, fmt.Errorf("%w: the body is not valid JSON", errBadRequest)
		}
	}
	if dec.More() {
		return r, fmt.Errorf("%w: the body has trailing data after the JSON object", errBadRequest)
	}
	if msg := BlockIDProblem(`"blockId"`, r.BlockID); msg != "" {
		return r, fmt.Errorf("%w: %s", errBadRequest, msg)
	}
	if len(r.Name) > 200 {
		return r, fmt.Errorf("%w: \"name\" is longer than 200 characters", errBadRequest)
	}
	if len(r.Data) > 0 && !json.Valid(r.Data) {
		return r, fmt.Errorf("%w: \"data\" must be valid JSON", errBadRequest)
	}
	if bytes.Equal(bytes.TrimSpace(r.Data), []byte("null")) {
		r.Data = nil
	}
	return r, nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "ptr", "struct", "map":
		return "JSON object"
	default:
		return k
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// executeBlock: POST /api/execute-content-block
func (s *Server) executeBlock(c *fiber.Ctx) error {
	r, err := parseBlockRequest(c)
	if err != nil {
		return badRequest(c, err)
	}
	if r.Code == nil {
		return badRequest(c, fmt.Errorf("%w: \"code\" is required: an object with \"html\", \"css\" and \"javascript\" strings", errBadRequest))
	}
	res, err := s.blocks.Execute(c.UserContext(), blocksvc.Block{
		ID:   r.BlockID,
		Name: r.Name,
		Code: isolate.Code{HTML: str(r.Code.HTML), CSS: str(r.Code.CSS), JavaScript: str(r.Code.JavaScript)},
		Data: r.Data,
	})
	return s.answer(c, res, err)
}

// updateBlock: POST /api/update-content-block
func (s *Server) updateBlock(c *fiber.Ctx) error {
	r, err := parseBlockRequest(c)
	if err != nil {
		return badRequest(c, err)
	}
	var p blocksvc.Patch
	if r.Code != nil {
		p.HTML, p.CSS, p.JavaScript = r.Code.HTML, r.Code.CSS, r.Code.JavaScript
	}
	p.Data = r.Data
	res, err := s.blocks.Update(c.UserContext(), r.BlockID, p)
	return s.answer(c, res, err)
}

// answer turns a result into the API's JSON; an error goes to the error
// handler, which maps it as every transport does (ProblemFor).
func (s *Server) answer(c *fiber.Ctx, res *isolate.Result, err error) error {
	if err != nil {
		return err
	}
	return c.JSON(NewResult(res))
}

// Result is the answer for one execution, shared by the REST API and the
// live WebSocket so both speak the same shape.
type Result struct {
	Success    bool          `json:"success"`
	BlockID    string        `json:"blockId"`
	HTML       string        `json:"html"`
	CSS        string        `json:"css"`
	Logs       []isolate.Log `json:"logs"`
	Notices    []string      `json:"notices"`
	DurationMs float64       `json:"durationMs"`
	Isolate    ResultIsolate `json:"isolate"`
	Error      *ResultError  `json:"error,omitempty"`
	// Removed is what the output page's sanitiser took out of the HTML,
	// and why, so the UI can say it.
	Removed []isolate.Removal `json:"removed"`
}

// ResultIsolate is the kernel's figures for the isolate that ran a block.
type ResultIsolate struct {
	PID         int    `json:"pid"`
	MemoryBytes uint64 `json:"memoryBytes"`
	CPUMicros   uint64 `json:"cpuMicros"`
}

// ResultError says how a block's own code failed.
type ResultError struct {
	Kind    isolate.Kind `json:"kind"`
	Message string       `json:"message"`
	Stack   string       `json:"stack,omitempty"`
}

// NewResult builds the answer for one execution.
func NewResult(res *isolate.Result) Result {
	r := Result{Success: res.OK(), BlockID: res.BlockID, HTML: res.HTML, CSS: res.CSS, Logs: res.Logs, Notices: res.Notices,
		DurationMs: res.Duration, Isolate: ResultIsolate{PID: res.PID, MemoryBytes: res.Memory, CPUMicros: res.CPUMicro}}
	if r.Logs == nil {
		r.Logs = []isolate.Log{}
	}
	if r.Notices == nil {
		r.Notices = []string{}
	}
	r.Removed = res.Removed
	if r.Removed == nil {
		r.Removed = []isolate.Removal{}
	}
	if !res.OK() {
		r.Error = &ResultError{Kind: res.Kind, Message: res.Message, Stack: res.Stack}
	}
	return r
}

func badRequest(c *fiber.Ctx, err error) error {
	return apiError(c, fiber.StatusBadRequest, "invalid_request", strings.TrimPrefix(err.Error(), errBadRequest.Error()+": "))
}

// deleteBlock: DELETE /api/content-block/:id
func (s *Server) deleteBlock(c *fiber.Ctx) error {
	id := c.Params("id")
	if !blocksvc.ValidID(id) {
		return badRequest(c, fmt.Errorf("%w: invalid block id", errBadRequest))
	}
	if err := s.blocks.Delete(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// outputCSP is the sanitiser's CSP (no script, no network load), framed
// by this app only.
// sandbox gives the page an opaque origin even opened on its own, so it can
// never act as the app (its cookies, its API) whatever slipped through.
const outputCSP = "sandbox; " + sanitize.CSP + "; frame-ancestors 'self'"

// pagesBuilt counts output pages built, so a test can tell that a GET
// serves the stored page rather than sanitising again.
var pagesBuilt atomic.Int64

// RenderPage builds the sanitised output page of a block with internal id
// id: the block service's renderer (blocksvc.WithRenderer), called once
// per output. The title is the block's public id.
func RenderPage(id, body, css string) (string, []isolate.Removal) {
	pagesBuilt.Add(1)
	_, public := SplitID(id)
	page, removed := sanitize.Page(public, body, css)
	out := make([]isolate.Removal, len(removed))
	for i, r := range removed {
		out[i] = isolate.Removal{What: r.What, Count: r.Count, Why: r.Why}
	}
	return page, out
}

// blockOutput: GET /api/content-block-output/:id, a complete document for an iframe.
func (s *Server) blockOutput(c *fiber.Ctx) error {
	id := c.Params("id")
	if !blocksvc.ValidID(id) {
		return badRequest(c, fmt.Errorf("%w: invalid block id", errBadRequest))
	}
	ctx := c.UserContext()
	res, err := s.blocks.Output(ctx, id)
	if errors.Is(err, blocksvc.ErrUnknownBlock) {
		return apiError(c, fiber.StatusNotFound, "not_found", "no output for that block yet; execute it first")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentSecurityPolicy, outputCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	if res.Page != "" {
		// Built once when the output was made, stored with it.
		return c.SendString(res.Page)
	}
	// An output stored without its page (before pages were stored, or by
	// a service without a renderer): the sanitiser's result is cached under a key
	// made of the output itself, so a changed block needs no invalidation,
	// on this instance or any other sharing the cache.
	key := pageKey(id, res)
	if s.pages != nil {
		if page, err := s.pages.Get(ctx, key); err == nil {
			return c.Send(page)
		}
	}
	page := outputDocument(id, res)
	if s.pages != nil {
		if err := s.pages.Set(ctx, key, []byte(page), pageTTL); err != nil {
			s.logger.Warn("page cache", "err", err)
		}
	}
	return c.SendString(page)
}

// pageTTL lets pages of outputs that changed since fall out of the cache.
const pageTTL = 5 * time.Minute

func pageKey(id string, res *isolate.Result) string {
	h := fnv.New64a()
	h.Write([]byte(res.HTML))
	h.Write([]byte{0})
	h.Write([]byte(res.CSS))
	return "page/" + id + "/" + strconv.FormatUint(h.Sum64(), 16)
}

func outputDocument(id string, res *isolate.Result) string {
	page, _ := RenderPage(id, res.HTML, res.CSS)
	return page
}

// listBlocks: GET /api/content-blocks
func (s *Server) listBlocks(c *fiber.Ctx) error {
	blocks, err := s.blocks.List(c.UserContext())
	if err != nil {
		return err
	}
	blocks, next, err := page(blocks, c.Query("cursor"), c.Query("limit"))
	if err != nil {
		return badRequest(c, fmt.Errorf("%w: %w", errBadRequest, err))
	}
	out := make([]fiber.Map, 0, len(blocks))
	for _, b := range blocks {
		name := b.Name
		if name == "" {
			name = b.ID
		}
		data := json.RawMessage("null")
		if len(b.Data) > 0 {
			data = b.Data
		}
		out = append(out, fiber.Map{
			"blockId": b.ID, "name": name, "updatedAt": b.UpdatedAt, "live": b.Live,
			"code": fiber.Map{"html": b.Code.HTML, "css": b.Code.CSS, "javascript": b.Code.JavaScript},
			"data": data,
		})
	}
	return c.JSON(fiber.Map{"blocks": out, "nextCursor": next})
}

// renameBlock: PATCH /api/content-block/:id {"name": "..."}
func (s *Server) renameBlock(c *fiber.Ctx) error {
	id := c.Params("id")
	if !blocksvc.ValidID(id) {
		return badRequest(c, fmt.Errorf("%w: invalid block id", errBadRequest))
	}
	var r struct {
		Name *string `json:"name"`
	}
	if err := json.Unmarshal(c.Body(), &r); err != nil || r.Name == nil || strings.TrimSpace(*r.Name) == "" || len(*r.Name) > 200 {
		return badRequest(c, fmt.Errorf("%w: send {\"name\": \"...\"} with 1-200 characters", errBadRequest))
	}
	if err := s.blocks.Rename(c.UserContext(), id, strings.TrimSpace(*r.Name)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
