package apikeys

import "errors"

var (
	// ErrInvalid: the presented secret is malformed, unknown or revoked. One
	// error for all three, so a caller learns nothing about which.
	ErrInvalid = errors.New("invalid or revoked API key")
	// ErrNotFound: no key has this id.
	ErrNotFound = errors.New("no such API key")
	// ErrBadTenant: a tenant name outside [a-z0-9-]{1,64}.
	ErrBadTenant = errors.New("tenant must be 1-64 characters of a-z, 0-9 and -")
	// ErrBadBootstrap: an ADMIN_KEY_HASH that is not "<id>:<sha256>".
	ErrBadBootstrap = errors.New("invalid bootstrap key")
)
