package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/symposium/symposium/supervisor/isolate/isolatetest"
)

// End-to-end tests of the symposium binary: real runners, real cgroups,
// real storage, driven over HTTP, killed and restarted like in production.

var bins struct{ symposium, runner string }

func TestMain(m *testing.M) {
	runner, cleanup, err := isolatetest.Runner()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bins.runner = runner
	if bins.symposium, err = isolatetest.Symposium(runner); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

type instance struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	name string
	log  *bytes.Buffer
}

// launch starts the supervisor with env and waits until it answers.
func launch(t *testing.T, name string, env ...string) *instance {
	t.Helper()
	isolatetest.NeedRoot(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	in := &instance{t: t, url: "http://127.0.0.1:" + strconv.Itoa(port), name: name, log: &bytes.Buffer{}}
	in.cmd = exec.Command(bins.symposium)
	in.cmd.Dir = t.TempDir()
	in.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOST=127.0.0.1", "PORT=" + strconv.Itoa(port),
		"SANDBOX_RUNNER=" + bins.runner, "CGROUP_NAME=" + name, "RUN_DIR=/run/" + name, "POOL_SIZE=1"}, env...)
	in.cmd.Stdout, in.cmd.Stderr = in.log, in.log
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if in.cmd.ProcessState == nil {
			in.cmd.Process.Kill()
			in.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("supervisor log:\n%s", in.log)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(in.url + "/api/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return in
			}
		}
		if in.cmd.ProcessState != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("supervisor did not start:\n%s", in.log)
	return nil
}

func (in *instance) post(path string, body any) (int, map[string]any) {
	in.t.Helper()
	js, _ := json.Marshal(body)
	resp, err := http.Post(in.url+path, "application/json", bytes.NewReader(js))
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	return resp.StatusCode, m
}

func (in *instance) get(path string) (int, string) {
	in.t.Helper()
	resp, err := http.Get(in.url + path)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// runnerPids lists the live runners of this instance from its cgroups.
func (in *instance) runnerPids() []int {
	var pids []int
	for _, dir := range cgroupDirs(in.name) {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Name() == "cgroup.procs" {
				b, _ := os.ReadFile(p)
				for _, f := range strings.Fields(string(b)) {
					n, _ := strconv.Atoi(f)
					pids = append(pids, n)
				}
			}
			return nil
		})
	}
	return pids
}

// cgroupDirs finds directories named name in any cgroup hierarchy.
func cgroupDirs(name string) []string {
	var out []string
	_ = filepath.WalkDir("/sys/fs/cgroup", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if d.Name() == name {
			out = append(out, p)
			return filepath.SkipDir
		}
		if strings.Count(p, "/") > 7 {
			return filepath.SkipDir
		}
		return nil
	})
	return out
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return !strings.Contains(string(st), ") Z ")
}

func TestSIGTERMLeavesNothingBehind(t *testing.T) {
	name := fmt.Sprintf("symposium-e2e-term-%d", os.Getpid())
	in := launch(t, name, "DATA_DIR="+t.TempDir())
	for i := 0; i < 3; i++ {
		if st, m := in.post("/api/execute-content-block", map[string]any{"blockId": fmt.Sprintf("b%d", i), "code": map[string]any{"javascript": "1"}}); st != 200 || m["success"] != true {
			t.Fatalf("execute: %d %v", st, m)
		}
	}
	pids := in.runnerPids()
	if len(pids) < 3 || len(cgroupDirs(name)) == 0 {
		t.Fatalf("expected runners in our cgroups, got pids %v dirs %v", pids, cgroupDirs(name))
	}
	in.cmd.Process.Signal(syscall.SIGTERM)
	if err := in.cmd.Wait(); err != nil {
		t.Fatalf("supervisor exit on SIGTERM: %v", err)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("runner %d outlived the supervisor", pid)
		}
	}
	if dirs := cgroupDirs(name); len(dirs) != 0 {
		t.Errorf("cgroups left behind: %v", dirs)
	}
	if _, err := os.Stat("/run/" + name); err == nil {
		t.Errorf("run dir left behind")
	}
}

// TestKillRestartKeepsAcknowledgedWrites kills the supervisor with SIGKILL
// right after a block's data write was acknowledged, restarts it on the
// same storage, and finds the block, its output and its data.
func TestKillRestartKeepsAcknowledgedWrites(t *testing.T) {
	backends := map[string]func(t *testing.T) []string{
		"embedded": func(t *testing.T) []string { return []string{"DATA_DIR=" + t.TempDir()} },
		"postgres": func(t *testing.T) []string {
			return []string{"DATA_DIR=" + t.TempDir(), "DATABASE_URL=" + scratchDatabase(t)}
		},
	}
	for backend, env := range backends {
		t.Run(backend, func(t *testing.T) {
			name := fmt.Sprintf("symposium-e2e-kill-%s-%d", backend, os.Getpid())
			settings := env(t)
			in := launch(t, name, settings...)
			st, m := in.post("/api/execute-content-block", map[string]any{
				"blockId": "durable", "data": map[string]any{"greeting": "hello"},
				"code": map[string]any{"html": `<p id="p"></p>`, "css": "p{color:green}",
					"javascript": `await symposium.saveData('visits', {n: 42}); document.getElementById('p').textContent = DATA.greeting;`},
			})
			if st != 200 || m["success"] != true {
				t.Fatalf("execute: %d %v", st, m)
			}
			pids := in.runnerPids()
			in.cmd.Process.Kill() // SIGKILL: no cleanup of any kind
			in.cmd.Wait()

			again := launch(t, name, settings...)
			// Runners died with the supervisor; their cgroups were cleared at start.
			for _, pid := range pids {
				if alive(pid) {
					t.Errorf("runner %d survived its supervisor's SIGKILL", pid)
				}
			}
			for _, pid := range again.runnerPids() {
				for _, old := range pids {
					if pid == old {
						t.Errorf("old runner %d still in our cgroups", pid)
					}
				}
			}
			st, page := again.get("/api/content-block-output/durable")
			if st != 200 || !strings.Contains(page, `<p id="p">hello</p>`) || !strings.Contains(page, "p{color:green}") {
				t.Fatalf("output after restart: %d %s", st, page)
			}
			st, m = again.post("/api/update-content-block", map[string]any{
				"blockId": "durable",
				"code":    map[string]any{"javascript": `const v = await symposium.getData('visits'); document.getElementById('p').textContent = DATA.greeting + ' ' + v.n;`},
			})
			if st != 200 || m["html"] != `<p id="p">hello 42</p>` {
				t.Fatalf("block, data or saved value lost across SIGKILL: %d %v", st, m)
			}
		})
	}
}

// scratchDatabase creates a PostgreSQL database for one test and drops it after.
func scratchDatabase(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL unreachable under CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	defer conn.Close(context.Background())
	db := fmt.Sprintf("symposium_e2e_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u := strings.Replace(admin, "/test?", "/"+db+"?", 1)
	return u
}
