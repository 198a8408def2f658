package zoo

// Style: moby's container state. The state forgets the pid at the exit
// (SetStopped zeroes Pid), so Wait reports pid 0; Delete, like `docker
// rm`, reports no exit at all; waiters wait on a channel that SetStopped
// closes and replaces; the first exit stands, later ones are ignored (the
// guard of moby PR #51925). Its check says so with
// harness.ExitPidMayBeZero and harness.DeleteReturnsNoExit.

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type mobyState struct {
	proc harness.Process

	mu       sync.Mutex
	running  bool          // guarded by mu
	pid      int           // guarded by mu; 0 once stopped
	exitCode int           // guarded by mu
	waitStop chan struct{} // guarded by mu; closed and replaced by setStopped
	removed  bool          // guarded by mu
}

func newMobyState(env harness.Env) harness.Task {
	return &mobyState{proc: env.Process, running: true, pid: env.Process.Pid(), waitStop: make(chan struct{})}
}

// setStoppedLocked records the exit. Call with mu held.
func (s *mobyState) setStoppedLocked(e harness.Exit) {
	s.running, s.pid, s.exitCode = false, 0, e.Status
	close(s.waitStop)
	s.waitStop = make(chan struct{})
}

func (s *mobyState) Reap(e harness.Exit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return // the first exit stands
	}
	s.setStoppedLocked(e)
}

// wait returns the exit code once the container is stopped.
func (s *mobyState) wait(ctx context.Context) (int, error) {
	s.mu.Lock()
	if !s.running {
		code := s.exitCode
		s.mu.Unlock()
		return code, nil
	}
	stopped := s.waitStop
	s.mu.Unlock()
	select {
	case <-stopped:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exitCode, nil
}

func (s *mobyState) Wait(ctx context.Context) (harness.Exit, error) {
	code, err := s.wait(ctx)
	if err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	return harness.Exit{Pid: 0, Status: code}, nil
}

func (s *mobyState) Delete(ctx context.Context) (harness.Exit, error) {
	if _, err := s.wait(ctx); err != nil {
		return harness.Exit{}, fmt.Errorf("rm: %w: %w", ErrNotExited, err)
	}
	s.mu.Lock()
	s.removed = true
	s.mu.Unlock()
	return harness.Exit{}, nil
}

func (s *mobyState) Kill(_ context.Context, sig syscall.Signal) error {
	s.mu.Lock()
	running := s.running
	s.mu.Unlock()
	if !running {
		return processDone("kill")
	}
	return s.proc.Signal(sig)
}
