package gcp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/symposium/symposium/provisioning/cost"
	"github.com/symposium/symposium/provisioning/gcp"
	"github.com/symposium/symposium/provisioning/gcp/gcptest"
	"github.com/symposium/symposium/provisioning/platform"
)

// rig is an empty cloud project: fakes of Cloud SQL Admin, Memorystore and
// Cloud Storage reached by the real clients through the endpoint settings.
type rig struct {
	sql   *gcptest.CloudSQL
	redis *gcptest.Memorystore
	gcs   *gcptest.Storage
	env   map[string]string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	gcs, err := gcptest.NewStorage()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{sql: gcptest.NewCloudSQL(), redis: gcptest.NewMemorystore(), gcs: gcs}
	t.Cleanup(func() { r.sql.Close(); r.redis.Close(); r.gcs.Close() })
	r.env = map[string]string{
		"PROVISIONING_MODE":     "auto",
		"GCP_PROJECT_ID":        "demo-project",
		"SQLADMIN_ENDPOINT":     r.sql.Endpoint(),
		"REDIS_API_ENDPOINT":    r.redis.Endpoint(),
		"STORAGE_EMULATOR_HOST": r.gcs.Host(),
	}
	return r
}

// writes counts every create/update call that reached any fake.
func (r *rig) writes() int { return r.sql.Mutations() + r.redis.Creates() + r.gcs.Writes() }

// progress collects progress lines; hook sees each one.
type progress struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	hook func(line string)
}

func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hook != nil {
		p.hook(string(b))
	}
	return p.buf.Write(b)
}

func (p *progress) String() string { p.mu.Lock(); defer p.mu.Unlock(); return p.buf.String() }

func (r *rig) provisioner(t *testing.T, w *progress, extra map[string]string) *gcp.Provisioner {
	t.Helper()
	env := map[string]string{}
	for k, v := range r.env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := gcp.LoadConfig(func(k string) string { return env[k] }, platform.Environment{Name: platform.Local})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gcp.New(context.Background(), cfg, gcp.WithProgress(w),
		gcp.WithPollInterval(2*time.Millisecond), gcp.WithRetryBackoff(2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPlanEmptyProject(t *testing.T) {
	r := newRig(t)
	p := r.provisioner(t, &progress{}, nil)
	pl, err := p.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Resources) != 6 || len(pl.Pending()) != 6 {
		t.Fatalf("want 6 resources to create, got %+v", pl.Resources)
	}
	for _, res := range pl.Resources {
		if res.Action != gcp.Create {
			t.Errorf("%s %s: action %s", res.Kind, res.Name, res.Action)
		}
	}
	// db-f1-micro 7.665 + 10 GiB SSD 1.70 + 1 GiB Memorystore 35.77 + 1 GB GCS 0.02
	if want := 45.155; pl.TotalUSD < want-1e-9 || pl.TotalUSD > want+1e-9 {
		t.Errorf("total = %v, want %v", pl.TotalUSD, want)
	}
	var out bytes.Buffer
	pl.Print(&out)
	for _, s := range []string{"create  cloud sql instance    symposium-pg", "demo-project-symposium-data", "symposium-redis", "$45.16/month (limit $100.00)"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("plan output lacks %q:\n%s", s, out.String())
		}
	}
	if n := r.writes(); n != 0 {
		t.Fatalf("plan made %d write calls", n)
	}
}

func TestApplyThenNoop(t *testing.T) {
	r := newRig(t)
	w := &progress{}
	p := r.provisioner(t, w, nil)
	ctx := context.Background()
	if _, err := p.Apply(ctx); err != nil {
		t.Fatalf("apply: %v\n%s", err, w)
	}
	for _, s := range []string{"cloud sql instance symposium-pg: PENDING (", "cloud sql instance symposium-pg: RUNNING (", "cloud sql instance symposium-pg: DONE (",
		"cloud sql database symposium: DONE", "cloud sql user symposium: DONE", "memorystore instance symposium-redis: DONE", "memorystore instance symposium-redis: READY"} {
		if !strings.Contains(w.String(), s) {
			t.Errorf("progress lacks %q:\n%s", s, w)
		}
	}
	out, err := p.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pw := r.sql.Password("symposium-pg", "symposium")
	if len(pw) < 20 {
		t.Fatalf("user password %q is weak", pw)
	}
	if want := "postgres://symposium:" + pw + "@10.20.0.3:5432/symposium?sslmode=require"; out.DatabaseURL != want {
		t.Errorf("DATABASE_URL = %s, want %s", out.DatabaseURL, want)
	}
	if out.RedisURL != "redis://10.30.0.4:6379/0" || out.GCSBucket != "demo-project-symposium-data" {
		t.Errorf("outputs = %+v", out)
	}
	if strings.Contains(w.String(), pw) || strings.Contains(out.Redacted().DatabaseURL, pw) {
		t.Error("the password leaked into progress or the redacted outputs")
	}

	before := r.writes()
	pl, err := p.Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pl.Pending()); n != 0 {
		t.Errorf("second apply found %d pending resources: %+v", n, pl.Pending())
	}
	if after := r.writes(); after != before {
		t.Fatalf("second apply made %d write calls", after-before)
	}
	again, err := p.Outputs(ctx)
	if err != nil || again != out {
		t.Fatalf("outputs changed: %+v, %v", again, err)
	}
}

func TestCostLimitRefusesBeforeCreating(t *testing.T) {
	r := newRig(t)
	p := r.provisioner(t, &progress{}, map[string]string{"COST_LIMIT": "20"})
	_, err := p.Apply(context.Background())
	if !errors.Is(err, cost.ErrOverLimit) {
		t.Fatalf("err = %v, want ErrOverLimit", err)
	}
	if !strings.Contains(err.Error(), "exceeds the $20.00 limit by $25.1") {
		t.Errorf("message does not say by how much: %v", err)
	}
	if n := r.writes(); n != 0 {
		t.Fatalf("%d write calls reached the cloud before the refusal", n)
	}
}

func TestInterruptedApplyResumes(t *testing.T) {
	r := newRig(t)
	r.sql.Steps = 6
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &progress{hook: func(line string) {
		if strings.HasPrefix(line, "cloud sql instance") && strings.Contains(line, "RUNNING") {
			cancel() // as if the process were stopped mid-operation
		}
	}}
	p := r.provisioner(t, w, nil)
	if _, err := p.Apply(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted apply: %v", err)
	}
	if _, err := p.Outputs(context.Background()); !errors.Is(err, gcp.ErrNotReady) {
		t.Fatalf("outputs after interruption: %v, want ErrNotReady", err)
	}

	w2 := &progress{}
	p2 := r.provisioner(t, w2, nil)
	pl, err := p2.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range pl.Resources {
		if (res.Kind == gcp.KindSQLInstance || res.Kind == gcp.KindRedis) && res.Action != gcp.Resume {
			t.Errorf("%s: action %s, want resume", res.Kind, res.Action)
		}
	}
	if _, err := p2.Apply(context.Background()); err != nil {
		t.Fatalf("resumed apply: %v\n%s", err, w2)
	}
	if !strings.Contains(w2.String(), "resuming CREATE operation") {
		t.Errorf("the running operation was not awaited:\n%s", w2)
	}
	if _, err := p2.Outputs(context.Background()); err != nil {
		t.Fatal(err)
	}
	// instance, database, user: each created exactly once.
	if n := r.sql.Mutations(); n != 3 {
		t.Errorf("cloud sql saw %d mutations, want 3", n)
	}
	if n := r.redis.Creates(); n != 1 {
		t.Errorf("memorystore saw %d creates, want 1", n)
	}
}

func TestOperationInProgressIsRetried(t *testing.T) {
	r := newRig(t)
	r.sql.SetBusy(3)
	w := &progress{}
	p := r.provisioner(t, w, nil)
	if _, err := p.Apply(context.Background()); err != nil {
		t.Fatalf("apply: %v\n%s", err, w)
	}
	if n := r.sql.Rejected(); n != 3 {
		t.Errorf("%d calls rejected, want 3", n)
	}
	if got := strings.Count(w.String(), "another operation is in progress on the instance; retrying in"); got != 3 {
		t.Errorf("%d retry lines, want 3:\n%s", got, w)
	}
}

func TestFailedOperationSurfacesItsError(t *testing.T) {
	const msg = "Invalid request: Invalid Tier (db-f1-micro) for (ENTERPRISE_PLUS) Edition."
	r := newRig(t)
	r.sql.FailNextOperation(msg)
	p := r.provisioner(t, &progress{}, nil)
	_, err := p.Apply(context.Background())
	if !errors.Is(err, gcp.ErrOperationFailed) || !strings.Contains(err.Error(), msg) {
		t.Fatalf("err = %v", err)
	}

	r = newRig(t)
	r.redis.FailNextOperation("Insufficient capacity in zone us-central1-a.")
	p = r.provisioner(t, &progress{}, nil)
	_, err = p.Apply(context.Background())
	if !errors.Is(err, gcp.ErrOperationFailed) || !strings.Contains(err.Error(), "Insufficient capacity") {
		t.Fatalf("err = %v", err)
	}
}

// Two Cloud Run instances starting at once both apply: every create race
// ends in "already exists", which is success, and both get the same outputs.
func TestConcurrentAppliesConverge(t *testing.T) {
	r := newRig(t)
	a, b := r.provisioner(t, &progress{}, nil), r.provisioner(t, &progress{}, nil)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, p := range []*gcp.Provisioner{a, b} {
		wg.Go(func() { _, errs[i] = p.Apply(context.Background()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	oa, err := a.Outputs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ob, err := b.Outputs(context.Background())
	if err != nil || oa != ob {
		t.Fatalf("outputs differ: %+v vs %+v (%v)", oa, ob, err)
	}
	if n := r.redis.Creates(); n != 1 {
		t.Errorf("memorystore saw %d creates", n)
	}
	if pw := r.sql.Password("symposium-pg", "symposium"); !strings.Contains(oa.DatabaseURL, ":"+pw+"@") {
		t.Errorf("the user's password is not the stored one")
	}
}

func TestBadServiceAccountKey(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct{ key, want string }{
		{"not base64!!", "is not valid base64"},
		{b64("hello"), "decodes but is not JSON"},
		{b64(`{"type":"authorized_user","client_id":"x"}`), `has type "authorized_user", want "service_account"`},
		{b64(`{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----"}`), "is missing client_email"},
		{b64(`{"type":"service_account","client_email":"sa@p.iam.gserviceaccount.com"}`), "is missing private_key"},
	}
	for _, c := range cases {
		env := map[string]string{"PROVISIONING_MODE": "auto", "GCP_PROJECT_ID": "p", "GCP_SERVICE_ACCOUNT_KEY": c.key}
		_, err := gcp.LoadConfig(func(k string) string { return env[k] }, platform.Environment{})
		if !errors.Is(err, gcp.ErrBadKey) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("key %.20q: err = %v, want %q", c.key, err, c.want)
		}
	}
	// A good key, wrapped as `base64` prints it, supplies the project.
	good := b64(`{"type":"service_account","project_id":"from-key","client_email":"sa@from-key.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n"}`)
	env := map[string]string{"PROVISIONING_MODE": "manual", "GCP_SERVICE_ACCOUNT_KEY": good[:40] + "\n" + good[40:]}
	cfg, err := gcp.LoadConfig(func(k string) string { return env[k] }, platform.Environment{})
	if err != nil || cfg.ProjectID != "from-key" || cfg.Credentials == nil {
		t.Fatalf("good key: %+v, %v", cfg.ProjectID, err)
	}
}

func TestModeDefaults(t *testing.T) {
	none := func(string) string { return "" }
	cfg, err := gcp.LoadConfig(none, platform.Environment{Name: platform.Local})
	if err != nil || cfg.Mode != gcp.Disabled {
		t.Fatalf("local: mode %s, %v", cfg.Mode, err)
	}
	cfg, err = gcp.LoadConfig(none, platform.Environment{Name: platform.CloudRun, ProjectID: "meta-project", Region: "europe-west1", Service: "web"})
	if err != nil || cfg.Mode != gcp.Auto || cfg.ProjectID != "meta-project" || cfg.Region != "europe-west1" || cfg.Service != "web" {
		t.Fatalf("cloud run: %+v, %v", cfg, err)
	}
	if _, err := gcp.LoadConfig(none, platform.Environment{Name: platform.CloudRun}); !errors.Is(err, gcp.ErrConfig) {
		t.Fatalf("no project: %v", err)
	}
}
