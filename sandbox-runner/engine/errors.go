package engine

import "errors"

var (
	// ErrHostUnavailable rejects symposium.* calls when Options.Host is nil.
	ErrHostUnavailable = errors.New("not available")
	// ErrHTMLTooLarge is reported when body.innerHTML exceeds MaxHTMLBytes.
	ErrHTMLTooLarge = errors.New("document too large")
	// ErrBadBenchBlock is returned by LoadBenchBlocks for unreadable files.
	ErrBadBenchBlock = errors.New("invalid bench block")
)
