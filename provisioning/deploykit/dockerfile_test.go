package deploykit

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
}

type stage struct {
	base, name string
	body       []instruction
}

// parseDockerfile splits the file into stages. It handles what the
// Dockerfile format needs here: comments, blank lines and backslash
// continuations.
func parseDockerfile(t *testing.T, path string) []stage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages []stage
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			s := stage{base: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			return
		}
		if len(stages) == 0 {
			t.Fatalf("%s before the first FROM", in.cmd)
		}
		stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
	}
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") {
			continue
		}
		if body, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	return stages
}

func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// The Dockerfile is built and run for real by `make test-image`
// (image_linux_test.go); these checks hold it to the Makefile without an
// engine.
func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	if len(stages) != 2 {
		t.Fatalf("%d stages, want 2 (build, run)", len(stages))
	}
	build, run := stages[0], stages[1]
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^GO_VERSION := (\d+\.\d+)\.\d+$`).FindSubmatch(makefile)
	if goVersion == nil {
		t.Fatal("no GO_VERSION in the Makefile")
	}
	if want := "golang:" + string(goVersion[1]) + "-bookworm"; build.base != want || build.name == "" {
		t.Errorf("build stage FROM %s AS %q, want %s (the Makefile's Go)", build.base, build.name, want)
	}
	if run.base != "scratch" {
		t.Errorf("run stage FROM %s, want scratch: only the binaries and their libraries", run.base)
	}
	installs := func(s stage, pkg string) bool {
		for _, r := range s.all("RUN") {
			if strings.Contains(r, "apt-get install") && strings.Contains(" "+r+" ", " "+pkg+" ") {
				return true
			}
		}
		return false
	}
	for _, pkg := range []string{"libseccomp-dev", "gcc", "libc6-dev", "pkg-config", "ca-certificates"} {
		if !installs(build, pkg) {
			t.Errorf("build stage does not install %s", pkg)
		}
	}

	// The same binaries as `make build`, with the same cgo setting.
	runs := strings.Join(build.all("RUN"), "\n")
	made := regexp.MustCompile(`CGO_ENABLED=(\d) \$\(GO\) build -o \$\(BIN\)/([\w-]+) (\S+)\n`).FindAllStringSubmatch(string(makefile), -1)
	if len(made) != 2 {
		t.Fatalf("the Makefile's build target: %v", made)
	}
	for _, m := range made {
		want := regexp.MustCompile(`CGO_ENABLED=` + m[1] + ` go build -trimpath -ldflags=-s -o /out/usr/local/bin/` + m[2] + ` ` + regexp.QuoteMeta(m[3]) + `(\s|$)`)
		if !want.MatchString(runs) {
			t.Errorf("build stage does not build %s from %s with CGO_ENABLED=%s, stripped", m[2], m[3], m[1])
		}
	}
	if !strings.Contains(runs, "--mount=type=cache,target=/go/pkg/mod") || !strings.Contains(runs, "--mount=type=cache,target=/root/.cache/go-build") {
		t.Error("build stage does not keep the module and build caches in cache mounts")
	}
	if !strings.Contains(runs, "ldd /out/usr/local/bin/sandbox-runner") || !strings.Contains(runs, "ca-certificates.crt") {
		t.Error("build stage does not gather the runner's libraries and the CA bundle")
	}

	for _, in := range run.body {
		switch in.cmd {
		case "COPY", "ENV", "VOLUME", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT":
		default:
			t.Errorf("run stage has %s %s", in.cmd, in.args)
		}
	}
	if got := run.all("COPY"); len(got) != 1 || got[0] != "--from="+build.name+" /out/ /" {
		t.Errorf("run stage COPY %v, want the build stage's /out only", got)
	}
	env := strings.Join(run.all("ENV"), " ")
	for _, kv := range []string{"PORT=8080", "HOST=0.0.0.0", "AUTH_MODE=keys", "SANDBOX_RUNNER=/usr/local/bin/sandbox-runner", "DATA_DIR=/data"} {
		if !strings.Contains(env, kv) {
			t.Errorf("run stage ENV lacks %s", kv)
		}
	}
	if got := run.all("VOLUME"); len(got) != 1 || got[0] != "/data" {
		t.Errorf("VOLUME %v, want DATA_DIR (/data)", got)
	}
	if got := run.all("EXPOSE"); len(got) != 1 || got[0] != "8080" {
		t.Errorf("EXPOSE %v, want 8080", got)
	}
	if got := run.all("HEALTHCHECK"); len(got) != 1 || !strings.HasSuffix(got[0], `CMD ["/usr/local/bin/symposium", "healthcheck"]`) {
		t.Errorf("HEALTHCHECK %v, want the supervisor's healthcheck in exec form", got)
	}
	if main, err := os.ReadFile(filepath.Join(root, "main.go")); err != nil || !strings.Contains(string(main), `case "healthcheck":`) {
		t.Errorf("the supervisor has no healthcheck command (%v)", err)
	}
	if got := run.all("ENTRYPOINT"); len(got) != 1 || got[0] != `["/usr/local/bin/symposium"]` {
		t.Errorf("ENTRYPOINT %v, want the supervisor in exec form", got)
	}
	if u := run.all("USER"); len(u) != 0 {
		t.Errorf("USER %v: the supervisor needs root to create cgroups and namespaces", u)
	}
}
