package postgres_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/symposium/symposium/storage/internal/servicetest"
	"github.com/symposium/symposium/storage/kv"
	"github.com/symposium/symposium/storage/kv/kvtest"
	"github.com/symposium/symposium/storage/kv/postgres"
)

// openTemp opens a store in a fresh schema that is dropped after the test.
func openTemp(t testing.TB, dsn string) (*postgres.Store, string) {
	t.Helper()
	schema := servicetest.UniqueName("kvtest_")
	s, err := postgres.Open(context.Background(), dsn, slog.New(slog.DiscardHandler), postgres.WithSchema(schema))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		dropSchema(t, dsn, schema)
	})
	return s, schema
}

func dropSchema(t testing.TB, dsn, schema string) {
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Errorf("drop schema: %v", err)
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
		t.Errorf("drop schema: %v", err)
	}
}

func TestConformance(t *testing.T) {
	dsn := servicetest.PostgresURL(t)
	kvtest.Run(t, func(t *testing.T) kv.Store {
		s, _ := openTemp(t, dsn)
		return s
	})
}

func TestMigrationsAreVersionedAndIdempotent(t *testing.T) {
	dsn := servicetest.PostgresURL(t)
	s, schema := openTemp(t, dsn)
	if err := s.Set(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	// A second process starting on the same schema must not re-run or fail.
	again, err := postgres.Open(t.Context(), dsn, slog.New(slog.DiscardHandler), postgres.WithSchema(schema))
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer again.Close()
	if v, err := again.Get(t.Context(), "k"); err != nil || string(v) != "v" {
		t.Fatalf("Get via second store: %q, %v", v, err)
	}
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var n, max int
	err = conn.QueryRow(t.Context(), `SELECT count(*), max(version) FROM `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&n, &max)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || max != 1 {
		t.Fatalf("schema_migrations has %d rows, max version %d; want 1, 1", n, max)
	}
}

func TestBadURLDoesNotLeakPassword(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://u:s3cret@127.0.0.1:notaport/db", slog.New(slog.DiscardHandler))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Open with malformed URL: %v", err)
	}
}

func TestClosedPortIsUnavailable(t *testing.T) {
	// Port 1 on loopback refuses connections on any normal machine.
	_, err := postgres.Open(t.Context(), "postgres://u:s3cret@127.0.0.1:1/db?sslmode=disable", slog.New(slog.DiscardHandler))
	if !errors.Is(err, kv.ErrUnavailable) {
		t.Fatalf("Open on closed port: %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error leaks password: %v", err)
	}
}
