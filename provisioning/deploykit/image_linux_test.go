package deploykit

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The image, built from the Dockerfile by `make test-image`
// (test-image.sh) and run for real with podman: privileged as users run it,
// then unprivileged as Cloud Run's default is. Each check logs one line.

const (
	imagePrefix = "symposium-imagetest"
	stopGrace   = 10 * time.Second
)

// podman runs podman with runc (crun refuses this machine's hybrid cgroup
// layout); CONTAINERS_CONF comes from test-image.sh.
func podman(args ...string) (string, error) {
	cmd := exec.Command("podman", append([]string{"--runtime", "runc"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("podman %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

func mustPodman(t *testing.T, args ...string) string {
	t.Helper()
	out, err := podman(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func check(t *testing.T, what string, ok bool, detail string, args ...any) {
	t.Helper()
	d := fmt.Sprintf(detail, args...)
	if ok {
		t.Logf("CHECK ok   %s: %s", what, d)
		return
	}
	t.Errorf("CHECK FAIL %s: %s", what, d)
}

func needImage(t *testing.T) string {
	t.Helper()
	img := os.Getenv("SYMPOSIUM_IMAGE")
	if img == "" {
		t.Skip("run by make test-image, which builds the image first (SYMPOSIUM_IMAGE)")
	}
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the image checks need root (podman --privileged, the host's cgroups)")
		}
		t.Skip("the image checks need root")
	}
	return img
}

type container struct {
	t       *testing.T
	name    string
	url     string
	started time.Duration // podman run to the first 200 from /api/health
	healthy time.Time     // when that answer came
	key     string        // an admin API key: the image runs AUTH_MODE=keys
}

// adminKey makes a key as deploy-cloud-run.sh does: the secret stays here,
// ADMIN_KEY_HASH ("<id>:<sha256>") goes to the container.
func adminKey() (secret, spec string) {
	var id [6]byte
	var sec [32]byte
	_, _ = rand.Read(id[:])
	_, _ = rand.Read(sec[:])
	secret = "sym_" + hex.EncodeToString(id[:]) + "_" + base64.RawURLEncoding.EncodeToString(sec[:])
	sum := sha256.Sum256([]byte(secret))
	return secret, hex.EncodeToString(id[:]) + ":" + hex.EncodeToString(sum[:])
}

// sinceStart is the time from the container's start (its process's exec,
// as podman records it) to its first healthy answer: podman's own work
// (storage, network) before that is not the image's.
func (c *container) sinceStart() time.Duration {
	c.t.Helper()
	ns, err := strconv.ParseInt(mustPodman(c.t, "inspect", "-f", "{{.State.StartedAt.UnixNano}}", c.name), 10, 64)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.healthy.Sub(time.Unix(0, ns))
}

// run starts the image with its default command, its port published on
// 127.0.0.1, and waits for the first healthy answer.
func runContainer(t *testing.T, img, name string, extra ...string) *container {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	key, spec := adminKey()
	c := &container{t: t, name: name, url: "http://127.0.0.1:" + strconv.Itoa(port), key: key}
	_, _ = podman("rm", "-f", "-v", name)
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := exec.Command("podman", "--runtime", "runc", "logs", name).CombinedOutput()
			t.Logf("container log:\n%s", logs)
		}
		if _, err := podman("rm", "-f", "-v", "-t", "0", name); err != nil {
			t.Error(err)
		}
	})
	args := append([]string{"run", "-d", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), "-e", "ADMIN_KEY_HASH=" + spec}, extra...)
	began := time.Now()
	mustPodman(t, append(args, img)...)
	c.started = c.waitHealthy(began)
	return c
}

// waitHealthy polls /api/health until it answers 200 and returns the time
// since began.
func (c *container) waitHealthy(began time.Time) time.Duration {
	c.t.Helper()
	client := http.Client{Timeout: time.Second}
	for time.Since(began) < 30*time.Second {
		if resp, err := client.Get(c.url + "/api/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				c.healthy = time.Now()
				return c.healthy.Sub(began)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	state, _ := podman("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", c.name)
	c.t.Fatalf("%s: no healthy answer within 30 s (container %s)", c.name, state)
	return 0
}

func (c *container) get(p string) (int, string) {
	c.t.Helper()
	client := http.Client{Timeout: 10 * time.Second}
	req, _ := http.NewRequest("GET", c.url+p, nil)
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type execResult struct {
	Success bool   `json:"success"`
	HTML    string `json:"html"`
	Logs    []struct {
		Message string `json:"message"`
	} `json:"logs"`
	Error struct {
		Kind, Code, Message string
	} `json:"error"`
}

func (c *container) execute(block, html, js string) (int, execResult, time.Duration) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"blockId": block, "code": map[string]string{"html": html, "css": "", "javascript": js}, "data": map[string]string{"who": "world"}})
	client := http.Client{Timeout: 60 * time.Second}
	began := time.Now()
	req, _ := http.NewRequest("POST", c.url+"/api/execute-content-block", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	took := time.Since(began)
	var r execResult
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &r); err != nil {
		c.t.Errorf("execute %s: %d %q is not JSON", block, resp.StatusCode, b)
	}
	return resp.StatusCode, r, took
}

type health struct {
	Status      string `json:"status"`
	Enforcement struct {
		Cgroup struct {
			Mode, Layout, Reason string
			Writable             bool
		} `json:"cgroup"`
		KernelEnforced bool     `json:"kernelEnforced"`
		Namespaces     []string `json:"namespaces"`
		Seccomp        struct {
			Mode           string `json:"mode"`
			NoNewPrivs     bool   `json:"noNewPrivs"`
			SelftestPassed bool   `json:"selftestPassed"`
		} `json:"seccomp"`
		User    int    `json:"user"`
		Warning string `json:"warning"`
	} `json:"enforcement"`
}

func (c *container) health() (health, string) {
	c.t.Helper()
	st, body := c.get("/api/health")
	var h health
	if st != 200 || json.Unmarshal([]byte(body), &h) != nil {
		c.t.Fatalf("health: %d %s", st, body)
	}
	return h, body
}

func (c *container) hostPid() int {
	c.t.Helper()
	pid, err := strconv.Atoi(mustPodman(c.t, "inspect", "-f", "{{.State.Pid}}", c.name))
	if err != nil || pid <= 0 {
		c.t.Fatalf("container pid: %d %v", pid, err)
	}
	return pid
}

func (c *container) id() string {
	c.t.Helper()
	return mustPodman(c.t, "inspect", "-f", "{{.Id}}", c.name)
}

// cgroupModeInside is what the container's mount table offers: cgroup2 at
// /sys/fs/cgroup is v2, cgroup (v1) hierarchies under it are v1, and
// either read-only is none, the supervisor's names for them.
func cgroupModeInside(t *testing.T, pid int) string {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mode := "none"
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, x := range fields {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+1 >= len(fields) {
			continue
		}
		point, opts, fstype := fields[4], ","+fields[5]+",", fields[sep+1]
		rw := strings.Contains(opts, ",rw,")
		switch {
		case fstype == "cgroup2" && point == "/sys/fs/cgroup" && rw:
			return "v2"
		case fstype == "cgroup" && strings.HasPrefix(point, "/sys/fs/cgroup/") && rw:
			mode = "v1"
		}
	}
	return mode
}

// processesOf lists the host pids whose cgroup path names the container.
func processesOf(id string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		if err == nil && strings.Contains(string(b), id) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cgroupsOf lists the host's cgroup directories whose path names the
// container (its own, and the supervisor's groups below it).
func cgroupsOf(id string) []string {
	var dirs []string
	_ = filepath.WalkDir("/sys/fs/cgroup", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if strings.Contains(d.Name(), id) {
			dirs = append(dirs, p)
			return filepath.SkipDir
		}
		if strings.Count(p, "/") > 6 {
			return filepath.SkipDir
		}
		return nil
	})
	return dirs
}

func uidOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	m := regexp.MustCompile(`(?m)^Uid:\s+(\d+)`).FindSubmatch(b)
	if m == nil {
		return "?"
	}
	return string(m[1])
}

func TestImageContents(t *testing.T) {
	img := needImage(t)
	var inspect []struct {
		Size        int64
		Healthcheck *struct{ Test []string } // podman keeps it beside Config
		Config      struct {
			Env          []string
			Entrypoint   []string
			Cmd          []string
			User         string
			Volumes      map[string]struct{}
			ExposedPorts map[string]struct{}
		}
	}
	if err := json.Unmarshal([]byte(mustPodman(t, "image", "inspect", img)), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("image inspect: %v", err)
	}
	cfg, hc := inspect[0].Config, inspect[0].Healthcheck
	env := strings.Join(cfg.Env, " ")
	check(t, "env", strings.Contains(env, "PORT=8080") && strings.Contains(env, "DATA_DIR=/data") && strings.Contains(env, "SANDBOX_RUNNER=/usr/local/bin/sandbox-runner"), "%v", cfg.Env)
	_, vol := cfg.Volumes["/data"]
	check(t, "DATA_DIR is a volume", vol, "volumes %v", cfg.Volumes)
	_, port := cfg.ExposedPorts["8080/tcp"]
	check(t, "exposed port", port, "%v", cfg.ExposedPorts)
	check(t, "entrypoint", strings.Join(cfg.Entrypoint, " ") == "/usr/local/bin/symposium" && len(cfg.Cmd) == 0, "%v %v", cfg.Entrypoint, cfg.Cmd)
	check(t, "user", cfg.User == "" || cfg.User == "root" || cfg.User == "0", "%q: the supervisor is root, its isolates nobody", cfg.User)
	check(t, "healthcheck", hc != nil && strings.Join(hc.Test, " ") == "CMD /usr/local/bin/symposium healthcheck", "%+v", hc)

	// The file system, exported from a created (never started) container.
	name := imagePrefix + "-contents"
	_, _ = podman("rm", "-f", "-v", name)
	mustPodman(t, "create", "--name", name, img)
	defer podman("rm", "-f", "-v", name)
	cmd := exec.Command("podman", "--runtime", "runc", "export", name)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var gz countWriter
	zw, _ := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	tr := tar.NewReader(io.TeeReader(out, zw))
	var files []string
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeSymlink {
			files = append(files, fmt.Sprintf("%s (%d)", path.Clean("/"+h.Name), h.Size))
			total += h.Size
		}
	}
	_, _ = io.Copy(zw, out)
	zw.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	allowed := regexp.MustCompile(`^/(usr/local/bin/(symposium|sandbox-runner)|etc/ssl/certs/ca-certificates\.crt|(usr/)?lib(64|32)?(/[a-z0-9_-]+-linux-gnu[a-z0-9_]*)?/(libc\.so\.6|libseccomp\.so\.2|ld-linux[a-z0-9_.-]*\.so\.\d)) \(`)
	var extra []string
	for _, f := range files {
		if !allowed.MatchString(f) {
			extra = append(extra, f)
		}
	}
	check(t, "only the two binaries, libc and loader, libseccomp, CA bundle", len(extra) == 0 && len(files) == 6, "%d files: %v; unexpected: %v", len(files), files, extra)
	t.Logf("MEASURED image size: files %.1f MB (podman reports %.1f MB), %.1f MB as a gzip-compressed tar",
		float64(total)/1e6, float64(inspect[0].Size)/1e6, float64(gz.n)/1e6)
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func TestImagePrivileged(t *testing.T) {
	img := needImage(t)
	c := runContainer(t, img, imagePrefix+"-priv", "--privileged")
	t.Logf("MEASURED container start to first healthy answer (privileged): %v; podman run to it: %v", c.sinceStart().Round(time.Millisecond), c.started.Round(time.Millisecond))
	id, pid := c.id(), c.hostPid()

	h, body := c.health()
	inside := cgroupModeInside(t, pid)
	check(t, "health ok", h.Status == "ok", "status %q", h.Status)
	check(t, "kernelEnforced", h.Enforcement.KernelEnforced, "kernelEnforced=%v", h.Enforcement.KernelEnforced)
	check(t, "cgroup mode found inside the container", h.Enforcement.Cgroup.Mode == inside && h.Enforcement.Cgroup.Writable,
		"health says %s (layout %s, writable %v), the container's mounts say %s", h.Enforcement.Cgroup.Mode, h.Enforcement.Cgroup.Layout, h.Enforcement.Cgroup.Writable, inside)
	check(t, "seccomp selftest", h.Enforcement.Seccomp.SelftestPassed && h.Enforcement.Seccomp.Mode == "filter" && h.Enforcement.Seccomp.NoNewPrivs && h.Enforcement.User == 65534,
		"%+v user %d", h.Enforcement.Seccomp, h.Enforcement.User)
	if t.Failed() {
		t.Logf("health: %s", body)
	}

	st, r, took := c.execute("hello", `<div id="x">old</div>`, `document.getElementById("x").textContent = "hi " + DATA.who; symposium.saveData("k", 42); console.log("done")`)
	check(t, "a block renders", st == 200 && r.Success && r.HTML == `<div id="x">hi world</div>`, "%d in %v: %+v", st, took.Round(time.Millisecond), r)
	st, out := c.get("/api/content-block-output/hello")
	check(t, "its output page", st == 200 && strings.Contains(out, "hi world"), "%d, %d bytes", st, len(out))

	procs := processesOf(id)
	var runners []string
	asNobody := len(procs) > 1
	for _, p := range procs {
		if p == pid {
			continue
		}
		u := uidOf(p)
		runners = append(runners, fmt.Sprintf("%d:uid %s", p, u))
		if u != "65534" {
			asNobody = false
		}
	}
	check(t, "root only for the supervisor", uidOf(pid) == "0" && asNobody, "supervisor %d uid %s; others %v", pid, uidOf(pid), runners)

	// Two shapes: one the runner's heap watch stops, one whose last
	// allocation the kernel's limit stops.
	for _, bomb := range []struct{ name, js string }{
		{"array push", `const keep = []; for (;;) keep.push(new Array(1 << 16).fill(1.5))`},
		{"string doubling", `let s = "x"; const keep = []; for (;;) { s = s + s; keep.push(s); }`},
	} {
		st, r, took = c.execute("bomb", "", bomb.js)
		check(t, "a memory bomb ("+bomb.name+") ends as oom", st == 200 && !r.Success && r.Error.Kind == "oom", "%d in %v: %s %q", st, took.Round(time.Millisecond), r.Error.Kind, r.Error.Message)
	}
	st, r, took = c.execute("loop", "", `while (true) {}`)
	check(t, "an endless loop ends as timeout", st == 200 && !r.Success && r.Error.Kind == "timeout", "%d in %v: %s %q", st, took.Round(time.Millisecond), r.Error.Kind, r.Error.Message)

	hc, err := podman("healthcheck", "run", c.name)
	check(t, "HEALTHCHECK (podman healthcheck run)", err == nil, "%q %v", hc, err)

	// SIGTERM (podman stop) within the grace period; nothing of ours left.
	procs, groups := processesOf(id), cgroupsOf(id)
	if len(procs) < 2 || len(groups) == 0 {
		t.Fatalf("before stop: processes %v, cgroups %v; want the supervisor and runners in the container's cgroups", procs, groups)
	}
	began := time.Now()
	mustPodman(t, "stop", "-t", strconv.Itoa(int(stopGrace/time.Second)), c.name)
	stopped := time.Since(began)
	exit := mustPodman(t, "inspect", "-f", "{{.State.ExitCode}}", c.name)
	var alive []int
	for _, p := range procs {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", p)); err == nil {
			alive = append(alive, p)
		}
	}
	left := cgroupsOf(id)
	check(t, "SIGTERM stops it within the grace period", exit == "0" && stopped < stopGrace, "podman stop -t %d took %v, exit code %s (137 would be SIGKILL at the end of the grace)", int(stopGrace/time.Second), stopped.Round(time.Millisecond), exit)
	check(t, "no process left", len(alive) == 0 && len(processesOf(id)) == 0, "%d processes before, alive after: %v", len(procs), alive)
	check(t, "no cgroup left", len(left) == 0, "%d cgroup dirs before (e.g. %s), after: %v", len(groups), groups[0], left)

	// The same container again: the /data volume keeps blocks and data.
	began = time.Now()
	mustPodman(t, "start", c.name)
	restarted := c.waitHealthy(began)
	t.Logf("MEASURED container restart to first healthy answer: %v; podman start to it: %v", c.sinceStart().Round(time.Millisecond), restarted.Round(time.Millisecond))
	mounts := mustPodman(t, "inspect", "-f", "{{range .Mounts}}{{.Type}}:{{.Destination}} {{end}}", c.name)
	st, list := c.get("/api/content-blocks")
	st2, out := c.get("/api/content-block-output/hello")
	_, r, _ = c.execute("hello", `<p id="x"></p>`, `symposium.getData("k").then(v => { document.getElementById("x").textContent = String(v) })`)
	check(t, "DATA_DIR survives a restart", strings.Contains(mounts, ":/data") && st == 200 && strings.Contains(list, `"hello"`) && st2 == 200 && strings.Contains(out, "hi world") && r.HTML == `<p id="x">42</p>`,
		"mounts %q; block list %d (hello listed: %v); output %d; saved data read back %q", mounts, st, strings.Contains(list, `"hello"`), st2, r.HTML)
}

func TestImageUnprivileged(t *testing.T) {
	img := needImage(t)
	c := runContainer(t, img, imagePrefix+"-unpriv")
	t.Logf("MEASURED container start to first healthy answer (unprivileged): %v; podman run to it: %v", c.sinceStart().Round(time.Millisecond), c.started.Round(time.Millisecond))
	h, body := c.health()
	check(t, "health degraded", h.Status == "degraded" && !h.Enforcement.KernelEnforced && h.Enforcement.Warning != "", "status %q kernelEnforced %v warning %q", h.Status, h.Enforcement.KernelEnforced, h.Enforcement.Warning)
	check(t, "health names the missing cgroup limits", h.Enforcement.Cgroup.Mode == "none" && h.Enforcement.Cgroup.Reason != "", "mode %q reason %q", h.Enforcement.Cgroup.Mode, h.Enforcement.Cgroup.Reason)
	check(t, "health says whether the confinement selftest passed", strings.Contains(body, `"selftestPassed"`), "seccomp %+v", h.Enforcement.Seccomp)

	st, page := c.get("/")
	st2, list := c.get("/api/content-blocks")
	check(t, "serves the UI and the API", st == 200 && strings.Contains(page, "<html") && st2 == 200 && strings.Contains(list, `"blocks"`), "page %d, block list %d", st, st2)
	est, r, took := c.execute("hello", `<div id="x">old</div>`, `document.getElementById("x").textContent = "hi " + DATA.who`)
	t.Logf("unprivileged execution: %d in %v: success %v html %q error %+v", est, took.Round(time.Millisecond), r.Success, r.HTML, r.Error)
	// Without CAP_SYS_ADMIN the kernel refuses the runner's namespaces; it
	// starts without them (still nobody, no_new_privs, seccomp, rlimits).
	check(t, "a block renders without namespaces", est == 200 && r.Success && r.HTML == `<div id="x">hi world</div>`, "%d in %v: %q %+v", est, took.Round(time.Millisecond), r.HTML, r.Error)
	if h2, _ := c.health(); h2.Status != "degraded" {
		t.Errorf("health after the execution: %q", h2.Status)
	}

	logs, _ := exec.Command("podman", "--runtime", "runc", "logs", c.name).CombinedOutput()
	var loud []string
	for _, l := range strings.Split(string(logs), "\n") {
		if strings.Contains(l, "level=ERROR") && !strings.Contains(l, "request failed") && !strings.Contains(l, "pool:") {
			loud = append(loud, l)
		}
	}
	check(t, "the log says loudly which protections are missing", strings.Contains(string(logs), "NO KERNEL RESOURCE LIMITS") && strings.Count(string(logs), "NO NAMESPACES") == 1, "%d error lines:\n%s", len(loud), strings.Join(loud, "\n"))
}
