package isolate

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"time"
)

// selftest runs the runner's selftest mode under the same confinement as a
// served isolate: namespaces, user, cgroup and (inside) seccomp. It returns
// the runner's JSON report; a non-zero exit means something was not denied.
func (s *spawner) selftest(ctx context.Context) ([]byte, error) {
	id := fmt.Sprintf("selftest-%d", s.seq.Add(1))
	group, err := s.cgroups.Create(id, s.limits)
	if err != nil {
		return nil, fmt.Errorf("%w: cgroup: %v", ErrSpawn, err)
	}
	defer group.Remove()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.Command(s.runnerPath, "selftest")
	cmd.Env = []string{}
	confineCmd(cmd, s.limits.MemoryBytes, s.ns.flags())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd, err = startIn(cmd, group, &s.ns)
	if err != nil {
		return nil, err
	}
	// The command startIn started may be a copy: bound it here.
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	defer stop()
	if err := cmd.Wait(); err != nil {
		return out.Bytes(), fmt.Errorf("selftest: %v: %s", err, bytes.TrimSpace(errOut.Bytes()))
	}
	return out.Bytes(), nil
}
