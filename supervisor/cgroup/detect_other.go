//go:build !linux

package cgroup

import "log/slog"

func newBackend(*slog.Logger, string, string) (backend, Detection, error) {
	return nil, Detection{Mode: ModeNone, Layout: "none", Reason: "cgroups exist only on Linux"}, nil
}
