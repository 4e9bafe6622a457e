package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
)

// Drafts and last results: the editor stores what is typed without running
// it, and a reopened block shows its last run at once.

// Save stores a draft of the tenant's block under its internal id.
func (s scoped) Save(ctx context.Context, b blocksvc.Block) error {
	id, err := s.id(ctx, b.ID)
	if err != nil {
		return err
	}
	b.ID = id
	return s.svc.Save(ctx, b)
}

type draftRequest struct {
	BlockID *string         `json:"blockId"`
	Name    string          `json:"name"`
	Code    *CodeJSON       `json:"code"`
	Data    json.RawMessage `json:"data"`
}

// saveDraft: PUT /api/content-block/:id {"name"?, "code": {...}, "data"?}
// stores the block as execute would, without running it: 204.
func (s *Server) saveDraft(c *fiber.Ctx) error {
	id := c.Params("id")
	if msg := BlockIDProblem("the block id in the path", id); msg != "" {
		return badRequest(c, fmt.Errorf("%w: %s", errBadRequest, msg))
	}
	var r draftRequest
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	if err := dec.Decode(&r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return badRequest(c, fmt.Errorf("%w: field %q must be a %s", errBadRequest, te.Field, jsonKind(te.Type.Kind().String())))
		}
		return badRequest(c, fmt.Errorf("%w: send JSON like {\"code\":{\"html\":\"...\",\"css\":\"...\",\"javascript\":\"...\"},\"data\":{...}}", errBadRequest))
	}
	if dec.More() {
		return badRequest(c, fmt.Errorf("%w: the body has trailing data after the JSON object", errBadRequest))
	}
	switch {
	case r.BlockID != nil && *r.BlockID != id:
		return badRequest(c, fmt.Errorf("%w: \"blockId\" in the body differs from the id in the path; leave it out", errBadRequest))
	case r.Code == nil:
		return badRequest(c, fmt.Errorf("%w: \"code\" is required: an object with \"html\", \"css\" and \"javascript\" strings", errBadRequest))
	case len(r.Name) > 200:
		return badRequest(c, fmt.Errorf("%w: \"name\" is longer than 200 characters", errBadRequest))
	}
	if bytes.Equal(bytes.TrimSpace(r.Data), []byte("null")) {
		r.Data = nil
	}
	err := s.blocks.Save(c.UserContext(), blocksvc.Block{
		ID: id, Name: r.Name, Data: r.Data,
		Code: isolate.Code{HTML: str(r.Code.HTML), CSS: str(r.Code.CSS), JavaScript: str(r.Code.JavaScript)},
	})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// blockResult: GET /api/content-block-result/:id, the last stored result
// in the shape an execution answers.
func (s *Server) blockResult(c *fiber.Ctx) error {
	id := c.Params("id")
	if msg := BlockIDProblem("the block id in the path", id); msg != "" {
		return badRequest(c, fmt.Errorf("%w: %s", errBadRequest, msg))
	}
	res, err := s.blocks.Output(c.UserContext(), id)
	if errors.Is(err, blocksvc.ErrUnknownBlock) {
		return apiError(c, fiber.StatusNotFound, "not_found", "no result for that block yet; run it first")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(NewResult(res))
}

// BlockIDProblem says what is wrong with a block id, naming the field, or
// "" if it is valid: a missing id is required, a wrong one is told which
// character or length is not allowed.
func BlockIDProblem(field, id string) string {
	const allowed = "1-64 letters (A-Z, a-z), digits, '_' or '-'"
	if blocksvc.ValidID(id) {
		return ""
	}
	if id == "" {
		return fmt.Sprintf("%s is required: %s", field, allowed)
	}
	if n := utf8.RuneCountInString(id); n > 64 {
		return fmt.Sprintf("%s is %d characters long; it may have %s", field, n, allowed)
	}
	for i, r := range []rune(id) {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Sprintf("%s has a character that is not allowed (%q at position %d); it may have %s", field, r, i+1, allowed)
		}
	}
	return fmt.Sprintf("%s is not valid; it may have %s", field, allowed)
}
