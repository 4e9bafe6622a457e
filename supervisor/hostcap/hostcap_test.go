package hostcap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/symposium/symposium/ipc/sandboxpb"
	"github.com/symposium/symposium/storage/blockdata"
	"github.com/symposium/symposium/storage/kv/bolt"
	"github.com/symposium/symposium/supervisor/egress"
)

// The real block data store (on bbolt) and the real egress fetcher, seen
// through the Host service a script talks to.

type data struct{ s *blockdata.Store }

func (d data) Save(ctx context.Context, b, k string, v []byte) error { return d.s.Save(ctx, b, k, v) }
func (d data) Get(ctx context.Context, b, k string) ([]byte, error)  { return d.s.Get(ctx, b, k) }
func (d data) Delete(ctx context.Context, b, k string) error         { return d.s.Delete(ctx, b, k) }

type fetch struct{ f *egress.Fetcher }

func (f fetch) Fetch(ctx context.Context, u string) (int, string, []byte, error) {
	r, err := f.f.Fetch(ctx, u)
	if err != nil {
		return 0, "", nil, err
	}
	return r.Status, r.ContentType, r.Body, nil
}

type brokenData struct{}

var errDisk = errors.New("disk on fire at /var/lib/secret")

func (brokenData) Save(context.Context, string, string, []byte) error  { return errDisk }
func (brokenData) Get(context.Context, string, string) ([]byte, error) { return nil, errDisk }
func (brokenData) Delete(context.Context, string, string) error        { return errDisk }

func setup(t *testing.T) (*Factory, *httptest.Server) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "kv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	bd := blockdata.New(store, blockdata.WithLimits(blockdata.Limits{MaxKeys: 2, MaxValueBytes: 64, MaxTotalBytes: 1024}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "pong")
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	f := New(data{bd}, fetch{egress.New([]egress.Rule{{Scheme: "http", Host: u.Hostname(), Port: port(u)}})}, Classifier{
		NotFound:   blockdata.ErrNotFound,
		UserFacing: []error{blockdata.ErrQuota, blockdata.ErrInvalidJSON, blockdata.ErrInvalidKey, egress.ErrRefused, egress.ErrInvalidURL},
	}, nil)
	return f, srv
}

func TestDataIsPerBlockWithQuotas(t *testing.T) {
	f, _ := setup(t)
	ctx := context.Background()
	a, b := f.For("block-a"), f.For("block-b")
	if _, err := a.SaveData(ctx, &sandboxpb.SaveDataRequest{Key: "k", ValueJson: []byte(`{"n":1}`)}); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"})
	if err != nil || !got.GetFound() || string(got.GetValueJson()) != `{"n":1}` {
		t.Fatalf("get: %v %v", got, err)
	}
	// Another block cannot see it: its server is bound to its own id.
	other, err := b.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"})
	if err != nil || other.GetFound() {
		t.Fatalf("block-b read block-a's data: %v %v", other, err)
	}
	a.SaveData(ctx, &sandboxpb.SaveDataRequest{Key: "k2", ValueJson: []byte(`2`)})
	_, err = a.SaveData(ctx, &sandboxpb.SaveDataRequest{Key: "k3", ValueJson: []byte(`3`)})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "quota") {
		t.Fatalf("quota: want a readable InvalidArgument, got %v", err)
	}
	_, err = a.SaveData(ctx, &sandboxpb.SaveDataRequest{Key: "k", ValueJson: []byte(`{not json`)})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("invalid JSON: %v", err)
	}
	if _, err := a.DeleteData(ctx, &sandboxpb.DeleteDataRequest{Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.GetData(ctx, &sandboxpb.GetDataRequest{Key: "k"}); got.GetFound() {
		t.Fatal("deleted key still found")
	}
}

func TestFetchOnlyAllowlisted(t *testing.T) {
	f, srv := setup(t)
	h := f.For("b")
	r, err := h.Fetch(context.Background(), &sandboxpb.FetchRequest{Url: srv.URL + "/ping"})
	if err != nil || r.GetStatus() != 200 || string(r.GetBody()) != "pong" {
		t.Fatalf("allowlisted fetch: %v %v", r, err)
	}
	_, err = h.Fetch(context.Background(), &sandboxpb.FetchRequest{Url: "http://example.invalid/"})
	if status.Code(err) != codes.InvalidArgument || status.Convert(err).Message() != "fetch refused" {
		t.Fatalf("refused host: %v", err)
	}
}

func TestInternalErrorsDoNotReachScripts(t *testing.T) {
	h := New(brokenData{}, nil, Classifier{}, nil).For("b")
	_, err := h.SaveData(context.Background(), &sandboxpb.SaveDataRequest{Key: "k", ValueJson: []byte(`1`)})
	if status.Code(err) != codes.Unavailable || strings.Contains(err.Error(), "secret") {
		t.Fatalf("want a plain Unavailable, got %v", err)
	}
	if _, err := h.Fetch(context.Background(), &sandboxpb.FetchRequest{Url: "http://x/"}); status.Code(err) != codes.Unimplemented {
		t.Fatalf("no fetcher: %v", err)
	}
}

func port(u *url.URL) int {
	n, _ := strconv.Atoi(u.Port())
	return n
}
