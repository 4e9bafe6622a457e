package apikeys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/symposium/symposium/storage"
	"github.com/symposium/symposium/storage/kv"
)

// KV is what the key store needs of a key-value store.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte) error
	List(ctx context.Context, prefix string) ([]kv.Entry, error)
}

const (
	prefix       = "apikey/"
	secretPrefix = "sym_"
)

var tenantRule = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// Key is one API key, without its secret.
type Key struct {
	ID        string     `json:"id"`
	Tenant    string     `json:"tenant"`
	Admin     bool       `json:"admin,omitempty"`
	Name      string     `json:"name,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	Hash      string     `json:"hash"` // hex SHA-256 of the secret
}

// Store creates, lists, revokes and checks keys.
type Store struct {
	kv  KV
	now func() time.Time
}

// New returns a Store on kv.
func New(kv KV) *Store { return &Store{kv: kv, now: time.Now} }

// CheckTenant validates a tenant name.
func CheckTenant(t string) error {
	if !tenantRule.MatchString(t) {
		return fmt.Errorf("%w: %q", ErrBadTenant, t)
	}
	return nil
}

// Create makes a key for tenant and returns its secret, which is shown once
// and never stored.
func (s *Store) Create(ctx context.Context, tenant, name string, admin bool) (secret string, k Key, err error) {
	if err := CheckTenant(tenant); err != nil {
		return "", Key{}, err
	}
	var idb [6]byte
	var sec [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return "", Key{}, err
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return "", Key{}, err
	}
	k = Key{ID: hex.EncodeToString(idb[:]), Tenant: tenant, Admin: admin, Name: name, CreatedAt: s.now().UTC()}
	secret = secretPrefix + k.ID + "_" + base64.RawURLEncoding.EncodeToString(sec[:])
	k.Hash = hash(secret)
	if err := s.put(ctx, k); err != nil {
		return "", Key{}, err
	}
	return secret, k, nil
}

// List returns every key, oldest first.
func (s *Store) List(ctx context.Context) ([]Key, error) {
	es, err := s.kv.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]Key, 0, len(es))
	for _, e := range es {
		var k Key
		if err := json.Unmarshal(e.Value, &k); err != nil {
			return nil, fmt.Errorf("apikeys: record %s: %w", e.Key, err)
		}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].CreatedAt.Before(keys[j].CreatedAt) })
	return keys, nil
}

// Revoke ends a key; requests with it fail from the next one on.
func (s *Store) Revoke(ctx context.Context, id string) error {
	k, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if k.RevokedAt != nil {
		return nil
	}
	t := s.now().UTC()
	k.RevokedAt = &t
	return s.put(ctx, k)
}

// Get returns the key with this id, revoked or not.
func (s *Store) Get(ctx context.Context, id string) (Key, error) {
	if id == "" || strings.ContainsAny(id, "/_") {
		return Key{}, ErrNotFound
	}
	b, err := s.kv.Get(ctx, prefix+id)
	if errors.Is(err, storage.ErrNotFound) {
		return Key{}, ErrNotFound
	}
	if err != nil {
		return Key{}, err
	}
	var k Key
	if err := json.Unmarshal(b, &k); err != nil {
		return Key{}, fmt.Errorf("apikeys: record %s: %w", id, err)
	}
	return k, nil
}

// Authenticate returns the live key a secret belongs to. A storage outage is
// returned as such (not as ErrInvalid), so callers answer 503, not 401.
func (s *Store) Authenticate(ctx context.Context, secret string) (Key, error) {
	rest, ok := strings.CutPrefix(secret, secretPrefix)
	id, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 {
		return Key{}, ErrInvalid
	}
	k, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Key{}, ErrInvalid
	}
	if err != nil {
		return Key{}, err
	}
	if subtle.ConstantTimeCompare([]byte(k.Hash), []byte(hash(secret))) != 1 || k.RevokedAt != nil {
		return Key{}, ErrInvalid
	}
	return k, nil
}

// Live reports whether the key id exists and is not revoked, for sessions
// that carry a key id instead of its secret.
func (s *Store) Live(ctx context.Context, id string) (Key, error) {
	k, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Key{}, ErrInvalid
	}
	if err != nil {
		return Key{}, err
	}
	if k.RevokedAt != nil {
		return Key{}, ErrInvalid
	}
	return k, nil
}

func (s *Store) put(ctx context.Context, k Key) error {
	b, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return s.kv.Set(ctx, prefix+k.ID, b)
}

func hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

var bootstrapRule = regexp.MustCompile(`^([0-9a-f]{12}):([0-9a-f]{64})$`)

// Bootstrap records the first admin key of a deployment from
// ADMIN_KEY_HASH ("<id>:<hex SHA-256 of the secret>"): the deploy script
// makes the secret on the operator's machine and prints it once, and only
// its hash reaches the service's settings. A key id already known (live or
// revoked) is left as it is, so revoking the first key sticks across
// restarts. It reports whether the key was added.
func (s *Store) Bootstrap(ctx context.Context, spec, tenant string) (bool, error) {
	m := bootstrapRule.FindStringSubmatch(strings.TrimSpace(spec))
	if m == nil {
		return false, fmt.Errorf("%w: ADMIN_KEY_HASH must be <12 hex id>:<64 hex SHA-256 of the key>", ErrBadBootstrap)
	}
	if err := CheckTenant(tenant); err != nil {
		return false, err
	}
	if _, err := s.Get(ctx, m[1]); err == nil {
		return false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	return true, s.put(ctx, Key{ID: m[1], Tenant: tenant, Admin: true, Name: "bootstrap (deploy script)",
		CreatedAt: s.now().UTC(), Hash: m[2]})
}

// Adapter is the store seen by a consumer with its own principal type (the
// web layer's, which may not import storage): Of turns a live key into it,
// and Invalid is the consumer's error for a malformed, unknown or revoked
// key, wrapped around ErrInvalid. Outages pass through unchanged.
type Adapter[P any] struct {
	Store   *Store
	Of      func(Key) P
	Invalid error
}

// Authenticate is Store.Authenticate in the consumer's terms.
func (a Adapter[P]) Authenticate(ctx context.Context, secret string) (P, error) {
	return a.convert(a.Store.Authenticate(ctx, secret))
}

// Live is Store.Live in the consumer's terms.
func (a Adapter[P]) Live(ctx context.Context, id string) (P, error) {
	return a.convert(a.Store.Live(ctx, id))
}

func (a Adapter[P]) convert(k Key, err error) (P, error) {
	var zero P
	if errors.Is(err, ErrInvalid) {
		return zero, fmt.Errorf("%w: %w", a.Invalid, err)
	}
	if err != nil {
		return zero, err
	}
	return a.Of(k), nil
}
