package dom

import "errors"

// ErrTooLarge is returned when the rendered body exceeds the caller's limit.
var ErrTooLarge = errors.New("dom: rendered HTML exceeds the size limit")

var (
	// ErrNoElement: a user event's target names no element of the page.
	ErrNoElement = errors.New("dom: no such element")
	// ErrBadSelector: a user event's target is not a valid CSS selector.
	ErrBadSelector = errors.New("dom: not a valid selector")
)
