package config

import "errors"

// ErrInvalid wraps every validation problem.
var ErrInvalid = errors.New("invalid configuration")
