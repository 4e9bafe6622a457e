package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The committed bundle must be built from the committed sources and lock
// file: a change to either without `make ui` fails here.
func TestBundleUpToDate(t *testing.T) {
	if err := run(filepath.Join("..", ""), true); err != nil {
		t.Fatal(err)
	}
}

func TestInstalledTreeMatchesLock(t *testing.T) {
	lock := []byte(`{"packages":{"":{"name":"x"},"node_modules/a":{"version":"1.0.0","integrity":"sha512-a"}}}`)
	same := []byte(`{"packages":{"node_modules/a":{"version":"1.0.0","integrity":"sha512-a"}}}`)
	older := []byte(`{"packages":{"node_modules/a":{"version":"0.9.0","integrity":"sha512-b"}}}`)
	extra := []byte(`{"packages":{"node_modules/a":{"version":"1.0.0","integrity":"sha512-a"},"node_modules/b":{"version":"1.0.0"}}}`)
	if !lockedPackagesEqual(lock, same) {
		t.Error("an identical tree is not recognised")
	}
	if lockedPackagesEqual(lock, older) || lockedPackagesEqual(lock, extra) || lockedPackagesEqual(lock, []byte(`{}`)) {
		t.Error("a different tree is taken as installed")
	}
}

// The stamp is read back from the first line.
func TestStampRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.js")
	if err := os.WriteFile(p, []byte(stampPrefix+"abc123\n// rest\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := stamp(p); err != nil || s != "abc123" {
		t.Fatalf("stamp %q %v", s, err)
	}
}
