package fidelity

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/symposium/symposium/sandbox-runner/engine"
)

// loopbackHost stands in for the supervisor's host service with the
// harness's loopback server as the one allowed origin: a block's fetch of
// '/api/x' resolves against engine.DocumentURL on the server and against the
// page's URL in Chromium, and both reach the same server (which serves only
// the pages, so both get its 404), as they would the block's own origin.
type loopbackHost struct{ origin string } // http://127.0.0.1:port

func (br *browser) origin() string { return "http://127.0.0.1:" + br.port }

func (loopbackHost) SaveData(context.Context, string, []byte) error { return engine.ErrHostUnavailable }
func (loopbackHost) GetData(context.Context, string) ([]byte, bool, error) {
	return nil, false, engine.ErrHostUnavailable
}
func (loopbackHost) DeleteData(context.Context, string) error { return engine.ErrHostUnavailable }

func (h loopbackHost) Fetch(ctx context.Context, url string) (int, string, []byte, error) {
	rest, ok := strings.CutPrefix(url, strings.TrimSuffix(engine.DocumentURL, "/"))
	if !ok || !strings.HasPrefix(rest, "/") {
		return 0, "", nil, fmt.Errorf("%s is not the block's origin, the one the harness allows", url)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.origin+rest, nil)
	if err != nil {
		return 0, "", nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Content-Type"), body, err
}
