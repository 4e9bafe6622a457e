package isolate

import (
	"bytes"
	"log/slog"

	hclog "github.com/hashicorp/go-hclog"
)

type hclogLogger = hclog.Logger

// slogWriter forwards go-plugin's log lines (and a runner's stderr, which
// go-plugin relays) to the injected slog logger.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	if w.l != nil {
		w.l.Warn("sandbox runner", "msg", string(bytes.TrimSpace(p)))
	}
	return len(p), nil
}
