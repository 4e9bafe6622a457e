package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/symposium/symposium/storage"
)

// Cache stores values for a limited time.
type Cache interface {
	// Get returns the value or ErrNotFound if absent, expired or evicted.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value for ttl (> 0).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// CheckSet validates the arguments of Set, shared by every backend.
func CheckSet(key string, value []byte, ttl time.Duration, maxValueBytes int) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	if err := storage.CheckValue(value, maxValueBytes); err != nil {
		return err
	}
	if ttl <= 0 {
		return fmt.Errorf("%w: got %v", ErrInvalidTTL, ttl)
	}
	return nil
}
