package netguard

import "errors"

// ErrClosed is returned by Accept once the listener is closed.
var ErrClosed = errors.New("netguard: listener closed")
