package localdir_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium/symposium/storage/blob"
	"github.com/symposium/symposium/storage/blob/blobtest"
	"github.com/symposium/symposium/storage/blob/localdir"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := localdir.Open(filepath.Join(t.TempDir(), "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestNamesStayInsideTheDirectory(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "blobs")
	s, err := localdir.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../escape", "/etc/passwd-x", "a/../../b"} {
		if err := s.Put(context.Background(), name, []byte("x")); err != nil {
			t.Fatalf("Put(%q): %v", name, err)
		}
	}
	// Everything landed as flat files in dir, nothing beside or below it.
	ents, _ := os.ReadDir(root)
	if len(ents) != 1 {
		t.Fatalf("files escaped the blob directory: %v", ents)
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		if f.IsDir() || strings.HasPrefix(f.Name(), ".tmp") {
			t.Fatalf("unexpected entry %q", f.Name())
		}
	}
	if len(files) != 3 {
		t.Fatalf("%d files, want 3", len(files))
	}
}

func TestNameTooLongForFileSystem(t *testing.T) {
	s, err := localdir.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	err = s.Put(context.Background(), strings.Repeat("é", 100), []byte("x"))
	if !errors.Is(err, localdir.ErrNameTooLong) || !errors.Is(err, blob.ErrInvalidKey) {
		t.Fatalf("Put with long name: %v, want ErrNameTooLong and ErrInvalidKey", err)
	}
}
