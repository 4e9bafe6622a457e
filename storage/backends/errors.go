package backends

import "errors"

// ErrConfig wraps every configuration error; the message names the setting
// to fix and never echoes secrets.
var ErrConfig = errors.New("invalid storage configuration")
