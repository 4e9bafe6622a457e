package isolatetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Runner returns the sandbox-runner to use: $SANDBOX_RUNNER (make test sets
// it), or a fresh build in a directory the runner's user can reach. cleanup
// removes what was built.
func Runner() (path string, cleanup func(), err error) {
	if p := os.Getenv("SANDBOX_RUNNER"); p != "" {
		return p, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "symposium-runner-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	// The runner executes as nobody, who must be able to reach the file.
	if err := os.Chmod(dir, 0o755); err != nil {
		cleanup()
		return "", nil, err
	}
	path = filepath.Join(dir, "sandbox-runner")
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", path, "./sandbox-runner")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building sandbox-runner: %v\n%s", err, out)
	}
	return path, cleanup, nil
}

// Main is a TestMain for packages that run isolates: it builds the
// runner, stores its path in *runner, runs the tests and exits.
func Main(m *testing.M, runner *string) {
	path, cleanup, err := Runner()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*runner = path
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// Symposium returns the supervisor binary to use: $SYMPOSIUM_BIN, or a
// fresh CGO_ENABLED=0 build next to the runner returned by Runner.
func Symposium(runner string) (string, error) {
	if p := os.Getenv("SYMPOSIUM_BIN"); p != "" {
		return p, nil
	}
	path := filepath.Join(filepath.Dir(runner), "symposium")
	if _, err := os.Stat(path); err == nil && os.Getenv("SANDBOX_RUNNER") != "" {
		return path, nil // built by make beside the runner
	}
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", path, ".")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building symposium: %v\n%s", err, out)
	}
	return path, nil
}

// LogBuffer collects what a logger or a child process writes while a
// test reads it.
type LogBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// NeedRoot skips a test that needs root, except under CI (which runs as
// root), where it fails instead.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root; CI runs as root")
		}
		t.Skip("this test needs root")
	}
}
