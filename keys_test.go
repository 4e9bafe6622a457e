package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium/symposium/storage/apikeys"
	"github.com/symposium/symposium/storage/kv/bolt"
)

func TestKeysCLI(t *testing.T) {
	kv, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Close()
	keys := apikeys.New(kv)
	ctx := context.Background()
	var out, errb bytes.Buffer
	if rc := keysCLI(ctx, []string{"create", "--tenant", "acme", "--admin", "--name", "ops"}, keys, &out, &errb); rc != 0 {
		t.Fatalf("create: %d %s", rc, errb.String())
	}
	secret := strings.TrimSpace(out.String())
	k, err := keys.Authenticate(ctx, secret)
	if err != nil || !k.Admin || k.Tenant != "acme" {
		t.Fatalf("created key: %+v %v", k, err)
	}
	out.Reset()
	if rc := keysCLI(ctx, []string{"list"}, keys, &out, &errb); rc != 0 || !strings.Contains(out.String(), k.ID) || strings.Contains(out.String(), secret) {
		t.Fatalf("list: %d %s", rc, out.String())
	}
	if rc := keysCLI(ctx, []string{"revoke", k.ID}, keys, &out, &errb); rc != 0 {
		t.Fatalf("revoke: %d", rc)
	}
	if _, err := keys.Authenticate(ctx, secret); err == nil {
		t.Fatal("revoked key still works")
	}
	if rc := keysCLI(ctx, []string{"create"}, keys, &out, &errb); rc != 2 {
		t.Fatalf("create without tenant: %d", rc)
	}
	if rc := keysCLI(ctx, []string{"revoke", "nope"}, keys, &out, &errb); rc != 1 {
		t.Fatalf("revoke unknown: %d", rc)
	}
}
