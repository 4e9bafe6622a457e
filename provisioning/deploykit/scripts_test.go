package deploykit

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/joho/godotenv"
)

var root = filepath.Join("..", "..")

func script(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("shellcheck is not installed")
		}
		t.Skip("shellcheck is not installed")
	}
	for _, s := range []string{"deploy-cloud-run.sh", "setup.sh"} {
		if out, err := exec.Command(sc, script(t, s)).CombinedOutput(); err != nil {
			t.Errorf("shellcheck %s: %v\n%s", s, err, out)
		}
	}
}

// The scripts' help must work on a machine without gcloud: PATH holds only
// the basic tools, and HOME is empty.
func TestHelpWithoutCloud(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"bash", "cat", "dirname", "date"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{"deploy-cloud-run.sh", "setup.sh"} {
		cmd := exec.Command(script(t, s), "--help")
		cmd.Env = []string{"PATH=" + bin, "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "Usage: ./"+s) {
			t.Errorf("%s --help: %v\n%s", s, err, out)
		}
	}
	cmd := exec.Command(script(t, "deploy-cloud-run.sh"))
	cmd.Env = []string{"PATH=" + bin}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "gcloud not found") {
		t.Errorf("deploy without gcloud: %v\n%s", err, out)
	}
}

func TestSetupQuick(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(script(t, "setup.sh"), "--quick")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("setup.sh --quick: %v\n%s", err, out)
	}
	path := filepath.Join(dir, ".env")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf(".env mode %v, want 0600 (it may hold a key)", st.Mode().Perm())
	}
	env, err := godotenv.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"PORT": "8080", "LOG_LEVEL": "info", "PROVISIONING_MODE": "disabled", "GCP_REGION": "us-central1", "COST_LIMIT": "100", "DATA_DIR": "./data", "DATABASE_URL": ""}
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("%s=%q, want %q", k, got, v)
		}
	}

	// A second run must not clobber the file.
	cmd = exec.Command(script(t, "setup.sh"), "--quick")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "--force") {
		t.Errorf("second run: %v\n%s", err, out)
	}

	// Answers given interactively end up in the file.
	cmd = exec.Command(script(t, "setup.sh"), "--force")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader("9090\ndebug\nmanual\nmy-project\neurope-west1\n\n50\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("interactive: %v\n%s", err, out)
	}
	env, err = godotenv.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if env["PORT"] != "9090" || env["PROVISIONING_MODE"] != "manual" || env["GCP_PROJECT_ID"] != "my-project" || env["GCP_REGION"] != "europe-west1" || env["COST_LIMIT"] != "50" {
		t.Errorf("interactive answers lost: %v", env)
	}
}

// .env.example must list every setting: the ones the provisioning code
// reads (found in its source) and the server's and storage's.
func TestEnvExampleListsEverySetting(t *testing.T) {
	example, err := godotenv.Read(filepath.Join(root, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	if example["PORT"] != "8000" || example["DATABASE_URL"] != "" {
		t.Errorf("inline comments are not parsed as such: PORT=%q DATABASE_URL=%q", example["PORT"], example["DATABASE_URL"])
	}
	want := []string{"DATA_DIR", "DATABASE_URL", "REDIS_URL", "GCS_BUCKET", "FETCH_ALLOWLIST"}
	// Every setting the supervisor's config package parses.
	cfgSrc, err := os.ReadFile(filepath.Join(root, "supervisor", "config", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`p\.\w+\("([A-Z0-9_]+)"`).FindAllStringSubmatch(string(cfgSrc), -1) {
		want = append(want, m[1])
	}
	getenv := regexp.MustCompile(`getenv\("([A-Z0-9_]+)"\)`)
	err = filepath.WalkDir(filepath.Join(root, "provisioning"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, err := os.ReadFile(p)
		for _, m := range getenv.FindAllStringSubmatch(string(src), -1) {
			if !strings.HasPrefix(m[1], "K_") { // set by Cloud Run, not by users
				want = append(want, m[1])
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 30 {
		t.Fatalf("found only %d settings; the source scan is broken", len(want))
	}
	for _, k := range want {
		if _, ok := example[k]; !ok {
			t.Errorf(".env.example lacks %s", k)
		}
	}
	alerts := 0
	for k := range example {
		if strings.HasPrefix(k, "ALERT_") {
			alerts++
		}
	}
	if alerts == 0 {
		t.Error(".env.example has no ALERT_* thresholds")
	}
}
