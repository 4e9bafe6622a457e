package gcs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	sstorage "github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/blob"
)

type options struct {
	emulatorHost string
	maxBlobBytes int
	timeout      time.Duration
}

// Opt configures Open.
type Opt func(*options)

// WithEmulatorHost talks to a Cloud Storage emulator ("host:port" or a URL,
// as in STORAGE_EMULATOR_HOST) without credentials.
func WithEmulatorHost(host string) Opt { return func(o *options) { o.emulatorHost = host } }

// WithMaxBlobBytes sets the largest accepted blob (default blob.DefaultMaxBlobBytes).
func WithMaxBlobBytes(n int) Opt { return func(o *options) { o.maxBlobBytes = n } }

// WithTimeout bounds every call (default 30s); a shorter context deadline wins.
func WithTimeout(d time.Duration) Opt { return func(o *options) { o.timeout = d } }

// Store is a blob.Store in one bucket.
type Store struct {
	client  *storage.Client
	bucket  *storage.BucketHandle
	log     *slog.Logger
	maxBlob int
	timeout time.Duration
}

var _ blob.Store = (*Store)(nil)

// Open creates a client for bucket. It does not contact the service.
func Open(ctx context.Context, bucket string, logger *slog.Logger, opts ...Opt) (*Store, error) {
	o := options{maxBlobBytes: blob.DefaultMaxBlobBytes, timeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	var copts []option.ClientOption
	if o.emulatorHost != "" {
		endpoint := o.emulatorHost
		if !strings.Contains(endpoint, "://") {
			endpoint = "http://" + endpoint
		}
		// Emulators serve reads reliably only on the JSON API path.
		copts = append(copts, option.WithEndpoint(strings.TrimSuffix(endpoint, "/")+"/storage/v1/"),
			option.WithoutAuthentication(), storage.WithJSONReads())
	}
	client, err := storage.NewClient(ctx, copts...)
	if err != nil {
		logger.Error("cloud storage client", "err", err)
		return nil, ErrClient
	}
	return &Store{client: client, bucket: client.Bucket(bucket), log: logger, maxBlob: o.maxBlobBytes, timeout: o.timeout}, nil
}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, name string, data []byte) error {
	if err := blob.CheckName(name); err != nil {
		return err
	}
	if err := sstorage.CheckValue(data, s.maxBlob); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	w := s.bucket.Object(name).NewWriter(cctx)
	w.ChunkSize = 0 // one request: the object appears whole or not at all
	w.ContentType = "application/octet-stream"
	if _, err := w.Write(data); err != nil {
		w.Close()
		return s.classify(ctx, cctx, "put", err)
	}
	if err := w.Close(); err != nil {
		return s.classify(ctx, cctx, "put", err)
	}
	return nil
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, name string) ([]byte, error) {
	if err := blob.CheckName(name); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	r, err := s.bucket.Object(name).NewReader(cctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, fmt.Errorf("%w: blob %q", blob.ErrNotFound, name)
	}
	if err != nil {
		return nil, s.classify(ctx, cctx, "get", err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, s.classify(ctx, cctx, "get", err)
	}
	return data, nil
}

// Delete implements blob.Store.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := blob.CheckName(name); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := s.bucket.Object(name).Delete(cctx)
	if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
		return s.classify(ctx, cctx, "delete", err)
	}
	return nil
}

// List implements blob.Store.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	if err := sstorage.CheckPrefix(prefix); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	q := &storage.Query{Prefix: prefix}
	if err := q.SetAttrSelection([]string{"Name"}); err != nil {
		return nil, err
	}
	var names []string
	it := s.bucket.Objects(cctx, q)
	for {
		attrs, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return names, nil
		}
		if err != nil {
			return nil, s.classify(ctx, cctx, "list", err)
		}
		names = append(names, attrs.Name)
	}
}

// Ping implements blob.Store by reading the bucket's metadata.
func (s *Store) Ping(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if _, err := s.bucket.Attrs(cctx); err != nil {
		return s.classify(ctx, cctx, "ping", err)
	}
	return nil
}

// Close implements blob.Store.
func (s *Store) Close() error { return s.client.Close() }

// classify keeps the caller's cancellation as context.Canceled, reports a
// client-side refusal (missing bucket, permissions) by its HTTP status, and
// everything else (timeouts, 5xx, network) as ErrUnavailable. Details go to
// the log only.
func (s *Store) classify(parent, ctx context.Context, op string, err error) error {
	if parent.Err() == context.Canceled {
		return fmt.Errorf("blob %s: %w", op, context.Canceled)
	}
	s.log.Warn("cloud storage call failed", "op", op, "err", err)
	if errors.Is(err, storage.ErrBucketNotExist) {
		return fmt.Errorf("blob %s failed: the bucket does not exist", op)
	}
	var gerr *googleapi.Error
	if errors.As(err, &gerr) && ctx.Err() == nil && gerr.Code < 500 && gerr.Code != http.StatusTooManyRequests {
		return fmt.Errorf("blob %s failed: Cloud Storage replied %d %s", op, gerr.Code, http.StatusText(gerr.Code))
	}
	return fmt.Errorf("%w: Cloud Storage did not answer %s", blob.ErrUnavailable, op)
}
