package storage

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

const (
	// MaxKeyBytes bounds key length; long enough for namespaced ids, short
	// enough to index in every backend.
	MaxKeyBytes = 512
	// DefaultMaxValueBytes is the default per-value size limit (1 MiB).
	DefaultMaxValueBytes = 1 << 20
)

// CheckKey validates a key against the rules shared by every backend.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: key is empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyBytes {
		return fmt.Errorf("%w: key is %d bytes, the limit is %d", ErrInvalidKey, len(key), MaxKeyBytes)
	}
	if !utf8.ValidString(key) {
		return fmt.Errorf("%w: key is not valid UTF-8", ErrInvalidKey)
	}
	for i, r := range key {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: key has a control character at byte %d", ErrInvalidKey, i)
		}
	}
	return nil
}

// CheckPrefix validates a listing prefix: like a key, but may be empty.
func CheckPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return CheckKey(prefix)
}

// CheckValue rejects values larger than maxBytes.
func CheckValue(value []byte, maxBytes int) error {
	if len(value) > maxBytes {
		return fmt.Errorf("%w: value is %d bytes, the limit is %d", ErrTooLarge, len(value), maxBytes)
	}
	return nil
}
