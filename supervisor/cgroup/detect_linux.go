package cgroup

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/cgroups/v3"
)

// mount is one cgroup filesystem from /proc/self/mountinfo.
type mount struct {
	point       string
	root        string // the cgroup mounted there (not "/" for bind mounts)
	v2          bool
	controllers []string // v1 only, from the super options
}

// readMounts parses a mountinfo file (/proc/self/mountinfo in service; a
// file in a temp tree in tests).
func readMounts(path string) ([]mount, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []mount
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent maj:min root point opts [optional...] - fstype source superopts
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 5 || len(b) < 3 {
			continue
		}
		m := mount{root: a[3], point: unescape(a[4])}
		switch b[0] {
		case "cgroup2":
			m.v2 = true
		case "cgroup":
			for _, o := range strings.Split(b[2], ",") {
				switch o {
				case "memory", "cpu", "cpuacct", "pids", "freezer":
					m.controllers = append(m.controllers, o)
				}
			}
		default:
			continue
		}
		ms = append(ms, m)
	}
	return ms, sc.Err()
}

// unescape undoes mountinfo's octal escapes (\040 for space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+4], "%3o", &c); err == nil {
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// hostDir maps our cgroup path (from /proc/self/cgroup) to a directory
// under mount m; false when our cgroup is not visible through m.
func hostDir(m mount, cgPath string) (string, bool) {
	switch {
	case m.root == "/":
		return strings.TrimSuffix(m.point+cgPath, "/"), true
	case cgPath == m.root:
		return m.point, true
	case strings.HasPrefix(cgPath, m.root+"/"):
		return m.point + strings.TrimPrefix(cgPath, m.root), true
	}
	return "", false
}

func layoutOf(ms []mount) string {
	var v1, v2 bool
	for _, m := range ms {
		if m.v2 {
			v2 = true
		} else {
			v1 = true
		}
	}
	switch {
	case v1 && v2:
		return "hybrid"
	case v1:
		return "legacy"
	case v2:
		return "unified"
	}
	return "none"
}

// newBackend tries v2, then v1; when neither works the mode is none and
// Reason says why each was passed over. procRoot is "/proc/self" in
// service; tests point it at a temp tree.
func newBackend(log *slog.Logger, name, procRoot string) (backend, Detection, error) {
	ms, err := readMounts(filepath.Join(procRoot, "mountinfo"))
	if err != nil {
		return nil, Detection{}, fmt.Errorf("cgroup: read mounts: %w", err)
	}
	v1Paths, v2Path, err := cgroups.ParseCgroupFileUnified(filepath.Join(procRoot, "cgroup"))
	if err != nil {
		return nil, Detection{}, fmt.Errorf("cgroup: read %s/cgroup: %w", procRoot, err)
	}
	det := Detection{Mode: ModeNone, Layout: layoutOf(ms)}
	var reasons []string

	b2, err := setupV2(log, ms, v2Path, name)
	if err == nil {
		det.Mode, det.Writable = ModeV2, true
		return b2, det, nil
	}
	reasons = append(reasons, "v2: "+err.Error())

	b1, err := setupV1(log, ms, v1Paths, name)
	if err == nil {
		det.Mode, det.Writable = ModeV1, true
		det.Reason = reasons[0]
		return b1, det, nil
	}
	reasons = append(reasons, "v1: "+err.Error())
	det.Reason = strings.Join(reasons, "; ")
	return nil, det, nil
}
