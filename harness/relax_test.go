package harness_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// stateLike is a correct task shaped the way moby's container.State is
// driven by the daemon: Kill takes no deadline from its ctx (it signals,
// waits up to 10s for the exit, kills, waits 2s more), Delete removes a
// stopped container and reports no exit code, and the pid is zeroed at
// the exit. It needs all three relaxations to pass.
type stateLike struct {
	proc    harness.Process
	stopped chan struct{} // closed by the first Reap, under mu

	mu      sync.Mutex
	pid     int  // guarded by mu; 0 once stopped
	status  int  // guarded by mu
	exited  bool // guarded by mu
	removed bool // guarded by mu
}

func newStateLike(env harness.Env) harness.Task {
	return &stateLike{proc: env.Process, pid: env.Process.Pid(), stopped: make(chan struct{})}
}

func (s *stateLike) Reap(e harness.Exit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exited {
		return
	}
	s.exited, s.pid, s.status = true, 0, e.Status
	close(s.stopped)
}

func (s *stateLike) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-s.stopped:
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return harness.Exit{Pid: s.pid, Status: s.status}, nil
}

var errRunning = errors.New("cannot remove a running container")

func (s *stateLike) Delete(context.Context) (harness.Exit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.removed:
		return harness.Exit{}, errors.New("no such container")
	case !s.exited:
		return harness.Exit{}, errRunning
	}
	s.removed = true
	return harness.Exit{}, nil
}

// Kill ignores its ctx, as ContainerKill(name, sig) has none.
func (s *stateLike) Kill(_ context.Context, sig syscall.Signal) error {
	s.mu.Lock()
	exited := s.exited
	s.mu.Unlock()
	if exited {
		return errors.New("container is not running")
	}
	if err := s.proc.Signal(sig); err != nil {
		return err
	}
	if s.stoppedWithin(10 * time.Second) {
		return nil
	}
	if err := s.proc.Signal(syscall.SIGKILL); err != nil {
		return nil // it exited meanwhile
	}
	if s.stoppedWithin(2 * time.Second) {
		return nil
	}
	return fmt.Errorf("container did not exit within 12s of signal %d", int(sig))
}

func (s *stateLike) stoppedWithin(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.stopped:
		return true
	case <-t.C:
		return false
	}
}

// stateLikeRelaxations are the three relaxations stateLike needs, each with
// the clause it breaks without it.
var stateLikeRelaxations = []struct {
	opt    harness.Option
	name   string
	clause string
}{
	{harness.KillBoundedBy(12 * time.Second), "KillBoundedBy(12s)", harness.ClauseKillBounded},
	{harness.DeleteReturnsNoExit(), "DeleteReturnsNoExit()", harness.ClauseOneExit},
	{harness.ExitPidMayBeZero(), "ExitPidMayBeZero()", harness.ClauseOneExit},
}

// With the three relaxations the state-like task passes; without any one
// of them it fails the clause that relaxation relaxes, and the report
// names the relaxations still in force.
func TestRelaxationsFitAStateLikeTask(t *testing.T) {
	var all []harness.Option
	for _, r := range stateLikeRelaxations {
		all = append(all, r.opt)
	}
	if f := harness.Check(t.Name(), bubble(t), newStateLike, append(all, harness.Checks(300))...); f != nil {
		t.Fatalf("the state-like task fails with all three relaxations:\n%s", f)
	}
	for i, r := range stateLikeRelaxations {
		t.Run("without "+r.name, func(t *testing.T) {
			var opts []harness.Option
			var kept []string
			for j, o := range stateLikeRelaxations {
				if j != i {
					opts = append(opts, o.opt)
					kept = append(kept, o.name)
				}
			}
			f := harness.Check(t.Name(), bubble(t), newStateLike, append(opts, harness.Checks(300))...)
			if f == nil {
				t.Fatalf("the state-like task passes without %s", r.name)
			}
			if p := f.Primary(); p.Clause != r.clause {
				t.Fatalf("without %s: primary clause %s, want %s:\n%s", r.name, p.Clause, r.clause, f)
			}
			report := f.Error()
			line := ""
			for _, l := range strings.Split(report, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "contract relaxations: ") {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("the report has no contract relaxations line:\n%s", report)
			}
			for _, k := range kept {
				if !strings.Contains(line, k) {
					t.Errorf("the relaxations line does not name %s: %s", k, line)
				}
			}
			if strings.Contains(line, r.name) {
				t.Errorf("the relaxations line names %s, which is not in force: %s", r.name, line)
			}
		})
	}
}

// Relaxations lists nothing for the default contract and the tightenings.
func TestRelaxationsDefault(t *testing.T) {
	if got := harness.Relaxations(); len(got) != 0 {
		t.Errorf("Relaxations() = %q, want none", got)
	}
	if got := harness.Relaxations(harness.DeleteBeforeExitFails(), harness.KillAfterExitFails(), harness.KillBoundedBy(0)); len(got) != 0 {
		t.Errorf("Relaxations(tightenings, KillBoundedBy(0)) = %q, want none", got)
	}
	if got := harness.Relaxations(harness.KillBoundedBy(time.Second)); len(got) != 1 || !strings.HasPrefix(got[0], "KillBoundedBy(1s): ") {
		t.Errorf("Relaxations(KillBoundedBy(1s)) = %q", got)
	}
	if got := harness.Relaxations(harness.WaitMayFailDuringDelete()); len(got) != 1 || !strings.HasPrefix(got[0], "WaitMayFailDuringDelete(): ") {
		t.Errorf("Relaxations(WaitMayFailDuringDelete()) = %q", got)
	}
}
