package faults

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
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

// The process exits by itself exactly at ExitPlan.After, with its status.
func TestProcessExitsByItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log noteLog
		start := time.Now()
		p := NewProcess(7, ExitPlan{After: 5 * time.Millisecond, Status: 3}, SignalPlan{}, log.note)
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
		p := NewProcess(1, ExitPlan{After: 0, Status: 0}, SignalPlan{}, func(string, string) {})
		<-p.Done()
		if d := time.Since(start); d != 0 {
			t.Errorf("exited at %v, want 0", d)
		}
	})
}

// With Never the process does not exit until Exit is called.
func TestProcessNeverExitsUntilExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log noteLog
		p := NewProcess(1, ExitPlan{After: Never, Status: 2}, SignalPlan{}, log.note)
		time.Sleep(time.Hour)
		synctest.Wait()
		if exited(p) {
			t.Fatal("a Never process exited by itself")
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
		p := NewProcess(1, ExitPlan{After: Never}, SignalPlan{IgnoreTerm: true, ExitAfter: time.Millisecond}, log.note)
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
		p := NewProcess(1, ExitPlan{After: Never}, SignalPlan{IgnoreTerm: true, ExitAfter: 10 * time.Millisecond}, log.note)
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
		p := NewProcess(1, ExitPlan{After: Never}, SignalPlan{ExitAfter: time.Millisecond}, func(string, string) {})
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
		p := NewProcess(42, ExitPlan{After: 0, Status: 1}, SignalPlan{}, log.note)
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
		p := NewProcess(1, ExitPlan{After: Never}, SignalPlan{IgnoreTerm: true, ExitAfter: time.Millisecond}, nil)
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
		p := NewProcess(1, ExitPlan{After: 5 * time.Millisecond, Status: 3}, SignalPlan{ExitAfter: time.Millisecond}, log.note)
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

// pointNotes runs the calls through Points and returns the notes made.
func pointNotes(faults []PointFault, calls ...string) ([]string, *Points) {
	var log noteLog
	p := NewPoints(faults, log.note)
	for _, name := range calls {
		p.Point(name)
	}
	return log.all(), p
}

// Points count passes per name and fire only on the matching Hit; Hit 0
// matches every pass, and faults on the same pass add up.
func TestPoints(t *testing.T) {
	tests := []struct {
		name   string
		faults []PointFault
		calls  []string
		want   []string
	}{
		{
			// No faults, no notes.
			name:  "no faults",
			calls: []string{"a", "a"},
		},
		{
			// Hit 2 fires on the second pass only.
			name:   "hit 2",
			faults: []PointFault{{Name: "a", Hit: 2, Yields: 3}},
			calls:  []string{"a", "a", "a"},
			want:   []string{": point a #2: yield 3"},
		},
		{
			// Hits are counted per name: passes of b do not count for a.
			name:   "per name",
			faults: []PointFault{{Name: "a", Hit: 2, Yields: 1}},
			calls:  []string{"b", "a", "b", "b", "a"},
			want:   []string{": point a #2: yield 1"},
		},
		{
			// Hit 0 fires on every pass.
			name:   "hit 0",
			faults: []PointFault{{Name: "a", Hit: 0, Yields: 4}},
			calls:  []string{"a", "b", "a"},
			want:   []string{": point a #1: yield 4", ": point a #2: yield 4"},
		},
		{
			// Faults matching one pass add their yields.
			name:   "sum",
			faults: []PointFault{{Name: "a", Hit: 0, Yields: 1}, {Name: "a", Hit: 1, Yields: 16}},
			calls:  []string{"a", "a"},
			want:   []string{": point a #1: yield 17", ": point a #2: yield 1"},
		},
		{
			// A Hit beyond the passes never fires.
			name:   "hit not reached",
			faults: []PointFault{{Name: "a", Hit: 3, Yields: 1}},
			calls:  []string{"a", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := pointNotes(tt.faults, tt.calls...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("notes = %q, want %q", got, tt.want)
			}
		})
	}
}

// Names lists every point passed, fired or not, sorted and once each.
func TestPointsNames(t *testing.T) {
	_, p := pointNotes([]PointFault{{Name: "m", Hit: 1, Yields: 1}}, "z", "m", "a", "z", "m")
	if got, want := p.Names(), []string{"a", "m", "z"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	if got := NewPoints(nil, nil).Names(); len(got) != 0 {
		t.Errorf("Names() with no passes = %q, want none", got)
	}
}

// A nil note is allowed; the fault still yields.
func TestPointsNilNote(t *testing.T) {
	p := NewPoints([]PointFault{{Name: "a", Hit: 0, Yields: 2}}, nil)
	p.Point("a")
	if got := p.Names(); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("Names() = %q, want [a]", got)
	}
}

// Concurrent passes are each counted once: the Hit-th fires exactly once.
func TestPointsConcurrent(t *testing.T) {
	var log noteLog
	p := NewPoints([]PointFault{{Name: "x", Hit: 50, Yields: 1}}, log.note)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { p.Point("x") })
	}
	wg.Wait()
	if got, want := log.all(), []string{": point x #50: yield 1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("notes = %q, want %q", got, want)
	}
}

// Ctx.Done and Ctx.String for each kind.
func TestCtx(t *testing.T) {
	tests := []struct {
		ctx  Ctx
		done time.Duration
		str  string
	}{
		{Ctx{Kind: Background}, Never, "background"},                                              // never ends
		{Ctx{Kind: Timeout, After: 10 * time.Millisecond}, 10 * time.Millisecond, "timeout:10ms"}, // ends at its deadline
		{Ctx{Kind: CancelAfter, After: 5 * time.Millisecond}, 5 * time.Millisecond, "cancel:5ms"}, // ends when cancelled
		{Ctx{Kind: Cancelled}, 0, "cancelled"},                                                    // ended before the call
		{Ctx{}, Never, "background"},                                                              // the zero Ctx is background
	}
	for _, tt := range tests {
		if got := tt.ctx.Done(); got != tt.done {
			t.Errorf("%+v.Done() = %v, want %v", tt.ctx, got, tt.done)
		}
		if got := tt.ctx.String(); got != tt.str {
			t.Errorf("%+v.String() = %q, want %q", tt.ctx, got, tt.str)
		}
	}
}

// Plan.String in scenario notation.
func TestPlanString(t *testing.T) {
	tests := []struct {
		name string
		plan Plan
		want string
		lost bool
	}{
		{
			// A lost exit: no deliveries, said as "monitor lost".
			name: "lost",
			plan: Plan{Exit: ExitPlan{After: Never, Status: 0}, Signal: SignalPlan{IgnoreTerm: true}},
			want: "process exit=never status=0 sigterm=ignore\nmonitor lost\n",
			lost: true,
		},
		{
			// Deliveries, real and synthetic 137, and point faults.
			name: "deliveries",
			plan: Plan{
				Exit:       ExitPlan{After: time.Millisecond, Status: 1},
				Signal:     SignalPlan{ExitAfter: 10 * time.Millisecond},
				Deliveries: []Delivery{{After: 0, Status: StatusReal}, {After: 5 * time.Millisecond, Status: 137}},
				Points:     []PointFault{{Name: "wait.locked", Hit: 0, Yields: 4}, {Name: "reap.close", Hit: 2, Yields: 1}},
			},
			want: "process exit=1ms status=1 sigterm=exit:10ms\n" +
				"monitor reap after=0 status=real\n" +
				"monitor reap after=5ms status=137\n" +
				"point wait.locked hit=* yield=4\n" +
				"point reap.close hit=2 yield=1\n",
		},
		{
			// Injected failures, one line each, after the points.
			name: "fails",
			plan: Plan{
				Exit:       ExitPlan{After: 0},
				Deliveries: []Delivery{{Status: StatusReal}},
				Fails:      []FailFault{{Name: "delete:remove", Hit: 1}, {Name: "shim rpc", Hit: 0}},
			},
			want: "process exit=0 status=0 sigterm=exit:0\n" +
				"monitor reap after=0 status=real\n" +
				"fail delete:remove hit=1\n" +
				"fail \"shim rpc\" hit=*\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.plan.String(); got != tt.want {
				t.Errorf("String() =\n%s\nwant\n%s", got, tt.want)
			}
			if got := tt.plan.Lost(); got != tt.lost {
				t.Errorf("Lost() = %v, want %v", got, tt.lost)
			}
		})
	}
}

// FormatDuration prints 0 as "0" and other durations as time.Duration does.
func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0",
		500 * time.Microsecond:  "500µs",
		5 * time.Millisecond:    "5ms",
		1500 * time.Millisecond: "1.5s",
		time.Minute:             "1m0s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", int64(d), got, want)
		}
	}
}

// Example of a plan in scenario notation.
func ExamplePlan_String() {
	p := Plan{
		Exit:       ExitPlan{After: 3 * time.Millisecond, Status: 0},
		Deliveries: []Delivery{{Status: StatusReal}, {Status: 137}},
	}
	fmt.Print(p)
	// Output:
	// process exit=3ms status=0 sigterm=exit:0
	// monitor reap after=0 status=real
	// monitor reap after=0 status=137
}

// Fails count passes per name, fail only the matching Hit (every pass for
// Hit 0) with an error wrapping ErrInjected, note each failure, and stop
// failing once disarmed.
func TestFails(t *testing.T) {
	var notes []string
	f := NewFails([]FailFault{{Name: "rm", Hit: 2}, {Name: "rpc", Hit: 0}}, func(who, what string) { notes = append(notes, what) })
	var got []string
	for _, name := range []string{"rm", "rm", "rm", "rpc", "rpc", "other"} {
		err := f.Fail(name)
		if err != nil && !errors.Is(err, ErrInjected) {
			t.Errorf("Fail(%q) = %v: does not wrap ErrInjected", name, err)
		}
		got = append(got, fmt.Sprintf("%s:%v", name, err != nil))
	}
	if want := "rm:false rm:true rm:false rpc:true rpc:true other:false"; strings.Join(got, " ") != want {
		t.Errorf("failures = %s, want %s", strings.Join(got, " "), want)
	}
	if err := f.Fail("rm"); err != nil {
		t.Errorf("pass 4 of rm failed: %v", err)
	}
	wantNotes := "fail rm #2: injected failure|fail rpc #1: injected failure|fail rpc #2: injected failure"
	if strings.Join(notes, "|") != wantNotes {
		t.Errorf("notes = %q, want %q", strings.Join(notes, "|"), wantNotes)
	}
	f.Disarm()
	if err := f.Fail("rpc"); err != nil {
		t.Errorf("Fail after Disarm = %v, want nil", err)
	}
	if got := strings.Join(f.Names(), ","); got != "other,rm,rpc" {
		t.Errorf("Names() = %s, want other,rm,rpc", got)
	}
	if err := NewFails(nil, nil).Fail("x"); err != nil {
		t.Errorf("Fail with no plan = %v", err)
	}
}
