package platform

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// metadataServer speaks the metadata protocol: it refuses requests without
// Metadata-Flavor: Google and flags its answers with the same header.
func metadataServer(t *testing.T, flavor string) (host string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata-Flavor") != "Google" {
			http.Error(w, "Missing Metadata-Flavor:Google header.", http.StatusForbidden)
			return
		}
		w.Header().Set("Metadata-Flavor", flavor)
		switch r.URL.Path {
		case "/computeMetadata/v1/project/project-id":
			w.Write([]byte("demo-project"))
		case "/computeMetadata/v1/instance/region":
			w.Write([]byte("projects/123456789/regions/europe-west1"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDetect(t *testing.T) {
	host := metadataServer(t, "Google")
	fake := metadataServer(t, "") // answers 200 without the flavor header
	dead := httptest.NewServer(http.NotFoundHandler())
	deadHost := strings.TrimPrefix(dead.URL, "http://")
	dead.Close() // nothing listens there any more

	cases := []struct {
		name string
		env  map[string]string
		want Environment
	}{
		{"bare machine", map[string]string{},
			Environment{Name: Local, Source: SourceEnv}},
		{"cloud run with metadata", map[string]string{"K_SERVICE": "symposium", "K_REVISION": "symposium-00002-abc", "K_CONFIGURATION": "symposium", "GCE_METADATA_HOST": host},
			Environment{Name: CloudRun, Service: "symposium", Revision: "symposium-00002-abc", Config: "symposium", ProjectID: "demo-project", Region: "europe-west1", Source: SourceMetadata}},
		{"cloud run, metadata unreachable", map[string]string{"K_SERVICE": "symposium", "GCE_METADATA_HOST": deadHost},
			Environment{Name: CloudRun, Service: "symposium", Source: SourceEnv}},
		{"impostor metadata server is ignored", map[string]string{"GCE_METADATA_HOST": fake},
			Environment{Name: Local, Source: SourceEnv}},
		{"metadata alone", map[string]string{"GCE_METADATA_HOST": host},
			Environment{Name: CloudRun, ProjectID: "demo-project", Region: "europe-west1", Source: SourceMetadata}},
		{"override to local", map[string]string{"K_SERVICE": "symposium", "GCE_METADATA_HOST": host, "ENVIRONMENT": "local"},
			Environment{Name: Local, Service: "symposium", ProjectID: "demo-project", Region: "europe-west1", Source: SourceOverride}},
		{"override to cloud run", map[string]string{"ENVIRONMENT": "Cloud-Run"},
			Environment{Name: CloudRun, Source: SourceOverride}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Detect(context.Background(), envOf(c.env))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestDetectBadOverride(t *testing.T) {
	_, err := Detect(context.Background(), envOf(map[string]string{"ENVIRONMENT": "gke"}))
	if !errors.Is(err, ErrUnknownEnvironment) {
		t.Fatalf("err = %v, want ErrUnknownEnvironment", err)
	}
}
