package main

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The dependency rules of the house, checked on what the toolchain resolves.

const module = "github.com/symposium/symposium"

type pkg struct {
	ImportPath string
	Dir        string
	Name       string
	Imports    []string
	Deps       []string
	GoFiles    []string
	CgoFiles   []string
}

func goList(t *testing.T, env []string, args ...string) []pkg {
	t.Helper()
	if os.Getenv("SYMPOSIUM_IN_GUEST") == "1" {
		t.Skip("the cgroup v2 guest has no Go toolchain; the layout is checked on the host")
	}
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func hasPrefix(list []string, prefixes ...string) []string {
	var hits []string
	for _, d := range list {
		for _, p := range prefixes {
			if d == p || strings.HasPrefix(d, p+"/") {
				hits = append(hits, d)
			}
		}
	}
	return hits
}

// The runner is the isolate: it must not link web, database or cloud code.
func TestRunnerLinksNoServerCode(t *testing.T) {
	all := goList(t, nil, "-deps", "./sandbox-runner")
	var names []string
	for _, d := range all {
		names = append(names, d.ImportPath)
	}
	if bad := hasPrefix(names, "github.com/gofiber", "github.com/valyala/fasthttp", "github.com/jackc/pgx",
		"github.com/redis", "cloud.google.com", "google.golang.org/api", "go.etcd.io/bbolt",
		module+"/web", module+"/storage", module+"/provisioning", module+"/supervisor"); len(bad) > 0 {
		t.Fatalf("sandbox-runner links %v", bad)
	}
}

// The supervisor builds without cgo and so never links libseccomp.
func TestSupervisorBuildsWithoutCgo(t *testing.T) {
	all := goList(t, []string{"CGO_ENABLED=0"}, "-deps", ".")
	for _, d := range all {
		if len(d.CgoFiles) > 0 {
			t.Errorf("%s has cgo files", d.ImportPath)
		}
		if strings.HasPrefix(d.ImportPath, "github.com/seccomp") || strings.HasPrefix(d.ImportPath, module+"/sandbox-runner") {
			t.Errorf("the supervisor links %s", d.ImportPath)
		}
	}
	build := exec.Command("go", "build", "-o", os.DevNull, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 build: %v\n%s", err, out)
	}
}

// Direction: web -> supervisor -> ipc -> (nothing of ours). Only main wires
// storage and provisioning into the others.
func TestDependencyDirection(t *testing.T) {
	rules := map[string][]string{
		module + "/ipc":            {module + "/supervisor", module + "/web", module + "/storage", module + "/provisioning", module + "/sandbox-runner"},
		module + "/supervisor":     {module + "/web", module + "/storage", module + "/provisioning", module + "/sandbox-runner"},
		module + "/web":            {module + "/storage", module + "/provisioning", module + "/sandbox-runner"},
		module + "/storage":        {module + "/web", module + "/supervisor", module + "/provisioning", module + "/sandbox-runner", module + "/ipc"},
		module + "/provisioning":   {module + "/web", module + "/supervisor", module + "/sandbox-runner", module + "/ipc", module + "/storage"},
		module + "/sandbox-runner": {module + "/web", module + "/supervisor", module + "/storage", module + "/provisioning"},
	}
	for _, p := range goList(t, nil, "./...") {
		for root, forbidden := range rules {
			if p.ImportPath != root && !strings.HasPrefix(p.ImportPath, root+"/") {
				continue
			}
			if bad := hasPrefix(p.Imports, forbidden...); len(bad) > 0 {
				t.Errorf("%s imports %v", p.ImportPath, bad)
			}
		}
	}
}

// Every package says what it owns in a doc.go with a package comment.
func TestEveryPackageHasDocGo(t *testing.T) {
	for _, p := range goList(t, nil, "./...") {
		path := filepath.Join(p.Dir, "doc.go")
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Errorf("%s: no doc.go", p.ImportPath)
			continue
		}
		if f.Doc == nil || len(strings.TrimSpace(f.Doc.Text())) < 20 {
			t.Errorf("%s: doc.go has no package comment", p.ImportPath)
		}
	}
}

// ipc owns the mapping between the wire's generated types and Go types: the
// runtime, the block service and the transports never see sandboxpb.
// (supervisor/hostcap still serves the generated Host interface itself.)
func TestGeneratedTypesStayInIPC(t *testing.T) {
	pb := module + "/ipc/sandboxpb"
	for _, p := range goList(t, nil, ".", "./web/...", "./supervisor/isolate/...", "./supervisor/blocksvc/...", "./supervisor/monitor/...", "./sandbox-runner") {
		if bad := hasPrefix(p.Imports, pb); len(bad) > 0 {
			t.Errorf("%s imports %v", p.ImportPath, bad)
		}
	}
}
