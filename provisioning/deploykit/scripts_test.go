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
	for _, s := range []string{"deploy-cloud-run.sh", "setup.sh", "provisioning/deploykit/test-image.sh"} {
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
	want := map[string]string{"PORT": "8000", "LOG_LEVEL": "info", "PROVISIONING_MODE": "disabled", "GCP_REGION": "us-central1", "COST_LIMIT": "100", "DATA_DIR": "./data", "DATABASE_URL": ""}
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

// shellWords splits a line printed with printf %q back into its words.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord, esc := false, false
	for _, r := range line {
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\':
			esc, inWord = true, true
		case r == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// flag returns the value after name in words ("" when absent).
func flag(words []string, name string) string {
	for i, w := range words {
		if w == name && i+1 < len(words) {
			return words[i+1]
		}
	}
	return ""
}

// deployDryRun runs deploy-cloud-run.sh --dry-run where gcloud is a stub
// that records being called, and returns the printed gcloud commands and
// the build config it would submit.
func deployDryRun(t *testing.T, args ...string) (cmds [][]string, config string) {
	t.Helper()
	bin := t.TempDir()
	for _, tool := range []string{"bash", "cat", "dirname", "date", "mktemp", "sed", "rm", "od", "tr", "head", "base64", "sha256sum", "cut"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	called := filepath.Join(t.TempDir(), "gcloud-called")
	stub := "#!" + filepath.Join(bin, "bash") + "\necho \"$@\" >>" + called + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "gcloud"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script(t, "deploy-cloud-run.sh"), append([]string{"--dry-run"}, args...)...)
	cmd.Env = []string{"PATH=" + bin, "HOME=" + t.TempDir(), "COST_LIMIT=42"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("deploy --dry-run %v: %v\n%s", args, err, out)
	}
	if b, err := os.ReadFile(called); err == nil {
		t.Fatalf("the dry run ran gcloud: %s", b)
	}
	var conf strings.Builder
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "gcloud ") {
			cmds = append(cmds, shellWords(line))
		}
		if c, ok := strings.CutPrefix(line, "#   "); ok {
			conf.WriteString(c + "\n")
		}
	}
	if !strings.Contains(string(out), "Dry run: nothing was changed.") {
		t.Errorf("no dry-run notice:\n%s", out)
	}
	return cmds, conf.String()
}

func TestDeployDryRun(t *testing.T) {
	cmds, config := deployDryRun(t, "--project", "proj-1", "--region", "europe-west1", "--service", "svc")
	find := func(prefix ...string) [][]string {
		var hits [][]string
		for _, c := range cmds {
			if len(c) >= 4+len(prefix) && c[0] == "gcloud" && c[1] == "--project" && c[2] == "proj-1" && c[3] == "--quiet" &&
				strings.Join(c[4:4+len(prefix)], " ") == strings.Join(prefix, " ") {
				hits = append(hits, c)
			}
		}
		return hits
	}
	for _, c := range cmds {
		if flag(c, "--project") != "proj-1" {
			t.Errorf("command without the project: %v", c)
		}
	}
	if en := find("services", "enable"); len(en) != 1 || !strings.Contains(strings.Join(en[0], " "), "run.googleapis.com") ||
		!strings.Contains(strings.Join(en[0], " "), "cloudbuild.googleapis.com") {
		t.Errorf("services enable: %v", en)
	}
	sa := "svc-runner@proj-1.iam.gserviceaccount.com"
	if c := find("iam", "service-accounts", "create", "svc-runner"); len(c) != 1 {
		t.Errorf("service account create: %v", c)
	}
	roles := map[string]bool{}
	for _, c := range find("projects", "add-iam-policy-binding", "proj-1") {
		if flag(c, "--member") != "serviceAccount:"+sa {
			t.Errorf("binding for %q", flag(c, "--member"))
		}
		roles[flag(c, "--role")] = true
	}
	for _, r := range []string{"roles/cloudsql.admin", "roles/redis.admin", "roles/storage.admin", "roles/monitoring.viewer"} {
		if !roles[r] {
			t.Errorf("role %s not granted (granted %v)", r, roles)
		}
	}
	if len(roles) != 4 {
		t.Errorf("roles %v, want exactly the four", roles)
	}
	if c := find("artifacts", "repositories", "create", "symposium"); len(c) != 1 || flag(c[0], "--location") != "europe-west1" {
		t.Errorf("repository create: %v", c)
	}
	if c := find("services", "vpc-peerings", "connect"); len(c) != 1 {
		t.Errorf("vpc peering: %v", c)
	}

	build := find("builds", "submit")
	if len(build) != 1 {
		t.Fatalf("builds submit: %v", build)
	}
	image := regexp.MustCompile(`'(europe-west1-docker\.pkg\.dev/proj-1/symposium/svc:\d{8}-\d{6})'`).FindStringSubmatch(config)
	if image == nil || !strings.Contains(config, "DOCKER_BUILDKIT=1") || !strings.Contains(config, "--file, Dockerfile") {
		t.Fatalf("build config does not build ./Dockerfile with BuildKit into the repository:\n%s", config)
	}
	if dir := build[0][6]; dir != filepath.Dir(script(t, "deploy-cloud-run.sh")) {
		t.Errorf("build context %q, want the repository root", dir)
	}

	deploy := find("run", "deploy", "svc")
	if len(deploy) != 1 {
		t.Fatalf("run deploy: %v", deploy)
	}
	d := deploy[0]
	want := map[string]string{"--image": image[1], "--region": "europe-west1", "--execution-environment": "gen2",
		"--service-account": sa, "--port": "8080", "--vpc-egress": "private-ranges-only", "--network": "default", "--subnet": "default"}
	for k, v := range want {
		if got := flag(d, k); got != v {
			t.Errorf("run deploy %s %q, want %q", k, got, v)
		}
	}
	env := map[string]string{}
	for _, kv := range strings.Split(flag(d, "--set-env-vars"), ",") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for k, v := range map[string]string{"PROVISIONING_MODE": "auto", "GCP_PROJECT_ID": "proj-1", "GCP_REGION": "europe-west1", "SERVICE_NAME": "svc", "COST_LIMIT": "42",
		"HOST": "0.0.0.0", "AUTH_MODE": "keys", "TRUSTED_PROXIES": "169.254.0.0/16"} {
		if env[k] != v {
			t.Errorf("env %s=%q, want %q (all: %v)", k, env[k], v, env)
		}
	}
	// The first admin key: only its id and SHA-256 reach the settings.
	if !regexp.MustCompile(`^[0-9a-f]{12}:[0-9a-f]{64}$`).MatchString(env["ADMIN_KEY_HASH"]) {
		t.Errorf("ADMIN_KEY_HASH=%q, want <12 hex id>:<sha256>", env["ADMIN_KEY_HASH"])
	}

	// --update: only the build and the roll-out, keeping the settings.
	cmds, _ = deployDryRun(t, "--update", "--project", "proj-1")
	var verbs []string
	for _, c := range cmds {
		verbs = append(verbs, strings.Join(c[4:6], " "))
	}
	if strings.Join(verbs, ",") != "builds submit,run deploy,run services" {
		t.Errorf("--update runs %v", verbs)
	}
	for _, c := range cmds {
		if c[5] == "deploy" && flag(c, "--execution-environment") != "" {
			t.Errorf("--update changes settings: %v", c)
		}
	}
}
