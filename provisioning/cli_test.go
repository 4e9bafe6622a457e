package provisioning

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/symposium/symposium/provisioning/gcp"
	"github.com/symposium/symposium/provisioning/gcp/gcptest"
)

// cloud starts fakes of the three APIs and returns the settings that point
// the real clients at them.
func cloud(t *testing.T) (map[string]string, *gcptest.CloudSQL) {
	t.Helper()
	gcs, err := gcptest.NewStorage()
	if err != nil {
		t.Fatal(err)
	}
	sql, redis := gcptest.NewCloudSQL(), gcptest.NewMemorystore()
	t.Cleanup(func() { sql.Close(); redis.Close(); gcs.Close() })
	return map[string]string{
		"GCP_PROJECT_ID":             "demo-project",
		"SQLADMIN_ENDPOINT":          sql.Endpoint(),
		"REDIS_API_ENDPOINT":         redis.Endpoint(),
		"STORAGE_EMULATOR_HOST":      gcs.Host(),
		"PROVISIONING_POLL_INTERVAL": "2ms",
	}, sql
}

func run(env map[string]string, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = RunCLI(context.Background(), args, func(k string) string { return env[k] }, &o, &e, slog.New(slog.DiscardHandler))
	return code, o.String(), e.String()
}

func TestCLIUsage(t *testing.T) {
	if code, out, _ := run(nil, "--help"); code != ExitOK || !strings.Contains(out, "Usage: symposium provision") {
		t.Errorf("--help: %d %q", code, out)
	}
	if code, _, errOut := run(nil, "destroy"); code != ExitUsage || !strings.Contains(errOut, `unknown command "destroy"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, _, _ := run(nil); code != ExitUsage {
		t.Errorf("no command: %d", code)
	}
}

func TestCLIPlanApplyOutputs(t *testing.T) {
	env, sql := cloud(t)
	code, out, errOut := run(env, "plan")
	if code != ExitOK || strings.Count(out, "  create ") != 6 || !strings.Contains(out, "Estimated total $45.16/month") {
		t.Fatalf("plan: %d\n%s%s", code, out, errOut)
	}

	env["COST_LIMIT"] = "30"
	code, out, errOut = run(env, "apply")
	if code != ExitRefused || !strings.Contains(errOut, "exceeds the $30.00 limit by $15.16") || sql.Mutations() != 0 {
		t.Fatalf("apply over limit: %d\n%s%s", code, out, errOut)
	}

	delete(env, "COST_LIMIT")
	code, out, errOut = run(env, "apply")
	if code != ExitOK || !strings.Contains(out, "Apply complete: 6 created or resumed.") || !strings.Contains(out, "cloud sql instance symposium-pg: DONE (") {
		t.Fatalf("apply: %d\n%s%s", code, out, errOut)
	}
	pw := sql.Password("symposium-pg", "symposium")
	if strings.Contains(out, pw) {
		t.Error("apply printed the database password")
	}

	code, out, _ = run(env, "apply")
	if code != ExitOK || !strings.Contains(out, "Apply complete: 0 created or resumed.") || strings.Count(out, "  exists ") != 6 {
		t.Fatalf("second apply: %d\n%s", code, out)
	}

	code, out, _ = run(env, "outputs")
	want := "DATABASE_URL=postgres://symposium:" + pw + "@10.20.0.3:5432/symposium?sslmode=require\nREDIS_URL=redis://10.30.0.4:6379/0\nGCS_BUCKET=demo-project-symposium-data\n"
	if code != ExitOK || !strings.HasSuffix(out, want) {
		t.Fatalf("outputs: %d\n%s", code, out)
	}
}

func TestCLIBadKeyIsAClearError(t *testing.T) {
	env := map[string]string{"GCP_PROJECT_ID": "p", "GCP_SERVICE_ACCOUNT_KEY": base64.StdEncoding.EncodeToString([]byte(`{"type":"service_account"}`))}
	code, _, errOut := run(env, "plan")
	if code != ExitError || errOut != "provision plan: GCP_SERVICE_ACCOUNT_KEY is missing client_email\n" {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestResolveModes(t *testing.T) {
	env, _ := cloud(t)
	get := func(k string) string { return env[k] }
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()

	e, out, err := Resolve(ctx, get, log)
	if err != nil || out != (gcp.Outputs{}) || e.Name != "local" {
		t.Fatalf("default (disabled) locally: %+v %+v %v", e, out, err)
	}
	env["PROVISIONING_MODE"] = "manual"
	if _, _, err := Resolve(ctx, get, log); !errors.Is(err, gcp.ErrMissing) || !strings.Contains(err.Error(), "cloud sql instance symposium-pg") {
		t.Fatalf("manual on an empty project: %v", err)
	}
	env["PROVISIONING_MODE"] = "auto"
	_, auto, err := Resolve(ctx, get, log)
	if err != nil || auto.RedisURL != "redis://10.30.0.4:6379/0" {
		t.Fatalf("auto: %+v %v", auto, err)
	}
	env["PROVISIONING_MODE"] = "manual"
	if _, manual, err := Resolve(ctx, get, log); err != nil || manual != auto {
		t.Fatalf("manual after apply: %+v %v", manual, err)
	}
}
