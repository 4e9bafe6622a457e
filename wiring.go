package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/blocks"
	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/supervisor/egress"
	"github.com/symposium/symposium/supervisor/hostcap"
	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/web/auth"
)

// keyAdapter is the key store seen by authentication: web does not import
// storage, so main translates keys into principals.
func keyAdapter(s *apikeys.Store) apikeys.Adapter[auth.Principal] {
	return apikeys.Adapter[auth.Principal]{Store: s, Of: principalOf, Invalid: auth.ErrUnauthenticated}
}

func principalOf(k apikeys.Key) auth.Principal {
	return auth.Principal{Tenant: k.Tenant, Admin: k.Admin, KeyID: k.ID}
}

// blockStore keeps the block service's blocks and outputs in the storage
// layer, so they outlive the process and are shared between instances.
type blockStore struct{ s *blocks.Store }

func (b blockStore) LoadBlock(ctx context.Context, id string) (blocksvc.Block, bool, error) {
	blk, err := b.s.Get(ctx, id)
	if errors.Is(err, blocks.ErrNotFound) {
		return blocksvc.Block{}, false, nil
	}
	if err != nil {
		return blocksvc.Block{}, false, err
	}
	return fromStored(blk), true, nil
}

func fromStored(blk blocks.Block) blocksvc.Block {
	return blocksvc.Block{
		ID: blk.ID, Name: blk.Name, Data: blk.Data, UpdatedAt: blk.UpdatedAt,
		Code: isolate.Code{HTML: blk.Code.HTML, CSS: blk.Code.CSS, JavaScript: blk.Code.JavaScript},
	}
}

func (b blockStore) SaveBlock(ctx context.Context, blk blocksvc.Block) error {
	return b.s.Put(ctx, toStored(blk))
}

func toStored(blk blocksvc.Block) blocks.Block {
	return blocks.Block{
		ID: blk.ID, Name: blk.Name, Data: json.RawMessage(blk.Data), UpdatedAt: blk.UpdatedAt,
		Code: blocks.Code{HTML: blk.Code.HTML, CSS: blk.Code.CSS, JavaScript: blk.Code.JavaScript},
	}
}

func (b blockStore) SaveOutput(ctx context.Context, id string, r *isolate.Result) error {
	return b.s.PutOutput(ctx, id, toStoredOutput(r))
}

func (b blockStore) SaveRun(ctx context.Context, blk blocksvc.Block, r *isolate.Result) error {
	return b.s.PutWithOutput(ctx, toStored(blk), toStoredOutput(r))
}

func toStoredOutput(r *isolate.Result) blocks.Output {
	out := blocks.Output{HTML: r.HTML, CSS: r.CSS, DurationMs: r.Duration, Page: r.Page, Notices: r.Notices,
		PID: r.PID, MemoryBytes: r.Memory, CPUMicros: r.CPUMicro}
	for _, x := range r.Removed {
		out.Removed = append(out.Removed, blocks.Removal{What: x.What, Count: x.Count, Why: x.Why})
	}
	for _, l := range r.Logs {
		out.Logs = append(out.Logs, blocks.Log{Level: l.Level, Message: l.Message})
	}
	if !r.OK() {
		out.Error = &blocks.RunError{Kind: string(r.Kind), Message: r.Message, Stack: r.Stack}
	}
	return out
}

func (b blockStore) LoadOutput(ctx context.Context, id string) (*isolate.Result, bool, error) {
	out, err := b.s.GetOutput(ctx, id)
	if errors.Is(err, blocks.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	r := &isolate.Result{BlockID: id, HTML: out.HTML, CSS: out.CSS, Duration: out.DurationMs, Kind: isolate.KindOK,
		Page: out.Page, Notices: out.Notices, PID: out.PID, Memory: out.MemoryBytes, CPUMicro: out.CPUMicros}
	for _, x := range out.Removed {
		r.Removed = append(r.Removed, isolate.Removal{What: x.What, Count: x.Count, Why: x.Why})
	}
	for _, l := range out.Logs {
		r.Logs = append(r.Logs, isolate.Log{Level: l.Level, Message: l.Message})
	}
	if out.Error != nil {
		r.Kind, r.Message, r.Stack = isolate.Kind(out.Error.Kind), out.Error.Message, out.Error.Stack
	}
	return r, true, nil
}

func (b blockStore) DeleteBlock(ctx context.Context, id string) error {
	err := b.s.Delete(ctx, id)
	if errors.Is(err, blocks.ErrNotFound) {
		return nil
	}
	return err
}

// Epoch and the ...At writes make blockStore a blocksvc.FencedStore: a
// delete on any instance sharing the store wins over an execution in
// flight on another.
func (b blockStore) Epoch(ctx context.Context, id string) (uint64, error) {
	return b.s.Epoch(ctx, id)
}

func (b blockStore) SaveBlockAt(ctx context.Context, blk blocksvc.Block, epoch uint64) error {
	return fenced(b.s.PutAt(ctx, toStored(blk), epoch))
}

func (b blockStore) SaveRunAt(ctx context.Context, blk blocksvc.Block, r *isolate.Result, epoch uint64) error {
	return fenced(b.s.PutWithOutputAt(ctx, toStored(blk), toStoredOutput(r), epoch))
}

func (b blockStore) SaveOutputAt(ctx context.Context, id string, r *isolate.Result, epoch uint64) error {
	return fenced(b.s.PutOutputAt(ctx, id, toStoredOutput(r), epoch))
}

// fenced is the storage layer's "deleted since" as the service's.
func fenced(err error) error {
	if errors.Is(err, blocks.ErrDeleted) {
		return errors.Join(blocksvc.ErrDeleted, err)
	}
	return err
}

func (b blockStore) PurgeDeleted(ctx context.Context, id string, epoch uint64) (bool, error) {
	return b.s.PurgeDeleted(ctx, id, epoch)
}

// DataSize lets the storage quota count saved data from the start.
func (b blockStore) DataSize(ctx context.Context, id string) (int64, error) {
	return b.s.DataSize(ctx, id)
}

func (b blockStore) ListBlocks(ctx context.Context) ([]blocksvc.Block, error) {
	list, err := b.s.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]blocksvc.Block, len(list))
	for i, blk := range list {
		out[i] = fromStored(blk)
	}
	return out, nil
}

// blockData adapts the storage layer's per-block data to the host capability.
type blockData struct{ s *blockdata.Store }

func (d blockData) Save(ctx context.Context, block, key string, v []byte) error {
	return d.s.Save(ctx, block, key, v)
}

func (d blockData) Get(ctx context.Context, block, key string) ([]byte, error) {
	return d.s.Get(ctx, block, key)
}

func (d blockData) Delete(ctx context.Context, block, key string) error {
	return d.s.Delete(ctx, block, key)
}

// fetcher adapts the egress fetcher to the host capability.
type fetcher struct{ f *egress.Fetcher }

func (f fetcher) Fetch(ctx context.Context, url string) (int, string, []byte, error) {
	r, err := f.f.Fetch(ctx, url)
	if err != nil {
		return 0, "", nil, err
	}
	return r.Status, r.ContentType, r.Body, nil
}

// hostErrors says which storage and egress errors a script may read.
var hostErrors = hostcap.Classifier{
	NotFound: blockdata.ErrNotFound,
	UserFacing: []error{
		blockdata.ErrQuota, blockdata.ErrInvalidJSON, blockdata.ErrInvalidKey, blockdata.ErrBusy,
		egress.ErrInvalidURL, egress.ErrRefused, egress.ErrFailed, egress.ErrTooLarge,
	},
}

// newInstanceID names this instance in live session ids
// ("<instanceID>~<random>"), so an event that reaches another instance is
// answered session_moved rather than session_gone.
func newInstanceID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return "i-" + hex.EncodeToString(b[:])
}

// secretStore is where the embed secret every instance shares is kept.
type secretStore interface {
	Get(ctx context.Context, key string) ([]byte, error)
	CompareAndSet(ctx context.Context, key string, expected, value []byte) error
}

const embedSecretKey = "auth/embed-secret"

// embedSecret is EMBED_SECRET, or the one kept in the kv store (made once,
// by whichever instance comes first), so embed tokens verify on every
// instance and survive restarts.
func embedSecret(ctx context.Context, configured string, kv secretStore) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	if b, err := kv.Get(ctx, embedSecretKey); err == nil && len(b) >= 32 {
		return b, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if err := kv.CompareAndSet(ctx, embedSecretKey, nil, fresh); err != nil {
		if b, gerr := kv.Get(ctx, embedSecretKey); gerr == nil && len(b) >= 32 {
			return b, nil // another instance won the race
		}
		return nil, fmt.Errorf("store the embed secret: %w", err)
	}
	return fresh, nil
}
