package blocks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
}

// Blobs is what blocks needs from blob storage.
type Blobs interface {
	Put(ctx context.Context, name string, data []byte) error
	Get(ctx context.Context, name string) ([]byte, error)
	Delete(ctx context.Context, name string) error
}

// DataPurger removes a block's per-block data (blockdata.Store does).
type DataPurger interface {
	DeleteAll(ctx context.Context, block string) error
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
func outputKey(id string) string  { return "output/" + id }
func htmlBlob(id string) string   { return "blocks/" + id + "/output.html" }
func outputBlob(id string) string { return "blocks/" + id + "/output.json" }

// Put creates or replaces a block; UpdatedAt is set to now.
func (s *Store) Put(ctx context.Context, b Block) error {
	raw, err := blockRecord(&b)
	if err != nil {
		return err
	}
	return s.kv.Set(ctx, blockKey(b.ID), raw)
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

// PutWithOutput stores a block and its latest output in one atomic write
// (one disk sync on the embedded store): a run of new code is recorded
// whole or not at all.
func (s *Store) PutWithOutput(ctx context.Context, b Block, out Output) error {
	braw, err := blockRecord(&b)
	if err != nil {
		return err
	}
	oraw, had, err := s.outputRecord(ctx, b.ID, out)
	if err != nil {
		return err
	}
	if err := s.kv.SetMany(ctx, []kv.Entry{{Key: blockKey(b.ID), Value: braw}, {Key: outputKey(b.ID), Value: oraw.raw}}); err != nil {
		return err
	}
	return s.dropStaleBlob(ctx, b.ID, oraw.blob, had)
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

// Delete removes the block, its output (and output blob) and its data.
// Deleting an absent block is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := blockdata.CheckBlockID(id); err != nil {
		return err
	}
	// Dependents first: if we fail midway the block is still listed and
	// the delete can be retried.
	for _, name := range []string{htmlBlob(id), outputBlob(id)} {
		if err := s.blobs.Delete(ctx, name); err != nil {
			return err
		}
	}
	if err := s.kv.Delete(ctx, outputKey(id)); err != nil {
		return err
	}
	if err := s.data.DeleteAll(ctx, id); err != nil {
		return err
	}
	return s.kv.Delete(ctx, blockKey(id))
}

// PutOutput records the block's latest output; the block must exist.
func (s *Store) PutOutput(ctx context.Context, id string, out Output) error {
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	rec, had, err := s.outputRecord(ctx, id, out)
	if err != nil {
		return err
	}
	if err := s.kv.Set(ctx, outputKey(id), rec.raw); err != nil {
		return err
	}
	return s.dropStaleBlob(ctx, id, rec.blob, had)
}

type encodedOutput struct {
	raw  []byte
	blob bool // the output went to blob storage
}

// prevBlobs says which blobs the output being replaced had.
type prevBlobs struct{ blob, html bool }

// outputRecord encodes an output, putting a large one in blob storage
// first, and says which blobs the output it replaces had.
func (s *Store) outputRecord(ctx context.Context, id string, out Output) (encodedOutput, prevBlobs, error) {
	if out.UpdatedAt.IsZero() {
		out.UpdatedAt = time.Now().UTC()
	}
	rec := outputRecord{Output: out}
	raw, err := marshal(rec)
	if err != nil {
		return encodedOutput{}, prevBlobs{}, err
	}
	if len(raw) > InlineHTMLLimit {
		if err := s.blobs.Put(ctx, outputBlob(id), raw); err != nil {
			return encodedOutput{}, prevBlobs{}, fmt.Errorf("store output of block %s: %w", id, err)
		}
		rec = outputRecord{Output: Output{DurationMs: out.DurationMs, UpdatedAt: out.UpdatedAt}, Blob: outputBlob(id)}
		if raw, err = marshal(rec); err != nil {
			return encodedOutput{}, prevBlobs{}, err
		}
	}
	var prev outputRecord
	var had prevBlobs
	if s.getJSON(ctx, outputKey(id), &prev) == nil {
		had = prevBlobs{blob: prev.Blob != "", html: prev.HTMLBlob != ""}
	}
	return encodedOutput{raw: raw, blob: rec.Blob != ""}, had, nil
}

// dropStaleBlob removes the blobs of a previous large output that the
// new one no longer uses.
func (s *Store) dropStaleBlob(ctx context.Context, id string, blob bool, had prevBlobs) error {
	if had.html {
		if err := s.blobs.Delete(ctx, htmlBlob(id)); err != nil {
			return err
		}
	}
	if !blob && had.blob {
		return s.blobs.Delete(ctx, outputBlob(id))
	}
	return nil
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
