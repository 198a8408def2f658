package sim

import (
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/internal/notation"
)

// Note receives one line of what happened: who did it and what. The harness
// turns notes into the scenario's timeline.
type Note func(who, what string)

// Process is the simulated process a task supervises. It exits by itself as
// its [faults.ExitPlan] says, after a heeded signal, or when the harness calls Exit
// at teardown. Build it inside the scenario's bubble: its timers run on the
// bubble's virtual clock.
type Process struct {
	pid    int
	signal faults.SignalPlan
	note   Note
	done   chan struct{} // closed at the exit

	mu     sync.Mutex
	exited bool          // guarded by mu
	status int           // guarded by mu
	timers []*time.Timer // guarded by mu; pending exits, stopped at the exit
}

// NewProcess starts a process with the given pid that follows exit and sig.
// note, if not nil, hears what the process does (its exit, the signals it
// gets); with nil nothing is formatted.
func NewProcess(pid int, exit faults.ExitPlan, sig faults.SignalPlan, note Note) *Process {
	p := &Process{pid: pid, signal: sig, note: note, done: make(chan struct{})}
	if exit.After != faults.Never {
		status := exit.Status
		p.mu.Lock()
		p.timers = append(p.timers, time.AfterFunc(exit.After, func() { p.Exit(status, "exits by itself") }))
		p.mu.Unlock()
	}
	return p
}

// Pid returns the process id.
func (p *Process) Pid() int { return p.pid }

// Signal delivers sig. Once the process has exited it fails with
// syscall.ESRCH. A heeded signal makes the process exit after the plan's
// delay with status 128+sig; an ignored one changes nothing.
func (p *Process) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		if p.note != nil {
			p.note("process", fmt.Sprintf("signal %d: no such process", int(sig)))
		}
		return fmt.Errorf("signal %d to pid %d: %w", int(sig), p.pid, syscall.ESRCH)
	}
	if sig != syscall.SIGKILL && p.signal.IgnoreTerm {
		if p.note != nil {
			p.note("process", fmt.Sprintf("signal %d ignored", int(sig)))
		}
		return nil
	}
	if p.note != nil {
		p.note("process", fmt.Sprintf("signal %d heeded: exits in %s", int(sig), notation.FormatDuration(p.signal.ExitAfter)))
	}
	status := 128 + int(sig)
	p.timers = append(p.timers, time.AfterFunc(p.signal.ExitAfter, func() {
		p.Exit(status, fmt.Sprintf("exits on signal %d", int(sig)))
	}))
	return nil
}

// Exit makes the process exit now with status, unless it already has; why
// is noted on the timeline. It reports whether this call made it exit.
func (p *Process) Exit(status int, why string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return false
	}
	p.exited = true
	p.status = status
	for _, t := range p.timers {
		t.Stop()
	}
	p.timers = nil
	if p.note != nil {
		p.note("process", fmt.Sprintf("%s: status %d", why, status))
	}
	close(p.done)
	return true
}

// Done is closed when the process exits.
func (p *Process) Done() <-chan struct{} { return p.done }

// Status returns the exit status and whether the process has exited.
func (p *Process) Status() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status, p.exited
}
