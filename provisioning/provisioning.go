package provisioning

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/symposium/symposium/provisioning/gcp"
	"github.com/symposium/symposium/provisioning/platform"
)

// Resolve runs at server start-up. It detects the platform and, per
// PROVISIONING_MODE, returns no outputs (disabled), the outputs of existing
// resources or gcp.ErrMissing naming the absent ones (manual), or applies
// the plan first (auto). Progress lines go to logger. Settings the user set
// explicitly (DATABASE_URL, REDIS_URL, GCS_BUCKET) should win over outputs.
func Resolve(ctx context.Context, getenv func(string) string, logger *slog.Logger) (platform.Environment, gcp.Outputs, error) {
	env, err := platform.Detect(ctx, getenv)
	if err != nil {
		return env, gcp.Outputs{}, err
	}
	cfg, err := gcp.LoadConfig(getenv, env)
	if err != nil || cfg.Mode == gcp.Disabled {
		return env, gcp.Outputs{}, err
	}
	p, err := newProvisioner(ctx, cfg, getenv, logger, &logWriter{log: logger})
	if err != nil {
		return env, gcp.Outputs{}, err
	}
	defer p.Close()
	if cfg.Mode == gcp.Auto {
		if _, err := p.Apply(ctx); err != nil {
			return env, gcp.Outputs{}, err
		}
	} else {
		pl, err := p.Plan(ctx)
		if err != nil {
			return env, gcp.Outputs{}, err
		}
		if missing := pl.Pending(); len(missing) > 0 {
			names := make([]string, len(missing))
			for i, r := range missing {
				names[i] = r.Kind + " " + r.Name
			}
			return env, gcp.Outputs{}, fmt.Errorf("%w (PROVISIONING_MODE=manual; run `symposium provision apply`): %s", gcp.ErrMissing, strings.Join(names, ", "))
		}
	}
	out, err := p.Outputs(ctx)
	if err == nil {
		logger.InfoContext(ctx, "cloud resources ready", "database", out.Redacted().DatabaseURL, "redis", out.RedisURL, "bucket", out.GCSBucket)
	}
	return env, out, err
}

func newProvisioner(ctx context.Context, cfg gcp.Config, getenv func(string) string, logger *slog.Logger, progress io.Writer) (*gcp.Provisioner, error) {
	opts := []gcp.Option{gcp.WithLogger(logger), gcp.WithProgress(progress)}
	if s := getenv("PROVISIONING_POLL_INTERVAL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%w: PROVISIONING_POLL_INTERVAL %q is not a positive duration", gcp.ErrConfig, s)
		}
		opts = append(opts, gcp.WithPollInterval(d))
	}
	return gcp.New(ctx, cfg, opts...)
}

// logWriter turns progress lines into log records.
type logWriter struct {
	log *slog.Logger
}

func (w *logWriter) Write(b []byte) (int, error) {
	for line := range bytes.Lines(b) {
		w.log.Info("provisioning", "progress", strings.TrimSpace(string(line)))
	}
	return len(b), nil
}
