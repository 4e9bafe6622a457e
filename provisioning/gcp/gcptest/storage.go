package gcptest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

// Storage is fake-gcs-server behind a listener that counts writes.
type Storage struct {
	*httptest.Server
	fake   *fakestorage.Server
	writes atomic.Int32
}

// NewStorage starts fake-gcs-server in process; Close it when done.
func NewStorage() (*Storage, error) {
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		return nil, err
	}
	s := &Storage{fake: fake}
	h := fake.HTTPHandler()
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.writes.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	return s, nil
}

// Host is the value for STORAGE_EMULATOR_HOST.
func (s *Storage) Host() string { return strings.TrimPrefix(s.URL, "http://") }

// Writes counts the non-read requests (bucket and object creation).
func (s *Storage) Writes() int { return int(s.writes.Load()) }

// Close stops both servers.
func (s *Storage) Close() {
	s.Server.Close()
	s.fake.Stop()
}
