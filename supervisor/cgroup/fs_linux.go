package cgroup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// killWait bounds how long Kill waits for a group to empty: SIGKILL is not
// instant for a process stuck in the kernel (e.g. reclaiming memory).
const killWait = 5 * time.Second

func writeFile(path, value string) error {
	// cgroupfs files take one value per write(2); no O_CREAT/O_TRUNC needed.
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(value); err != nil {
		f.Close()
		return fmt.Errorf("write %q to %s: %w", value, path, err)
	}
	return f.Close()
}

func readString(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(bytes.TrimSpace(b)), err
}

// readUint reads a single-number file; "max" (v2 unlimited) reads as 0.
func readUint(path string) (uint64, error) {
	s, err := readString(path)
	if err != nil {
		return 0, err
	}
	if s == "max" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return v, nil
}

// readKV reads "key value" lines (memory.events, cpu.stat, cpuacct.stat,
// memory.oom_control).
func readKV(path string) (map[string]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kv := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			continue
		}
		kv[k] = n
	}
	return kv, nil
}

// readPressure parses a PSI file; nil when the kernel has PSI off.
func readPressure(path string) (*Pressure, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.EOPNOTSUPP) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p Pressure
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 5 {
			continue
		}
		var avg [3]float64
		var total uint64
		for i, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			if k == "total" {
				total, _ = strconv.ParseUint(v, 10, 64)
			} else if i < 3 {
				avg[i], _ = strconv.ParseFloat(v, 64)
			}
		}
		switch f[0] {
		case "some":
			p.Some10, p.Some60, p.Some300, p.SomeTotalUsec = avg[0], avg[1], avg[2], total
		case "full":
			p.Full10, p.Full60, p.Full300, p.FullTotalUsec = avg[0], avg[1], avg[2], total
		}
	}
	return &p, nil
}

// procs lists the pids in dir's cgroup.procs; a missing dir is empty.
func procs(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// killAll SIGKILLs every process in the dirs and returns how many it found.
func killAll(dirs []string) ([]int, error) {
	var all []int
	for _, d := range dirs {
		p, err := procs(d)
		if err != nil {
			return nil, err
		}
		all = append(all, p...)
	}
	for _, pid := range all {
		_ = unix.Kill(pid, unix.SIGKILL) // ESRCH: already gone
	}
	return all, nil
}

// killUntilEmpty SIGKILLs whatever is in the dirs until they are empty.
// Exiting tasks leave cgroup.procs before they are reaped, so no reaping is
// needed here.
func killUntilEmpty(dirs []string) error {
	deadline := time.Now().Add(killWait)
	for {
		left, err := killAll(dirs)
		if err != nil || len(left) == 0 {
			return err
		}
		if time.Now().After(deadline) {
			slices.Sort(left)
			return fmt.Errorf("%w: pids %v", ErrNotEmpty, slices.Compact(left))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rmdir removes a cgroup dir, retrying briefly on EBUSY: a killed
// process can linger in the group for a moment after cgroup.procs is empty.
func rmdir(dir string) error {
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
			return fmt.Errorf("rmdir %s: %w", dir, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// subdirs lists child group names of dir; a missing dir has none.
func subdirs(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// probe proves a hierarchy writable by creating and removing a group.
func probe(parent string) error {
	dir := filepath.Join(parent, fmt.Sprintf(".probe-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	return unix.Rmdir(dir)
}

// mkdir creates a cgroup dir; an existing one (ours, from before) is fine.
func mkdir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

// rmdirIfEmpty removes a shared parent dir unless it still has child groups
// (another instance's subtree): the last instance out removes it.
func rmdirIfEmpty(dir string) error {
	names, err := subdirs(dir)
	if err != nil || len(names) > 0 {
		return err
	}
	err = rmdir(dir)
	if errors.Is(err, unix.EBUSY) || errors.Is(err, unix.ENOTEMPTY) {
		return nil // someone made a child meanwhile: it is theirs to remove
	}
	return err
}

// populatedTree reports whether any process lives in dir or below it.
func populatedTree(dir string) (bool, error) {
	p, err := procs(dir)
	if err != nil || len(p) > 0 {
		return len(p) > 0, err
	}
	names, err := subdirs(dir)
	if err != nil {
		return false, err
	}
	for _, n := range names {
		if ok, err := populatedTree(filepath.Join(dir, n)); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}
