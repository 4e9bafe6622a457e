package deploykit

import (
	"os"
	"path/filepath"
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

func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, filepath.Join("..", "..", "Dockerfile"))
	if len(stages) != 2 {
		t.Fatalf("%d stages, want 2 (build, run)", len(stages))
	}
	build, run := stages[0], stages[1]
	if build.base != "golang:1.26-bookworm" || build.name == "" {
		t.Errorf("build stage FROM %s AS %q", build.base, build.name)
	}
	if run.base != "debian:bookworm-slim" {
		t.Errorf("run stage FROM %s", run.base)
	}
	installs := func(s stage, pkg string) bool {
		for _, r := range s.all("RUN") {
			if strings.Contains(r, "apt-get install") && strings.Contains(" "+r+" ", " "+pkg+" ") {
				return true
			}
		}
		return false
	}
	if !installs(build, "libseccomp-dev") {
		t.Error("build stage does not install libseccomp-dev")
	}
	for _, pkg := range []string{"libseccomp2", "ca-certificates"} {
		if !installs(run, pkg) {
			t.Errorf("run stage does not install %s", pkg)
		}
	}
	if !strings.Contains(strings.Join(build.all("RUN"), "\n"), "make build") {
		t.Error("build stage does not run make build")
	}
	copied := strings.Join(run.all("COPY"), "\n")
	for _, bin := range []string{"bin/symposium", "bin/sandbox-runner"} {
		if !strings.Contains(copied, "--from="+build.name) || !strings.Contains(copied, bin) {
			t.Errorf("run stage does not copy %s from the build stage", bin)
		}
	}
	if got := run.all("EXPOSE"); len(got) != 1 || got[0] != "8080" {
		t.Errorf("EXPOSE %v, want 8080", got)
	}
	if got := run.all("ENTRYPOINT"); len(got) != 1 || got[0] != `["/usr/local/bin/symposium"]` {
		t.Errorf("ENTRYPOINT %v, want the supervisor in exec form", got)
	}
	if u := run.all("USER"); len(u) != 0 {
		t.Errorf("USER %v: the supervisor needs root to create cgroups and namespaces", u)
	}
}
