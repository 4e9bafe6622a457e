package dom

import "errors"

// ErrTooLarge is returned when the rendered body exceeds the caller's limit.
var ErrTooLarge = errors.New("dom: rendered HTML exceeds the size limit")
