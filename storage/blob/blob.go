package blob

import (
	"context"
	"fmt"

	"github.com/symposium/symposium/storage"
)

// DefaultMaxBlobBytes is the default largest accepted blob (32 MiB).
const DefaultMaxBlobBytes = 32 << 20

// Store holds named blobs. A Put is atomic: readers see the old or the new
// content, never a mix.
type Store interface {
	// Put creates or replaces the blob.
	Put(ctx context.Context, name string, data []byte) error
	// Get returns the blob or ErrNotFound.
	Get(ctx context.Context, name string) ([]byte, error)
	// Delete removes the blob; deleting an absent blob is not an error.
	Delete(ctx context.Context, name string) error
	// List returns the names starting with prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// CheckName validates a blob name: the storage key rules, and not "." or
// ".." which no object store or file system treats as an ordinary name.
func CheckName(name string) error {
	if err := storage.CheckKey(name); err != nil {
		return err
	}
	if name == "." || name == ".." {
		return fmt.Errorf("%w: blob name %q is reserved", ErrInvalidKey, name)
	}
	return nil
}
