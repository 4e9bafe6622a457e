package postgres

import "errors"

// ErrMigration means the schema could not be created or upgraded.
var ErrMigration = errors.New("database schema migration failed")
