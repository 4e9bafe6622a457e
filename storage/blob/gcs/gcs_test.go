package gcs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/symposium/symposium/storage/blob"
	"github.com/symposium/symposium/storage/blob/blobtest"
	"github.com/symposium/symposium/storage/blob/gcs"
)

// startFake runs fake-gcs-server on a real loopback listener so the real
// client speaks the Cloud Storage JSON/XML wire protocol over HTTP.
func startFake(t *testing.T) *fakestorage.Server {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", Port: 0})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

func TestConformance(t *testing.T) {
	srv := startFake(t)
	n := 0
	blobtest.Run(t, func(t *testing.T) blob.Store {
		n++
		bucket := fmt.Sprintf("symposium-test-%d", n)
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: bucket})
		s, err := gcs.Open(context.Background(), bucket, slog.New(slog.DiscardHandler), gcs.WithEmulatorHost(srv.URL()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestMissingBucketIsReported(t *testing.T) {
	srv := startFake(t)
	s, err := gcs.Open(context.Background(), "no-such-bucket", slog.New(slog.DiscardHandler), gcs.WithEmulatorHost(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Ping(context.Background())
	if err == nil || errors.Is(err, blob.ErrUnavailable) {
		t.Fatalf("Ping of missing bucket: %v, want a non-unavailable error", err)
	}
}

func TestStoppedServerIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	s, err := gcs.Open(context.Background(), "b", slog.New(slog.DiscardHandler), gcs.WithEmulatorHost(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := s.Get(ctx, "x"); !errors.Is(err, blob.ErrUnavailable) {
		t.Fatalf("Get against a closed port: %v, want ErrUnavailable", err)
	}
}
