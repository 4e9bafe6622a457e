package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/kv"
)

type options struct {
	schema        string
	maxValueBytes int
	timeout       time.Duration
}

// Opt configures Open.
type Opt func(*options)

// WithSchema puts the tables in the named schema (default "public").
func WithSchema(name string) Opt { return func(o *options) { o.schema = name } }

// WithMaxValueBytes sets the largest accepted value (default kv.DefaultMaxValueBytes).
func WithMaxValueBytes(n int) Opt { return func(o *options) { o.maxValueBytes = n } }

// WithTimeout bounds every call (default 5s); a shorter context deadline wins.
func WithTimeout(d time.Duration) Opt { return func(o *options) { o.timeout = d } }

// Store is a kv.Store backed by a PostgreSQL table.
type Store struct {
	pool     *pgxpool.Pool
	log      *slog.Logger
	schema   string
	table    string // sanitized schema-qualified name
	maxValue int
	timeout  time.Duration
}

var _ kv.Store = (*Store)(nil)

// Open connects to databaseURL and migrates the schema. Errors never contain
// the URL (it may hold a password).
func Open(ctx context.Context, databaseURL string, logger *slog.Logger, opts ...Opt) (*Store, error) {
	o := options{schema: "public", maxValueBytes: kv.DefaultMaxValueBytes, timeout: 5 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, errors.New("kv: DATABASE_URL is not a valid PostgreSQL connection URL")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > o.timeout {
		cfg.ConnConfig.ConnectTimeout = o.timeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, errors.New("kv: cannot configure PostgreSQL pool")
	}
	s := &Store{
		pool:     pool,
		log:      logger,
		schema:   o.schema,
		table:    pgx.Identifier{o.schema, "kv"}.Sanitize(),
		maxValue: o.maxValueBytes,
		timeout:  o.timeout,
	}
	mctx, cancel := context.WithTimeout(ctx, 4*o.timeout)
	defer cancel()
	if err := s.migrate(mctx); err != nil {
		pool.Close()
		if err := s.classify(ctx, mctx, "connect", err); errors.Is(err, kv.ErrUnavailable) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s", ErrMigration, safeMessage(err))
	}
	return s, nil
}

// Get implements kv.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := storage.CheckKey(key); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var v []byte
	err := s.pool.QueryRow(cctx, `SELECT value FROM `+s.table+` WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, kv.ErrNotFound
	}
	if err != nil {
		return nil, s.classify(ctx, cctx, "get", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// Set implements kv.Store.
func (s *Store) Set(ctx context.Context, key string, value []byte) error {
	if err := s.checkWrite(key, value); err != nil {
		return err
	}
	return s.exec(ctx, "set", `INSERT INTO `+s.table+` (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, nonNil(value))
}

// SetMany implements kv.Store: one transaction, one commit.
func (s *Store) SetMany(ctx context.Context, entries []kv.Entry) error {
	for _, e := range entries {
		if err := s.checkWrite(e.Key, e.Value); err != nil {
			return err
		}
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var batch pgx.Batch
	for _, e := range entries {
		batch.Queue(`INSERT INTO `+s.table+` (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, e.Key, nonNil(e.Value))
	}
	// A batch sent outside a transaction runs as one implicit transaction.
	if err := s.pool.SendBatch(cctx, &batch).Close(); err != nil {
		return s.classify(ctx, cctx, "set", err)
	}
	return nil
}

// Delete implements kv.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	return s.exec(ctx, "delete", `DELETE FROM `+s.table+` WHERE key = $1`, key)
}

// List implements kv.Store.
func (s *Store) List(ctx context.Context, prefix string) ([]kv.Entry, error) {
	if err := storage.CheckPrefix(prefix); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, err := s.pool.Query(cctx, `SELECT key, value FROM `+s.table+` WHERE key LIKE $1 ORDER BY key`, likePrefix(prefix))
	if err != nil {
		return nil, s.classify(ctx, cctx, "list", err)
	}
	var out []kv.Entry
	for rows.Next() {
		var e kv.Entry
		if err := rows.Scan(&e.Key, &e.Value); err != nil {
			rows.Close()
			return nil, s.classify(ctx, cctx, "list", err)
		}
		e.Value = nonNil(e.Value)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify(ctx, cctx, "list", err)
	}
	return out, nil
}

// CompareAndSet implements kv.Store. Under READ COMMITTED a concurrent
// UPDATE re-checks its WHERE clause on the row it waited for, so exactly one
// of several racing writers matches.
func (s *Store) CompareAndSet(ctx context.Context, key string, expected, value []byte) error {
	if err := s.checkWrite(key, value); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var (
		tag pgconn.CommandTag
		err error
	)
	if expected == nil {
		tag, err = s.pool.Exec(cctx, `INSERT INTO `+s.table+` (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, nonNil(value))
	} else {
		tag, err = s.pool.Exec(cctx, `UPDATE `+s.table+` SET value = $2 WHERE key = $1 AND value = $3`, key, nonNil(value), expected)
	}
	if err != nil {
		return s.classify(ctx, cctx, "compare-and-set", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("%w: key %q", kv.ErrConflict, key)
	}
	return nil
}

// CompareAndWrite implements kv.Store in one transaction. A present guard
// is locked (SELECT ... FOR UPDATE) before it is compared, so racing writers
// queue on it and each sees its predecessor's value; an absent guard is
// claimed by inserting it, which only one of several racers can do.
func (s *Store) CompareAndWrite(ctx context.Context, guard string, expected []byte, sets []kv.Entry, deletes []string) error {
	if err := storage.CheckKey(guard); err != nil {
		return err
	}
	if expected == nil && !kv.SetsKey(sets, guard) {
		return kv.ErrGuardNotWritten
	}
	for _, e := range sets {
		if err := s.checkWrite(e.Key, e.Value); err != nil {
			return err
		}
	}
	for _, k := range deletes {
		if err := storage.CheckKey(k); err != nil {
			return err
		}
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := pgx.BeginFunc(cctx, s.pool, func(tx pgx.Tx) error {
		if expected == nil {
			var guardValue []byte
			for _, e := range sets {
				if e.Key == guard {
					guardValue = e.Value
				}
			}
			tag, err := tx.Exec(cctx, `INSERT INTO `+s.table+` (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, guard, nonNil(guardValue))
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("%w: key %q", kv.ErrConflict, guard)
			}
		} else {
			var cur []byte
			err := tx.QueryRow(cctx, `SELECT value FROM `+s.table+` WHERE key = $1 FOR UPDATE`, guard).Scan(&cur)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && !bytes.Equal(nonNil(cur), expected)) {
				return fmt.Errorf("%w: key %q", kv.ErrConflict, guard)
			}
			if err != nil {
				return err
			}
		}
		var batch pgx.Batch
		if len(deletes) > 0 {
			batch.Queue(`DELETE FROM `+s.table+` WHERE key = ANY($1)`, deletes)
		}
		for _, e := range sets {
			batch.Queue(`INSERT INTO `+s.table+` (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, e.Key, nonNil(e.Value))
		}
		if batch.Len() == 0 {
			return nil
		}
		return tx.SendBatch(cctx, &batch).Close()
	})
	if errors.Is(err, kv.ErrConflict) {
		return err
	}
	if err != nil {
		return s.classify(ctx, cctx, "compare-and-write", err)
	}
	return nil
}

// Ping implements kv.Store.
func (s *Store) Ping(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.pool.Ping(cctx); err != nil {
		return s.classify(ctx, cctx, "ping", err)
	}
	return nil
}

// Close implements kv.Store.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

func (s *Store) exec(ctx context.Context, op, q string, args ...any) error {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if _, err := s.pool.Exec(cctx, q, args...); err != nil {
		return s.classify(ctx, cctx, op, err)
	}
	return nil
}

func (s *Store) checkWrite(key string, value []byte) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	return storage.CheckValue(value, s.maxValue)
}

// classify maps driver errors to kv sentinels. The caller's cancellation
// stays context.Canceled; a timeout or a broken connection is ErrUnavailable.
// Details go to the log, not to the caller: they can name hosts and users.
func (s *Store) classify(parent, ctx context.Context, op string, err error) error {
	if parent.Err() == context.Canceled {
		return fmt.Errorf("kv %s: %w", op, context.Canceled)
	}
	s.log.Warn("postgres kv call failed", "op", op, "err", err)
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("%w: PostgreSQL did not answer %s in time (%w)", kv.ErrUnavailable, op, context.DeadlineExceeded)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && !connectionClass(pgErr.Code) {
		return fmt.Errorf("kv %s failed: PostgreSQL error %s", op, pgErr.Code)
	}
	return fmt.Errorf("%w: PostgreSQL connection failed during %s", kv.ErrUnavailable, op)
}

// connectionClass reports SQLSTATEs that mean the server is going away or
// refusing work rather than rejecting this statement.
func connectionClass(code string) bool {
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") || strings.HasPrefix(code, "57P")
}

func safeMessage(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code + " " + pgErr.Message
	}
	return "see server log"
}

func likePrefix(prefix string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(prefix) + "%"
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
