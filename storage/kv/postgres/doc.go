// Package postgres is the kv.Store on PostgreSQL (Cloud SQL in production):
// a pooled pgx connection, a schema migrated on start through a versioned
// migrations table, and a deadline on every call.
package postgres
