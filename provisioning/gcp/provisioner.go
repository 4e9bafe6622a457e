package gcp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/option"
	redis "google.golang.org/api/redis/v1"
	sqladmin "google.golang.org/api/sqladmin/v1"
)

// Provisioner plans and applies the resources for one project and service.
type Provisioner struct {
	cfg      Config
	names    Names
	sql      *sqladmin.Service
	redis    *redis.Service
	gcs      *storage.Client
	log      *slog.Logger
	progress io.Writer
	poll     time.Duration
	backoff  time.Duration

	// mu serialises Apply: Cloud SQL runs one operation per instance at a
	// time, and two concurrent applies would only fight over it.
	mu sync.Mutex
}

// Option configures a Provisioner.
type Option func(*Provisioner)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(p *Provisioner) { p.log = l } }

// WithProgress receives one line per state change of a long-running
// operation, with the elapsed time (default: discard).
func WithProgress(w io.Writer) Option { return func(p *Provisioner) { p.progress = w } }

// WithPollInterval sets how often operations are polled (default 5s).
func WithPollInterval(d time.Duration) Option { return func(p *Provisioner) { p.poll = d } }

// WithRetryBackoff sets the first delay before retrying a Cloud SQL call
// refused with operationInProgress; it doubles up to 30s (default 2s).
func WithRetryBackoff(d time.Duration) Option { return func(p *Provisioner) { p.backoff = d } }

// New builds the API clients. It makes no API call.
func New(ctx context.Context, cfg Config, opts ...Option) (*Provisioner, error) {
	p := &Provisioner{
		cfg:      cfg,
		names:    NamesFor(cfg.ProjectID, cfg.Service),
		log:      slog.New(slog.DiscardHandler),
		progress: io.Discard,
		poll:     5 * time.Second,
		backoff:  2 * time.Second,
	}
	for _, o := range opts {
		o(p)
	}
	var err error
	if p.sql, err = sqladmin.NewService(ctx, cfg.clientOptions(cfg.SQLAdminEndpoint)...); err != nil {
		return nil, fmt.Errorf("cloud sql admin client: %w", err)
	}
	if p.redis, err = redis.NewService(ctx, cfg.clientOptions(cfg.RedisEndpoint)...); err != nil {
		return nil, fmt.Errorf("memorystore client: %w", err)
	}
	if p.gcs, err = storage.NewClient(ctx, cfg.storageOptions()...); err != nil {
		return nil, fmt.Errorf("cloud storage client: %w", err)
	}
	return p, nil
}

// storageOptions mirrors what the storage client does itself for
// STORAGE_EMULATOR_HOST, but from the injected settings rather than the
// process environment.
func (c Config) storageOptions() []option.ClientOption {
	h := c.StorageEmulatorHost
	if h == "" {
		return c.clientOptions("")
	}
	if !strings.Contains(h, "://") {
		h = "http://" + h
	}
	return []option.ClientOption{
		option.WithEndpoint(strings.TrimSuffix(h, "/") + "/storage/v1/"),
		option.WithoutAuthentication(),
		storage.WithJSONReads(),
	}
}

// Names are the resource names this provisioner manages.
func (p *Provisioner) Names() Names { return p.names }

// Close releases the storage client.
func (p *Provisioner) Close() error { return p.gcs.Close() }

// await polls check until it reports done, printing a line whenever the
// state changes.
func (p *Provisioner) await(ctx context.Context, what string, check func(context.Context) (state string, done bool, err error)) error {
	start, last := time.Now(), ""
	for {
		state, done, err := check(ctx)
		if err != nil {
			return err
		}
		if state != last {
			fmt.Fprintf(p.progress, "%s: %s (%s)\n", what, state, time.Since(start).Round(100*time.Millisecond))
			last = state
		}
		if done {
			return nil
		}
		if err := sleep(ctx, p.poll); err != nil {
			return fmt.Errorf("%s: interrupted while %s (the next apply resumes it): %w", what, state, err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
