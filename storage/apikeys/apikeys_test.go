package apikeys_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/kv/bolt"
)

func store(t *testing.T) (*apikeys.Store, *bolt.Store) {
	t.Helper()
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	return apikeys.New(kv), kv
}

func TestCreateAuthenticateRevoke(t *testing.T) {
	s, kv := store(t)
	ctx := context.Background()
	secret, k, err := s.Create(ctx, "acme", "ci", false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "sym_"+k.ID+"_") || len(secret) < 40 {
		t.Fatalf("secret %q for id %s", secret, k.ID)
	}
	got, err := s.Authenticate(ctx, secret)
	if err != nil || got.Tenant != "acme" || got.Admin || got.ID != k.ID {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	// Only the hash is stored.
	es, _ := kv.List(ctx, "")
	for _, e := range es {
		if strings.Contains(string(e.Value), secret) || strings.Contains(string(e.Value), secret[len(secret)-20:]) {
			t.Fatalf("the secret is stored in clear: %s", e.Value)
		}
	}
	for _, bad := range []string{"", "sym_", "sym_" + k.ID + "_wrong", secret + "x", "Bearer " + secret, "sym_zz/../_x"} {
		if _, err := s.Authenticate(ctx, bad); !errors.Is(err, apikeys.ErrInvalid) {
			t.Errorf("Authenticate(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if err := s.Revoke(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, apikeys.ErrInvalid) {
		t.Fatalf("revoked key still authenticates: %v", err)
	}
	if _, err := s.Live(ctx, k.ID); !errors.Is(err, apikeys.ErrInvalid) {
		t.Fatalf("revoked key is live: %v", err)
	}
	if err := s.Revoke(ctx, "nope"); !errors.Is(err, apikeys.ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
}

func TestListAndTenants(t *testing.T) {
	s, _ := store(t)
	ctx := context.Background()
	if _, _, err := s.Create(ctx, "Not Valid", "", false); !errors.Is(err, apikeys.ErrBadTenant) {
		t.Fatalf("bad tenant: %v", err)
	}
	_, a, _ := s.Create(ctx, "a", "first", true)
	_, b, _ := s.Create(ctx, "b", "second", false)
	keys, err := s.List(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("List = %+v, %v", keys, err)
	}
	ids := map[string]bool{keys[0].ID: true, keys[1].ID: true}
	if !ids[a.ID] || !ids[b.ID] {
		t.Fatalf("List = %+v", keys)
	}
}

func TestBootstrap(t *testing.T) {
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Close()
	s := apikeys.New(kv)
	ctx := context.Background()
	// As deploy-cloud-run.sh makes it.
	secret := "sym_00112233aabb_" + strings.Repeat("x", 43)
	spec := "00112233aabb:" + fmt.Sprintf("%x", sha256.Sum256([]byte(secret)))
	if added, err := s.Bootstrap(ctx, spec, "admin"); err != nil || !added {
		t.Fatalf("bootstrap: %v %v", added, err)
	}
	k, err := s.Authenticate(ctx, secret)
	if err != nil || !k.Admin || k.Tenant != "admin" {
		t.Fatalf("bootstrapped key: %+v %v", k, err)
	}
	if err := s.Revoke(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if added, err := s.Bootstrap(ctx, spec, "admin"); err != nil || added {
		t.Fatalf("a restart resurrects a revoked key: %v %v", added, err)
	}
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, apikeys.ErrInvalid) {
		t.Fatalf("revoked bootstrap key: %v", err)
	}
	if _, err := s.Bootstrap(ctx, "nope", "admin"); !errors.Is(err, apikeys.ErrBadBootstrap) {
		t.Fatalf("bad spec: %v", err)
	}
}
