package gcs

import "errors"

// ErrClient means the Cloud Storage client could not be created (usually
// missing or invalid credentials).
var ErrClient = errors.New("cannot create Cloud Storage client (check credentials)")
