package isolate

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/symposium/symposium/supervisor/cgroup"
)

// instancePrefix starts every instance id, so that what an instance owns in
// a shared RUN_DIR and cgroup parent is told apart from anything else.
const instancePrefix = "i-"

// instance is what one supervisor owns exclusively: RUN_DIR/<id>/ (its
// runners' socket directories) and the cgroup subtree <CGROUP_NAME>/<id>,
// both claimed by an flock on RUN_DIR/<id>.lock that is held while the
// process lives. The kernel drops the lock when the process dies, however it
// dies, so whoever starts next can tell litter from a live neighbour.
type instance struct {
	id     string
	parent string // RUN_DIR, shared by every instance on the host
	logger *slog.Logger

	mu   sync.Mutex
	lock *os.File
}

func newInstanceID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return instancePrefix + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
}

func (in *instance) dir() string      { return filepath.Join(in.parent, in.id) }
func (in *instance) lockPath() string { return filepath.Join(in.parent, in.id+".lock") }

// claim takes the instance's lock and makes its directory.
func claimInstance(parent, id string, logger *slog.Logger) (*instance, error) {
	if id != "" && !strings.HasPrefix(id, instancePrefix) || strings.ContainsAny(id, "/.") {
		return nil, fmt.Errorf("%w: instance id %q must start with %q and hold no '/' or '.'", ErrInstance, id, instancePrefix)
	}
	auto := id == ""
	var err error
	for range 3 {
		if auto {
			id = newInstanceID()
		}
		in := &instance{id: id, parent: parent, logger: logger}
		if err = in.ensure(); err == nil {
			return in, nil
		}
		if !auto {
			break
		}
	}
	return nil, err
}

// ensure checks that what the instance owns is still there and recreates
// it if not: someone may have deleted RUN_DIR under a running supervisor.
// A lock file that was unlinked is re-made and re-locked, so that no other
// instance takes our subtree for litter.
func (in *instance) ensure() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.lock != nil && sameFile(in.lock, in.lockPath()) {
		if err := os.MkdirAll(in.dir(), 0o711); err != nil {
			return fmt.Errorf("%w: run dir: %w", ErrInstance, err)
		}
		return nil
	}
	if in.lock != nil {
		in.logger.Warn("our run directory or lock was removed; recreating it", "dir", in.parent)
	}
	var f *os.File
	var err error
	for range 5 {
		// Another instance's last Stop may rmdir RUN_DIR between these steps.
		if err = os.MkdirAll(in.parent, 0o711); err != nil {
			continue
		}
		f, err = os.OpenFile(in.lockPath(), os.O_RDWR|os.O_CREATE, 0o600)
		if err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("%w: lock file: %w", ErrInstance, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return fmt.Errorf("%w: %s is held by another process: %w", ErrInstance, in.lockPath(), err)
	}
	_, _ = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if in.lock != nil {
		in.lock.Close()
	}
	in.lock = f
	if err := os.MkdirAll(in.dir(), 0o711); err != nil {
		return fmt.Errorf("%w: run dir: %w", ErrInstance, err)
	}
	return nil
}

func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// release removes the instance's directory and lock, then RUN_DIR if no
// other instance has anything in it.
func (in *instance) release() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	err := os.RemoveAll(in.dir())
	if in.lock != nil {
		if sameFile(in.lock, in.lockPath()) {
			err = errors.Join(err, os.Remove(in.lockPath()))
		}
		in.lock.Close()
		in.lock = nil
	}
	if rerr := os.Remove(in.parent); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && !errors.Is(rerr, syscall.ENOTEMPTY) && !errors.Is(rerr, syscall.EEXIST) {
		err = errors.Join(err, rerr)
	}
	return err
}

// ownerGone reports whether the instance id has no live owner: its lock
// file exists and can be locked. It returns the locked file, which the
// caller holds while reaping and then closes. A missing lock file is not
// proof (a live instance may be re-making it), so it reports false.
func ownerGone(parent, id string) (*os.File, bool) {
	f, err := os.OpenFile(filepath.Join(parent, id+".lock"), os.O_RDWR, 0)
	if err != nil {
		return nil, false
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return f, true
}

// reapOrphans removes what dead instances left in the shared RUN_DIR and
// cgroup parent: subtrees whose lock is free, and unowned groups with no
// process in them (older versions put isolates straight under the parent).
// Live instances' things are never touched.
func reapOrphans(parent, self string, cg *cgroup.Manager, logger *slog.Logger) {
	names := map[string]bool{}
	if ents, err := os.ReadDir(parent); err == nil {
		for _, e := range ents {
			names[strings.TrimSuffix(e.Name(), ".lock")] = true
		}
	}
	groups, err := cg.Children()
	if err != nil {
		logger.Warn("cannot list cgroups to reap", "err", err)
	}
	inCgroup := map[string]bool{}
	for _, g := range groups {
		names[g], inCgroup[g] = true, true
	}
	for name := range names {
		if name == self {
			continue
		}
		if !strings.HasPrefix(name, instancePrefix) {
			// Not an instance: litter of an older layout, reaped only when empty.
			if busy, err := cg.Populated(name); err != nil || busy {
				continue
			}
			if inCgroup[name] {
				logger.Info("reaping an unowned empty cgroup", "group", name)
				if err := cg.Reap(name); err != nil {
					logger.Warn("reap", "group", name, "err", err)
				}
			}
			if strings.HasPrefix(name, "plugin") {
				_ = os.RemoveAll(filepath.Join(parent, name))
			}
			continue
		}
		f, gone := ownerGone(parent, name)
		if !gone {
			if _, err := os.Stat(filepath.Join(parent, name+".lock")); errors.Is(err, os.ErrNotExist) && inCgroup[name] {
				// No lock at all: an instance that died after its RUN_DIR was
				// deleted. Reaped only when empty, since a live one that lost its
				// RUN_DIR re-makes its lock within a health interval.
				if busy, err := cg.Populated(name); err == nil && !busy {
					logger.Info("reaping an empty subtree without an owner", "instance", name)
					_ = cg.Reap(name)
				}
			}
			continue
		}
		logger.Info("reaping what a dead instance left", "instance", name)
		if err := cg.Reap(name); err != nil {
			logger.Warn("reap cgroup", "instance", name, "err", err)
		}
		_ = os.RemoveAll(filepath.Join(parent, name))
		_ = os.Remove(filepath.Join(parent, name+".lock"))
		f.Close()
	}
}
