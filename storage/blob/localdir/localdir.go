package localdir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/blob"
)

// maxFileName is NAME_MAX on every common Linux file system.
const maxFileName = 255

type options struct{ maxBlobBytes int }

// Opt configures Open.
type Opt func(*options)

// WithMaxBlobBytes sets the largest accepted blob (default blob.DefaultMaxBlobBytes).
func WithMaxBlobBytes(n int) Opt { return func(o *options) { o.maxBlobBytes = n } }

// Store is a blob.Store in one directory.
type Store struct {
	dir     string
	maxBlob int
}

var _ blob.Store = (*Store)(nil)

// Open uses dir, creating it if needed.
func Open(dir string, opts ...Opt) (*Store, error) {
	o := options{maxBlobBytes: blob.DefaultMaxBlobBytes}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create blob directory: %w", err)
	}
	return &Store{dir: dir, maxBlob: o.maxBlobBytes}, nil
}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, name string, data []byte) error {
	path, err := s.path(name)
	if err != nil {
		return err
	}
	if err := storage.CheckValue(data, s.maxBlob); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Temporary names start with "." which encoded names never do.
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("blob put: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("blob put: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("blob put: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("blob put: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("blob put: %w", err)
	}
	return s.syncDir()
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, name string) ([]byte, error) {
	path, err := s.path(name)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: blob %q", blob.ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("blob get: %w", err)
	}
	return data, nil
}

// Delete implements blob.Store.
func (s *Store) Delete(ctx context.Context, name string) error {
	path, err := s.path(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // nothing changed, nothing to sync
		}
		return fmt.Errorf("blob delete: %w", err)
	}
	return s.syncDir()
}

// List implements blob.Store.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	if err := storage.CheckPrefix(prefix); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("blob list: %w", err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			continue
		}
		name, err := url.PathUnescape(e.Name())
		if err == nil && strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Ping implements blob.Store: the directory must exist and be writable.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.dir, ".ping-*")
	if err != nil {
		return fmt.Errorf("%w: blob directory is not writable", blob.ErrUnavailable)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Close implements blob.Store.
func (s *Store) Close() error { return nil }

func (s *Store) path(name string) (string, error) {
	if err := blob.CheckName(name); err != nil {
		return "", err
	}
	enc := encode(name)
	if len(enc) > maxFileName {
		return "", fmt.Errorf("%w: %w", blob.ErrInvalidKey, ErrNameTooLong)
	}
	return filepath.Join(s.dir, enc), nil
}

// syncDir makes a rename or unlink durable.
func (s *Store) syncDir() error {
	d, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("blob sync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob sync: %w", err)
	}
	return nil
}

// encode maps a blob name to one flat file name: "/" and every other byte
// outside [A-Za-z0-9_-.] become %XX, and a leading "." is escaped too, so
// names can neither traverse directories nor collide with temporary files.
func encode(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
