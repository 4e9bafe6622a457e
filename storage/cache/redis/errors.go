package redis

import "errors"

// ErrBadURL means REDIS_URL could not be parsed.
var ErrBadURL = errors.New("REDIS_URL is not a valid redis:// or rediss:// URL")
