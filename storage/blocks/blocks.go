package blocks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/kv"
)

// InlineHTMLLimit is the largest output record kept inside the kv store;
// a larger one goes to blob storage.
const InlineHTMLLimit = 64 << 10

// Code is a block's source.
type Code struct {
	HTML       string `json:"html"`
	CSS        string `json:"css"`
	JavaScript string `json:"javascript"`
}

// Block is a content block.
type Block struct {
	ID        string          `json:"id"`
	Name      string          `json:"name,omitempty"`
	Code      Code            `json:"code"`
	Data      json.RawMessage `json:"data,omitempty"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// RunError describes why the last run failed.
type RunError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Stack   string `json:"stack,omitempty"`
}

// Log is one console entry of a run.
type Log struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// Output is a block's last rendered result.
type Output struct {
	HTML       string    `json:"html"`
	CSS        string    `json:"css"`
	Logs       []Log     `json:"logs,omitempty"`
	Error      *RunError `json:"error,omitempty"`
	DurationMs float64   `json:"durationMs"`
	UpdatedAt  time.Time `json:"updatedAt"`
	// Page is the sanitised output page, built once when the output was
	// made and stored with it; Removed says what its sanitiser removed.
	Page    string    `json:"page,omitempty"`
	Removed []Removal `json:"removed,omitempty"`
	// Notices and the isolate's figures of the run, so a reopened block
	// shows what its last run said and cost.
	Notices     []string `json:"notices,omitempty"`
	PID         int      `json:"pid,omitempty"`
	MemoryBytes uint64   `json:"memoryBytes,omitempty"`
	CPUMicros   uint64   `json:"cpuMicros,omitempty"`
}

// Removal is one kind of markup the output page's sanitiser removed.
type Removal struct {
	What  string `json:"what"`
	Count int    `json:"count"`
	Why   string `json:"why"`
}

// outputRecord is Output as stored: inline when small, else in a blob
// (Blob, the whole Output as JSON) so the record stays far under the kv
// value limit whatever the output's HTML, CSS and logs add up to.
// HTMLBlob is the older form (the HTML alone in a blob), still read.
type outputRecord struct {
	Output
	Blob     string `json:"blob,omitempty"`
	HTMLBlob string `json:"htmlBlob,omitempty"`
}

// KV is what blocks needs from a key-value store.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte) error
	SetMany(ctx context.Context, entries []kv.Entry) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, prefix string) ([]kv.Entry, error)
	CompareAndSet(ctx context.Context, key string, expected, value []byte) error
	CompareAndWrite(ctx context.Context, guard string, expected []byte, sets []kv.Entry, deletes []string) error
}

// Blobs is what blocks needs from blob storage.
type Blobs interface {
	Put(ctx context.Context, name string, data []byte) error
	Get(ctx context.Context, name string) ([]byte, error)
	Delete(ctx context.Context, name string) error
}

// DataPurger removes a block's per-block data and says how much there is
// (blockdata.Store does).
type DataPurger interface {
	DeleteAll(ctx context.Context, block string) error
	// Size is the bytes of the block's data (keys and values).
	Size(ctx context.Context, block string) (int, error)
}

// Store persists blocks.
type Store struct {
	kv    KV
	blobs Blobs
	data  DataPurger
}

// New returns a Store; Delete also purges the block's data through data.
func New(kv KV, blobs Blobs, data DataPurger) *Store {
	return &Store{kv: kv, blobs: blobs, data: data}
}

func blockKey(id string) string   { return "block/" + id }
func epochKey(id string) string   { return "blockepoch/" + id }
func outputKey(id string) string  { return "output/" + id }
func htmlBlob(id string) string   { return "blocks/" + id + "/output.html" }
func outputBlob(id string) string { return "blocks/" + id + "/output.json" } // the older, fixed name

// newOutputBlob names the blob of one output write: its own name, so a
// write that is then not made can remove its blob without touching
// another's, and a reader of a record always finds the blob it names.
func newOutputBlob(id string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "blocks/" + id + "/output-" + hex.EncodeToString(b[:]) + ".json"
}

func blockRecord(b *Block) ([]byte, error) {
	if err := blockdata.CheckBlockID(b.ID); err != nil {
		return nil, err
	}
	if len(b.Data) > 0 && !json.Valid(b.Data) {
		return nil, fmt.Errorf("%w: block %s data is not valid JSON", ErrInvalidBlock, b.ID)
	}
	b.UpdatedAt = time.Now().UTC()
	return marshal(b)
}

// marshal encodes a record without HTML escaping: json.Marshal would
// write each '<', '>' and '&' of a block's markup as six bytes, so a
// 180 kB block of HTML would pass the 1 MiB value limit.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Get returns the block or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Block, error) {
	var b Block
	if err := blockdata.CheckBlockID(id); err != nil {
		return b, err
	}
	if err := s.getJSON(ctx, blockKey(id), &b); err != nil {
		return b, fmt.Errorf("block %s: %w", id, err)
	}
	return b, nil
}

// List returns every block, ordered by id.
func (s *Store) List(ctx context.Context) ([]Block, error) {
	entries, err := s.kv.List(ctx, "block/")
	if err != nil {
		return nil, err
	}
	out := make([]Block, 0, len(entries))
	for _, e := range entries {
		var b Block
		if err := json.Unmarshal(e.Value, &b); err != nil {
			return nil, fmt.Errorf("block record %s is corrupt: %w", e.Key, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// Every write of a block's records (block, output) is one conditional
// write guarded by the block's guard record "<epoch>.<generation>": the
// epoch counts the block's deletes, the generation its writes since the
// last. So writes of one block are serialised across every instance
// sharing the store (a writer that lost the race re-reads and retries),
// and a write made for an execution that noted an epoch before a delete
// (the ...At methods) stores nothing once the epoch changed. A guard
// outlives its block: a tombstone of a few bytes per deleted id.
type guard struct {
	epoch, gen uint64
	raw        []byte // as read; nil when absent
}

// anyEpoch writes whatever the epoch (Put and the other plain writes).
const anyEpoch = math.MaxUint64

// casAttempts bounds the retries of a guarded write under contention.
const casAttempts = 32

func (s *Store) readGuard(ctx context.Context, id string) (guard, error) {
	raw, err := s.kv.Get(ctx, epochKey(id))
	if errors.Is(err, storage.ErrNotFound) {
		return guard{}, nil
	}
	if err != nil {
		return guard{}, err
	}
	g := guard{raw: raw}
	e, n, _ := strings.Cut(string(raw), ".")
	if g.epoch, err = strconv.ParseUint(e, 10, 64); err == nil && n != "" {
		g.gen, err = strconv.ParseUint(n, 10, 64)
	}
	if err != nil {
		return guard{}, fmt.Errorf("block %s guard record is corrupt: %w", id, err)
	}
	return g, nil
}

func (g guard) encode() []byte { return []byte(fmt.Sprintf("%d.%d", g.epoch, g.gen)) }

// Epoch is the block's delete count: every Delete, on any instance sharing
// the store, increments it. An execution notes it before it runs and makes
// its writes with the ...At methods, which store nothing once it changed.
func (s *Store) Epoch(ctx context.Context, id string) (uint64, error) {
	if err := blockdata.CheckBlockID(id); err != nil {
		return 0, err
	}
	g, err := s.readGuard(ctx, id)
	return g.epoch, err
}

// write makes one guarded write of the block's records at epoch (anyEpoch:
// any). build returns the entries to write and done, told whether they
// were written, to tidy what build made outside the kv store; it runs
// again on every retry, so it reads what it replaces afresh.
func (s *Store) write(ctx context.Context, id string, epoch uint64,
	build func(ctx context.Context) (sets []kv.Entry, done func(written bool) error, err error)) error {
	if err := blockdata.CheckBlockID(id); err != nil {
		return err
	}
	for range casAttempts {
		g, err := s.readGuard(ctx, id)
		if err != nil {
			return err
		}
		if epoch != anyEpoch && g.epoch != epoch {
			return fmt.Errorf("block %s: %w", id, ErrDeleted)
		}
		sets, done, err := build(ctx)
		if err != nil {
			return err
		}
		next := guard{epoch: g.epoch, gen: g.gen + 1}
		err = s.kv.CompareAndWrite(ctx, epochKey(id), g.raw, append(sets, kv.Entry{Key: epochKey(id), Value: next.encode()}), nil)
		switch {
		case err == nil:
			return done(true)
		case errors.Is(err, storage.ErrConflict):
			if derr := done(false); derr != nil {
				return derr
			}
		default:
			return err // perhaps written: leave what build made
		}
	}
	return ErrBusy
}

func noTidy(bool) error { return nil }

// Put creates or replaces a block; UpdatedAt is set to now.
func (s *Store) Put(ctx context.Context, b Block) error { return s.PutAt(ctx, b, anyEpoch) }

// PutAt is Put made for an execution that noted epoch before it ran:
// ErrDeleted, and nothing written, if the block was deleted since.
func (s *Store) PutAt(ctx context.Context, b Block, epoch uint64) error {
	raw, err := blockRecord(&b)
	if err != nil {
		return err
	}
	return s.write(ctx, b.ID, epoch, func(context.Context) ([]kv.Entry, func(bool) error, error) {
		return []kv.Entry{{Key: blockKey(b.ID), Value: raw}}, noTidy, nil
	})
}

// PutWithOutput stores a block and its latest output in one atomic write
// (one disk sync on the embedded store): a run of new code is recorded
// whole or not at all.
func (s *Store) PutWithOutput(ctx context.Context, b Block, out Output) error {
	return s.PutWithOutputAt(ctx, b, out, anyEpoch)
}

// PutWithOutputAt is PutWithOutput under the epoch check of PutAt.
func (s *Store) PutWithOutputAt(ctx context.Context, b Block, out Output, epoch uint64) error {
	braw, err := blockRecord(&b)
	if err != nil {
		return err
	}
	return s.write(ctx, b.ID, epoch, func(ctx context.Context) ([]kv.Entry, func(bool) error, error) {
		rec, err := s.outputRecord(ctx, b.ID, out)
		if err != nil {
			return nil, nil, err
		}
		return []kv.Entry{{Key: blockKey(b.ID), Value: braw}, {Key: outputKey(b.ID), Value: rec.raw}}, rec.tidy, nil
	})
}

// PutOutput records the block's latest output; the block must exist.
func (s *Store) PutOutput(ctx context.Context, id string, out Output) error {
	g, err := s.readGuard(ctx, id)
	if err != nil {
		return err
	}
	return s.PutOutputAt(ctx, id, out, g.epoch)
}

// PutOutputAt is PutOutput under the epoch check of PutAt; a block gone
// since epoch is ErrDeleted, one absent all along ErrNotFound.
func (s *Store) PutOutputAt(ctx context.Context, id string, out Output, epoch uint64) error {
	if _, err := s.Get(ctx, id); err != nil {
		if errors.Is(err, ErrNotFound) {
			if cur, eerr := s.Epoch(ctx, id); eerr == nil && cur != epoch {
				return fmt.Errorf("block %s: %w", id, ErrDeleted)
			}
		}
		return err
	}
	return s.write(ctx, id, epoch, func(ctx context.Context) ([]kv.Entry, func(bool) error, error) {
		// The block was there at epoch; a delete since changes the epoch,
		// which the write checks.
		rec, err := s.outputRecord(ctx, id, out)
		if err != nil {
			return nil, nil, err
		}
		return []kv.Entry{{Key: outputKey(id), Value: rec.raw}}, rec.tidy, nil
	})
}

// encodedOutput is an output ready to write, with tidy to call once the
// write was or was not made: written, it removes the blobs of the output
// replaced; not, the blob made for this one.
type encodedOutput struct {
	raw  []byte
	tidy func(written bool) error
}

// outputRecord encodes an output, putting a large one in blob storage
// first under a name of its own.
func (s *Store) outputRecord(ctx context.Context, id string, out Output) (encodedOutput, error) {
	if out.UpdatedAt.IsZero() {
		out.UpdatedAt = time.Now().UTC()
	}
	rec := outputRecord{Output: out}
	raw, err := marshal(rec)
	if err != nil {
		return encodedOutput{}, err
	}
	var blob string
	if len(raw) > InlineHTMLLimit {
		blob = newOutputBlob(id)
		if err := s.blobs.Put(ctx, blob, raw); err != nil {
			return encodedOutput{}, fmt.Errorf("store output of block %s: %w", id, err)
		}
		rec = outputRecord{Output: Output{DurationMs: out.DurationMs, UpdatedAt: out.UpdatedAt}, Blob: blob}
		if raw, err = marshal(rec); err != nil {
			return encodedOutput{}, err
		}
	}
	var prev outputRecord
	had := s.getJSON(ctx, outputKey(id), &prev) == nil
	return encodedOutput{raw: raw, tidy: func(written bool) error {
		switch {
		case !written && blob != "":
			return s.blobs.Delete(ctx, blob)
		case written && had:
			return s.dropBlobs(ctx, id, prev, blob)
		}
		return nil
	}}, nil
}

// dropBlobs removes the blobs of output record rec except keep.
func (s *Store) dropBlobs(ctx context.Context, id string, rec outputRecord, keep string) error {
	if rec.HTMLBlob != "" {
		if err := s.blobs.Delete(ctx, htmlBlob(id)); err != nil {
			return err
		}
	}
	if rec.Blob != "" && rec.Blob != keep {
		return s.blobs.Delete(ctx, rec.Blob)
	}
	return nil
}

// Delete removes the block, its output (and output blobs) and its data.
// Deleting an absent block is not an error. It first bumps the block's
// epoch, so a write made for an execution that began before the delete
// (here or on another instance sharing the store) finds it changed and
// stores nothing; it removes the block and its output in one write that
// holds only if no write came in since, else starts over.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := blockdata.CheckBlockID(id); err != nil {
		return err
	}
	for range casAttempts {
		g, err := s.readGuard(ctx, id)
		if err != nil {
			return err
		}
		bumped := guard{epoch: g.epoch + 1}
		err = s.kv.CompareAndWrite(ctx, epochKey(id), g.raw, []kv.Entry{{Key: epochKey(id), Value: bumped.encode()}}, nil)
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		// Dependents first: if we fail midway the block is still listed
		// and the delete can be retried.
		if err := s.purgeDependents(ctx, id); err != nil {
			return err
		}
		err = s.kv.CompareAndWrite(ctx, epochKey(id), bumped.encode(), nil, []string{blockKey(id), outputKey(id)})
		if !errors.Is(err, storage.ErrConflict) {
			return err
		}
	}
	return ErrBusy
}

// purgeDependents removes the block's output blobs and data (the output
// record goes with the block record).
func (s *Store) purgeDependents(ctx context.Context, id string) error {
	var rec outputRecord
	if err := s.getJSON(ctx, outputKey(id), &rec); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	for _, name := range []string{htmlBlob(id), outputBlob(id), rec.Blob} {
		if name == "" {
			continue
		}
		if err := s.blobs.Delete(ctx, name); err != nil {
			return err
		}
	}
	return s.data.DeleteAll(ctx, id)
}

// PurgeDeleted removes what an execution of a block deleted since epoch
// may have left behind the delete (data it saved after the delete purged
// the block's): the block's data and output, if the block is absent or no
// write came in since the latest delete. It reports whether it purged.
// Data saved before its first write by a block being created right now
// under the same id would go too: a narrow race this accepts.
func (s *Store) PurgeDeleted(ctx context.Context, id string, epoch uint64) (bool, error) {
	g, err := s.readGuard(ctx, id)
	if err != nil || g.epoch == epoch {
		return false, err
	}
	if g.gen > 0 {
		if _, err := s.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			return false, err // a newer block is stored
		}
	}
	if err := s.purgeDependents(ctx, id); err != nil {
		return false, err
	}
	err = s.kv.CompareAndWrite(ctx, epochKey(id), g.raw, []kv.Entry{{Key: epochKey(id), Value: g.raw}}, []string{outputKey(id)})
	if errors.Is(err, storage.ErrConflict) {
		return true, nil // a write came in: its output stays
	}
	return true, err
}

// DataSize is the bytes of the block's saved data, as its data quota
// counts them.
func (s *Store) DataSize(ctx context.Context, id string) (int64, error) {
	n, err := s.data.Size(ctx, id)
	return int64(n), err
}

// GetOutput returns the block's last output or ErrNotFound.
func (s *Store) GetOutput(ctx context.Context, id string) (Output, error) {
	if err := blockdata.CheckBlockID(id); err != nil {
		return Output{}, err
	}
	var rec outputRecord
	if err := s.getJSON(ctx, outputKey(id), &rec); err != nil {
		return Output{}, fmt.Errorf("output of block %s: %w", id, err)
	}
	if rec.Blob != "" {
		raw, err := s.blobs.Get(ctx, rec.Blob)
		if err != nil {
			return Output{}, fmt.Errorf("output of block %s: %w", id, err)
		}
		var full outputRecord
		if err := json.Unmarshal(raw, &full); err != nil {
			return Output{}, fmt.Errorf("output of block %s: blob is corrupt: %w", id, err)
		}
		return full.Output, nil
	}
	if rec.HTMLBlob != "" {
		html, err := s.blobs.Get(ctx, rec.HTMLBlob)
		if err != nil {
			return Output{}, fmt.Errorf("output of block %s: %w", id, err)
		}
		rec.HTML = string(html)
	}
	return rec.Output, nil
}

func (s *Store) getJSON(ctx context.Context, key string, v any) error {
	raw, err := s.kv.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("record is corrupt: %w", err)
	}
	return nil
}
