package bolt

import "errors"

// ErrLocked means another process holds the database file open.
var ErrLocked = errors.New("database file is in use by another process")
