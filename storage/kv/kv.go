package kv

import (
	"context"

	"github.com/symposium/symposium/storage"
)

// Limits shared with the other storage roles.
const (
	MaxKeyBytes          = storage.MaxKeyBytes
	DefaultMaxValueBytes = storage.DefaultMaxValueBytes
)

// Entry is one key/value pair returned by List.
type Entry struct {
	Key   string
	Value []byte
}

// Store is a context-aware key-value store. Values returned by Get and List
// are never nil for present keys, so they can be passed back as the expected
// value of CompareAndSet.
type Store interface {
	// Get returns the value of key or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key, replacing any previous value.
	Set(ctx context.Context, key string, value []byte) error
	// SetMany stores every entry in one atomic, durable write: all or none.
	SetMany(ctx context.Context, entries []Entry) error
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// List returns all entries whose key starts with prefix, in byte order
	// of keys. An empty prefix lists everything.
	List(ctx context.Context, prefix string) ([]Entry, error)
	// CompareAndSet stores value only if the current value equals expected;
	// a nil expected means "only if absent". Otherwise it returns ErrConflict.
	CompareAndSet(ctx context.Context, key string, expected, value []byte) error
	// CompareAndWrite applies sets and deletes in one atomic, durable write,
	// only if the current value of guard equals expected (nil: absent);
	// otherwise it returns ErrConflict and writes nothing. It lets a small
	// record (an index, a usage count) guard writes to other keys, so a
	// quota check and the write it allows are one step. The guard changes
	// only through sets or deletes; when expected is nil the guard must be
	// among the sets (creating it is what excludes a racing writer).
	CompareAndWrite(ctx context.Context, guard string, expected []byte, sets []Entry, deletes []string) error
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// SetsKey reports whether sets writes key (backends use it to enforce
// CompareAndWrite's absent-guard rule).
func SetsKey(sets []Entry, key string) bool {
	for _, e := range sets {
		if e.Key == key {
			return true
		}
	}
	return false
}
