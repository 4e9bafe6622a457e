package platform

import "errors"

var (
	// ErrUnknownEnvironment means ENVIRONMENT names no known platform.
	ErrUnknownEnvironment = errors.New("unknown ENVIRONMENT value")
	// ErrMetadata means the metadata server did not answer as Google's does.
	ErrMetadata = errors.New("metadata server")
)
