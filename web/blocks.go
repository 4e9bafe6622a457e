package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/microcosm-cc/bluemonday"

	"github.com/symposium/symposium/supervisor/isolate"
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
	if !isolate.ValidBlockID(r.BlockID) {
		return r, fmt.Errorf("%w: \"blockId\" is required: 1-64 letters, digits, '_' or '-'", errBadRequest)
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
	res, err := s.isolates.Execute(c.UserContext(), isolate.Block{
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
	var p isolate.Patch
	if r.Code != nil {
		p.HTML, p.CSS, p.JavaScript = r.Code.HTML, r.Code.CSS, r.Code.JavaScript
	}
	p.Data = r.Data
	res, err := s.isolates.Update(c.UserContext(), r.BlockID, p)
	return s.answer(c, res, err)
}

// answer turns a result or error into the API's JSON.
func (s *Server) answer(c *fiber.Ctx, res *isolate.Result, err error) error {
	switch {
	case errors.Is(err, isolate.ErrUnknownBlock):
		return apiError(c, fiber.StatusNotFound, "not_found", "no content block with that id; create it with POST /api/execute-content-block")
	case errors.Is(err, isolate.ErrCapacity):
		c.Set(fiber.HeaderRetryAfter, "5")
		return apiError(c, fiber.StatusServiceUnavailable, "no_capacity", "every isolate is in use; try again in a few seconds")
	case errors.Is(err, isolate.ErrStorage):
		s.logger.Error("block storage", "err", err)
		c.Set(fiber.HeaderRetryAfter, "5")
		return apiError(c, fiber.StatusServiceUnavailable, "storage_unavailable", "block storage is not answering; try again shortly")
	case errors.Is(err, isolate.ErrClosed):
		c.Set(fiber.HeaderRetryAfter, "5")
		return apiError(c, fiber.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
	case err != nil:
		return err
	}
	s.prom.observe(res)
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
	DurationMs float64       `json:"durationMs"`
	Isolate    ResultIsolate `json:"isolate"`
	Error      *ResultError  `json:"error,omitempty"`
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
	r := Result{Success: res.OK(), BlockID: res.BlockID, HTML: res.HTML, CSS: res.CSS, Logs: res.Logs,
		DurationMs: res.Duration, Isolate: ResultIsolate{PID: res.PID, MemoryBytes: res.Memory, CPUMicros: res.CPUMicro}}
	if r.Logs == nil {
		r.Logs = []isolate.Log{}
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
	if !isolate.ValidBlockID(id) {
		return badRequest(c, fmt.Errorf("%w: invalid block id", errBadRequest))
	}
	if err := s.isolates.Terminate(c.UserContext(), id); err != nil {
		return s.answer(c, nil, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// outputPolicy keeps markup and styling and drops anything active. The CSP
// sent with the page is the second wall.
var outputPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class", "id", "style", "title", "role").Globally()
	p.AllowDataAttributes()
	p.AllowElements("section", "article", "header", "footer", "nav", "main", "aside", "figure", "figcaption", "mark", "small", "time", "span", "div")
	return p
}()

// outputCSP forbids scripts and every network load.
const outputCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

// blockOutput: GET /api/content-block-output/:id, a complete document for an iframe.
func (s *Server) blockOutput(c *fiber.Ctx) error {
	id := c.Params("id")
	if !isolate.ValidBlockID(id) {
		return badRequest(c, fmt.Errorf("%w: invalid block id", errBadRequest))
	}
	ctx := c.UserContext()
	res, err := s.isolates.Output(ctx, id)
	if errors.Is(err, isolate.ErrUnknownBlock) {
		return apiError(c, fiber.StatusNotFound, "not_found", "no output for that block yet; execute it first")
	}
	if err != nil {
		return s.answer(c, nil, err)
	}
	c.Set(fiber.HeaderContentSecurityPolicy, outputCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	// The sanitiser is the costly part; its result is cached under a key
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
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
	b.WriteString(html.EscapeString(id))
	b.WriteString("</title>\n<style>")
	// A style element ends at the first "</style": keep the block's CSS inside it.
	b.WriteString(strings.ReplaceAll(res.CSS, "</", "<\\/"))
	b.WriteString("</style></head>\n<body>")
	b.WriteString(outputPolicy.Sanitize(res.HTML))
	b.WriteString("</body></html>\n")
	return b.String()
}

// listBlocks: GET /api/content-blocks
func (s *Server) listBlocks(c *fiber.Ctx) error {
	blocks, err := s.isolates.Blocks(c.UserContext())
	if err != nil {
		return s.answer(c, nil, err)
	}
	live := map[string]bool{}
	for _, iso := range s.isolates.Isolates() {
		live[iso.BlockID()] = true
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
			"blockId": b.ID, "name": name, "updatedAt": b.UpdatedAt, "live": live[b.ID],
			"code": fiber.Map{"html": b.Code.HTML, "css": b.Code.CSS, "javascript": b.Code.JavaScript},
			"data": data,
		})
	}
	return c.JSON(fiber.Map{"blocks": out})
}

// renameBlock: PATCH /api/content-block/:id {"name": "..."}
func (s *Server) renameBlock(c *fiber.Ctx) error {
	id := c.Params("id")
	if !isolate.ValidBlockID(id) {
		return badRequest(c, fmt.Errorf("%w: invalid block id", errBadRequest))
	}
	var r struct {
		Name *string `json:"name"`
	}
	if err := json.Unmarshal(c.Body(), &r); err != nil || r.Name == nil || strings.TrimSpace(*r.Name) == "" || len(*r.Name) > 200 {
		return badRequest(c, fmt.Errorf("%w: send {\"name\": \"...\"} with 1-200 characters", errBadRequest))
	}
	if err := s.isolates.Rename(c.UserContext(), id, strings.TrimSpace(*r.Name)); err != nil {
		return s.answer(c, nil, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
