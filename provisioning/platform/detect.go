package platform

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Platform names.
const (
	Local    = "local"
	CloudRun = "cloud-run"
)

// Sources of a detection.
const (
	SourceEnv      = "env"      // K_* variables (or their absence)
	SourceMetadata = "metadata" // the metadata server answered
	SourceOverride = "override" // ENVIRONMENT was set
)

// DefaultMetadataHost is the link-local metadata server; GCE_METADATA_HOST
// replaces it, as in Google's own client libraries.
const DefaultMetadataHost = "169.254.169.254"

// metadataTimeout bounds each probe: off Google Cloud the address is usually
// a black hole, and start-up must not wait for a TCP timeout.
const metadataTimeout = 500 * time.Millisecond

// metadataClient never uses HTTP_PROXY: the server is link-local.
var metadataClient = &http.Client{Transport: &http.Transport{}}

// Environment is what Detect found.
type Environment struct {
	Name      string `json:"name"`
	Service   string `json:"service,omitempty"`
	Revision  string `json:"revision,omitempty"`
	Config    string `json:"configuration,omitempty"`
	Region    string `json:"region,omitempty"`
	ProjectID string `json:"project_id,omitempty"`
	Source    string `json:"source"`
}

// Detect works out the platform. Cloud Run is recognised by K_SERVICE (its
// container contract); the metadata server is then asked for the project and
// region. The server is also asked, with no K_* variables, when
// GCE_METADATA_HOST is set explicitly. ENVIRONMENT ("local" or "cloud-run")
// overrides the decision but not the details.
func Detect(ctx context.Context, getenv func(string) string) (Environment, error) {
	env := Environment{
		Name:     Local,
		Service:  getenv("K_SERVICE"),
		Revision: getenv("K_REVISION"),
		Config:   getenv("K_CONFIGURATION"),
		Source:   SourceEnv,
	}
	if env.Service != "" {
		env.Name = CloudRun
	}
	host := getenv("GCE_METADATA_HOST")
	if env.Name == CloudRun || host != "" {
		if host == "" {
			host = DefaultMetadataHost
		}
		if project, region, err := probeMetadata(ctx, host); err == nil {
			env.Name, env.ProjectID, env.Region, env.Source = CloudRun, project, region, SourceMetadata
		}
	}
	switch o := strings.ToLower(strings.TrimSpace(getenv("ENVIRONMENT"))); o {
	case "":
	case Local, CloudRun:
		env.Name, env.Source = o, SourceOverride
	default:
		return env, fmt.Errorf("%w %q (want %q or %q)", ErrUnknownEnvironment, o, Local, CloudRun)
	}
	return env, nil
}

// probeMetadata reads the project ID and the region. The region attribute
// exists only on serverless platforms, which is what separates Cloud Run
// from a GCE VM.
func probeMetadata(ctx context.Context, host string) (project, region string, err error) {
	ctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	base := "http://" + strings.TrimSuffix(strings.TrimPrefix(host, "http://"), "/") + "/computeMetadata/v1/"
	if project, err = metadataGet(ctx, base+"project/project-id"); err != nil {
		return "", "", err
	}
	full, err := metadataGet(ctx, base+"instance/region")
	if err != nil {
		return "", "", err
	}
	// The value is "projects/<number>/regions/<region>".
	return project, full[strings.LastIndex(full, "/")+1:], nil
}

func metadataGet(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Metadata-Flavor", "Google")
	resp, err := metadataClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	// A captive portal or proxy may answer 200 too; only the real server
	// sets the flavor header.
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Metadata-Flavor") != "Google" {
		return "", fmt.Errorf("%w: %s answered %d", ErrMetadata, url, resp.StatusCode)
	}
	return strings.TrimSpace(string(body)), nil
}
