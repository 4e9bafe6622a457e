package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
)

// hotFiles keeps the files read on every execution open: a read is then
// one pread(2) at offset 0, which makes the kernel regenerate the figure,
// instead of an open, reads and a close on cgroupfs.
type hotFiles struct {
	mu     sync.Mutex
	files  map[string]*os.File
	closed bool
}

func (h *hotFiles) read(path string) ([]byte, error) {
	h.mu.Lock()
	f, ok := h.files[path]
	if !ok {
		if h.closed {
			h.mu.Unlock()
			return nil, os.ErrClosed
		}
		var err error
		if f, err = os.Open(path); err != nil {
			h.mu.Unlock()
			return nil, err
		}
		if h.files == nil {
			h.files = map[string]*os.File{}
		}
		h.files[path] = f
	}
	h.mu.Unlock()
	buf := make([]byte, 1024)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

func (h *hotFiles) uint(path string) (uint64, error) {
	b, err := h.read(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return v, nil
}

// field reads one "key value" line of a flat-keyed file such as cpu.stat.
func (h *hotFiles) field(path, key string) (uint64, error) {
	b, err := h.read(path)
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(bytes.TrimSpace(line), []byte(" "))
		if ok && string(k) == key {
			return strconv.ParseUint(string(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no %q", path, key)
}

// close releases the files; later reads fail. Called before the group's
// directories are removed.
func (h *hotFiles) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.files {
		f.Close()
	}
	h.files, h.closed = nil, true
}
