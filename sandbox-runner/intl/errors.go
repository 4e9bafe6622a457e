package intl

import (
	"errors"
	"fmt"
)

// ErrInternal marks a fault in this package caught at the binding.
var ErrInternal = errors.New("internal error in Intl")

// Error is a JavaScript exception the binding rethrows: Kind is the
// constructor (RangeError, TypeError), Msg the text V8 uses.
type Error struct {
	Kind, Msg string
}

func (e *Error) Error() string { return e.Kind + ": " + e.Msg }

func rangeErr(format string, a ...any) error { return &Error{"RangeError", fmt.Sprintf(format, a...)} }
func typeErr(format string, a ...any) error  { return &Error{"TypeError", fmt.Sprintf(format, a...)} }
