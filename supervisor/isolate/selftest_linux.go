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
	cmd := exec.CommandContext(ctx, s.runnerPath, "selftest")
	cmd.Env = []string{}
	confineCmd(cmd, s.limits.MemoryBytes)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := startIn(cmd, group); err != nil {
		return nil, err
	}
	if err := cmd.Wait(); err != nil {
		return out.Bytes(), fmt.Errorf("selftest: %v: %s", err, bytes.TrimSpace(errOut.Bytes()))
	}
	return out.Bytes(), nil
}
