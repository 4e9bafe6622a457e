package isolate

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ProcessStatus is what /proc/<pid>/status says about a runner's confinement.
type ProcessStatus struct {
	SeccompMode int // 0 disabled, 1 strict, 2 filter
	NoNewPrivs  bool
}

// SeccompName names the mode as the kernel documents it.
func (p ProcessStatus) SeccompName() string {
	switch p.SeccompMode {
	case 1:
		return "strict"
	case 2:
		return "filter"
	default:
		return "disabled"
	}
}

// ProcStatus reads a process's seccomp mode and no_new_privs flag.
func ProcStatus(pid int) (ProcessStatus, error) {
	var st ProcessStatus
	if pid <= 0 {
		return st, fmt.Errorf("%w: no process", ErrDead)
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Seccomp":
			st.SeccompMode, _ = strconv.Atoi(v)
		case "NoNewPrivs":
			st.NoNewPrivs = v == "1"
		}
	}
	return st, sc.Err()
}
