package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrations are applied in order; index+1 is the version. Never edit a
// released entry: append a new one.
var migrations = []string{
	// COLLATE "C" makes ORDER BY byte order whatever the database locale,
	// and lets LIKE 'prefix%' use the primary key index.
	`CREATE TABLE %s (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL)`,
}

// migrationLock is an arbitrary advisory lock id shared by every Symposium
// process, so replicas starting together migrate one at a time.
const migrationLock = 0x53796d70 // "Symp"

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	versions := pgx.Identifier{s.schema, "schema_migrations"}.Sanitize()
	stmts := []string{
		`SELECT pg_advisory_xact_lock(` + fmt.Sprint(migrationLock) + `)`,
		`CREATE SCHEMA IF NOT EXISTS ` + pgx.Identifier{s.schema}.Sanitize(),
		`CREATE TABLE IF NOT EXISTS ` + versions + ` (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+versions).Scan(&current); err != nil {
		return err
	}
	for i := current; i < len(migrations); i++ {
		if _, err := tx.Exec(ctx, fmt.Sprintf(migrations[i], s.table)); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+versions+` (version) VALUES ($1)`, i+1); err != nil {
			return err
		}
		s.log.Info("applied kv schema migration", "version", i+1, "schema", s.schema)
	}
	return tx.Commit(ctx)
}
