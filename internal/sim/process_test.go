package sim

import (
	"errors"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reaptest/reaptest/faults"
)

// noteLog collects notes; it is safe for the timer goroutines that make a
// process exit.
type noteLog struct {
	mu    sync.Mutex
	lines []string // guarded by mu; "who: what"
}

func (l *noteLog) note(who, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, who+": "+what)
}

func (l *noteLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// has reports whether some note contains s.
func (l *noteLog) has(s string) bool {
	for _, line := range l.all() {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

func exited(p *Process) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}

// The process exits by itself exactly at faults.ExitPlan.After, with its status.
func TestProcessExitsByItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log noteLog
		start := time.Now()
		p := NewProcess(7, faults.ExitPlan{After: 5 * time.Millisecond, Status: 3}, faults.SignalPlan{}, log.note)
		if p.Pid() != 7 {
			t.Errorf("Pid() = %d, want 7", p.Pid())
		}
		time.Sleep(5*time.Millisecond - time.Nanosecond)
		synctest.Wait()
		if exited(p) {
			t.Fatalf("exited at %v, before its 5ms", time.Since(start))
		}
		if st, ok := p.Status(); ok || st != 0 {
			t.Errorf("Status() before the exit = %d, %v; want 0, false", st, ok)
		}
		<-p.Done()
		if d := time.Since(start); d != 5*time.Millisecond {
			t.Errorf("exited at %v, want 5ms", d)
		}
		if st, ok := p.Status(); !ok || st != 3 {
			t.Errorf("Status() = %d, %v; want 3, true", st, ok)
		}
		if !log.has("process: exits by itself: status 3") {
			t.Errorf("notes %q lack the exit", log.all())
		}
	})
}

// An exit at 0 happens at the start, without any time passing.
func TestProcessExitsAtZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		p := NewProcess(1, faults.ExitPlan{After: 0, Status: 0}, faults.SignalPlan{}, func(string, string) {})
		<-p.Done()
		if d := time.Since(start); d != 0 {
			t.Errorf("exited at %v, want 0", d)
		}
	})
}

// With faults.Never the process does not exit until Exit is called.
func TestProcessNeverExitsUntilExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log noteLog
		p := NewProcess(1, faults.ExitPlan{After: faults.Never, Status: 2}, faults.SignalPlan{}, log.note)
		time.Sleep(time.Hour)
		synctest.Wait()
		if exited(p) {
			t.Fatal("a faults.Never process exited by itself")
		}
		if !p.Exit(9, "exits at teardown") {
			t.Fatal("Exit on a live process = false, want true")
		}
		if !exited(p) {
			t.Fatal("Done not closed after Exit")
		}
		if st, ok := p.Status(); !ok || st != 9 {
			t.Errorf("Status() = %d, %v; want 9, true", st, ok)
		}
		if !log.has("process: exits at teardown: status 9") {
			t.Errorf("notes %q lack the exit", log.all())
		}
	})
}

// With IgnoreTerm, SIGTERM changes nothing.
func TestProcessIgnoresTerm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log noteLog
		p := NewProcess(1, faults.ExitPlan{After: faults.Never}, faults.SignalPlan{IgnoreTerm: true, ExitAfter: time.Millisecond}, log.note)
		if err := p.Signal(syscall.SIGTERM); err != nil {
			t.Fatalf("Signal(SIGTERM) = %v, want nil", err)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if exited(p) {
			t.Fatal("exited on an ignored SIGTERM")
		}
		if !log.has("signal 15 ignored") {
			t.Errorf("notes %q lack the ignored signal", log.all())
		}
		p.Exit(0, "cleanup")
	})
}

// SIGKILL is never ignored: the process exits ExitAfter later with 137.
func TestProcessKillNotIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log noteLog
		p := NewProcess(1, faults.ExitPlan{After: faults.Never}, faults.SignalPlan{IgnoreTerm: true, ExitAfter: 10 * time.Millisecond}, log.note)
		start := time.Now()
		if err := p.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("Signal(SIGKILL) = %v, want nil", err)
		}
		<-p.Done()
		if d := time.Since(start); d != 10*time.Millisecond {
			t.Errorf("exited %v after SIGKILL, want 10ms", d)
		}
		if st, _ := p.Status(); st != 137 {
			t.Errorf("status = %d, want 137", st)
		}
		if !log.has("signal 9 heeded") || !log.has("exits on signal 9: status 137") {
			t.Errorf("notes %q lack the signal or the exit", log.all())
		}
	})
}

// A heeded SIGTERM makes the process exit ExitAfter later with 143.
func TestProcessTermHeeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewProcess(1, faults.ExitPlan{After: faults.Never}, faults.SignalPlan{ExitAfter: time.Millisecond}, func(string, string) {})
		start := time.Now()
		if err := p.Signal(syscall.SIGTERM); err != nil {
			t.Fatalf("Signal(SIGTERM) = %v, want nil", err)
		}
		<-p.Done()
		if d := time.Since(start); d != time.Millisecond {
			t.Errorf("exited %v after SIGTERM, want 1ms", d)
		}
		if st, _ := p.Status(); st != 143 {
			t.Errorf("status = %d, want 143", st)
		}
	})
}

// A signal after the exit fails with an error wrapping ESRCH.
func TestProcessSignalAfterExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log noteLog
		p := NewProcess(42, faults.ExitPlan{After: 0, Status: 1}, faults.SignalPlan{}, log.note)
		<-p.Done()
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
			err := p.Signal(sig)
			if !errors.Is(err, syscall.ESRCH) {
				t.Errorf("Signal(%d) after the exit = %v, want an error wrapping ESRCH", int(sig), err)
			}
		}
		if st, _ := p.Status(); st != 1 {
			t.Errorf("status = %d after signals to an exited process, want 1", st)
		}
		if !log.has("no such process") {
			t.Errorf("notes %q lack the failed signal", log.all())
		}
	})
}

// A process without a note behaves the same: it heeds and refuses signals
// and exits, and formats nothing.
func TestProcessWithoutNote(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewProcess(1, faults.ExitPlan{After: faults.Never}, faults.SignalPlan{IgnoreTerm: true, ExitAfter: time.Millisecond}, nil)
		if err := p.Signal(syscall.SIGTERM); err != nil {
			t.Fatalf("ignored SIGTERM = %v, want nil", err)
		}
		if err := p.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("SIGKILL = %v, want nil", err)
		}
		<-p.Done()
		if st, ok := p.Status(); !ok || st != 128+int(syscall.SIGKILL) {
			t.Errorf("Status() = %d, %v; want %d, true", st, ok, 128+int(syscall.SIGKILL))
		}
		if err := p.Signal(syscall.SIGTERM); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("Signal after the exit = %v, want an error wrapping ESRCH", err)
		}
	})
}

// Exit is idempotent: the second call reports false and keeps the status,
// and a pending exit (planned or signalled) does not override it.
func TestProcessExitIdempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log noteLog
		p := NewProcess(1, faults.ExitPlan{After: 5 * time.Millisecond, Status: 3}, faults.SignalPlan{ExitAfter: time.Millisecond}, log.note)
		if err := p.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if !p.Exit(1, "first") {
			t.Fatal("first Exit = false, want true")
		}
		if p.Exit(2, "second") {
			t.Error("second Exit = true, want false")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if st, ok := p.Status(); !ok || st != 1 {
			t.Errorf("Status() = %d, %v; want 1, true", st, ok)
		}
		var exits int
		for _, line := range log.all() {
			if strings.Contains(line, ": status ") {
				exits++
			}
		}
		if exits != 1 {
			t.Errorf("%d exits noted, want 1: %q", exits, log.all())
		}
	})
}
