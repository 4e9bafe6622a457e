package web

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/web/auth"
)

// Blocks of different tenants live in one service under internal ids: the
// local tenant's id is the id itself (so data from AUTH_MODE=local stays
// where it was), any other tenant's is "<tenant>.<id>". A public id never
// holds a '.', so the two cannot collide, and the web layer is the only
// place that sees both forms: everything a client gets is stripped back.

type principalKey struct{}

// WithPrincipal returns ctx carrying who a request acts for.
func WithPrincipal(ctx context.Context, p auth.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx; ok is false when none was set.
func PrincipalFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(auth.Principal)
	return p, ok && p.Tenant != ""
}

// errNoPrincipal is a request that reached the block service without
// passing authentication: a wiring bug, answered as an internal error.
var errNoPrincipal = errors.New("web: request without a principal")

// InternalID is the service's id for a tenant's block.
func InternalID(tenant, id string) string {
	if tenant == auth.LocalTenant {
		return id
	}
	return tenant + "." + id
}

// SplitID is the tenant and public id of an internal id.
func SplitID(internal string) (tenant, id string) {
	if t, rest, ok := strings.Cut(internal, "."); ok {
		return t, rest
	}
	return auth.LocalTenant, internal
}

// ViewID is how principal p may see the block with internal id: its own
// blocks by their public id, other tenants' only as an admin, by their
// internal id (the whole system's view). ok is false when p may not see it.
func ViewID(p auth.Principal, internal string) (string, bool) {
	t, id := SplitID(internal)
	if t == p.Tenant {
		return id, true
	}
	if p.Admin {
		return internal, true
	}
	return "", false
}

// PublicResult is res as its tenant sees it (a copy; res is shared).
func PublicResult(res *isolate.Result) *isolate.Result {
	if res == nil {
		return nil
	}
	r := *res
	_, r.BlockID = SplitID(res.BlockID)
	return &r
}

// scoped is the block service seen through the request's tenant: every id
// is mapped in, every answer mapped out, and another tenant's block is
// simply unknown (404, never 403, so ids do not leak).
type scoped struct{ svc Blocks }

func (s scoped) id(ctx context.Context, id string) (string, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return "", errNoPrincipal
	}
	return InternalID(p.Tenant, id), nil
}

func (s scoped) Execute(ctx context.Context, b blocksvc.Block) (*isolate.Result, error) {
	id, err := s.id(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	b.ID = id
	res, err := s.svc.Execute(ctx, b)
	return PublicResult(res), err
}

func (s scoped) Update(ctx context.Context, id string, p blocksvc.Patch) (*isolate.Result, error) {
	in, err := s.id(ctx, id)
	if err != nil {
		return nil, err
	}
	res, err := s.svc.Update(ctx, in, p)
	return PublicResult(res), err
}

func (s scoped) Delete(ctx context.Context, id string) error {
	in, err := s.id(ctx, id)
	if err != nil {
		return err
	}
	return s.svc.Delete(ctx, in)
}

func (s scoped) Output(ctx context.Context, id string) (*isolate.Result, error) {
	in, err := s.id(ctx, id)
	if err != nil {
		return nil, err
	}
	res, err := s.svc.Output(ctx, in)
	return PublicResult(res), err
}

func (s scoped) Rename(ctx context.Context, id, name string) error {
	in, err := s.id(ctx, id)
	if err != nil {
		return err
	}
	return s.svc.Rename(ctx, in, name)
}

// List is the tenant's own blocks only, by public id, sorted by id (the
// order pagination's cursor follows).
func (s scoped) List(ctx context.Context) ([]blocksvc.Block, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return nil, errNoPrincipal
	}
	all, err := s.svc.List(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, b := range all {
		if t, id := SplitID(b.ID); t == p.Tenant {
			b.ID = id
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Page sizes of block listings.
const (
	DefaultPage = 50
	MaxPage     = 500
)

// page cuts a listing sorted by id: the blocks after cursor (an id), at
// most limit of them, and the cursor of the next page ("" at the end).
func page(blocks []blocksvc.Block, cursor, limitS string) ([]blocksvc.Block, string, error) {
	limit := DefaultPage
	if limitS != "" {
		n, err := strconv.Atoi(limitS)
		if err != nil || n < 1 || n > MaxPage {
			return nil, "", errors.New("\"limit\" must be a whole number from 1 to " + strconv.Itoa(MaxPage))
		}
		limit = n
	}
	if cursor != "" && !blocksvc.ValidID(cursor) {
		return nil, "", errors.New("\"cursor\" is not a cursor from a previous page")
	}
	start := sort.Search(len(blocks), func(i int) bool { return blocks[i].ID > cursor })
	blocks = blocks[start:]
	if len(blocks) <= limit {
		return blocks, "", nil
	}
	return blocks[:limit], blocks[limit-1].ID, nil
}
