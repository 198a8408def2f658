package catalog

import (
	"context"
	"errors"
	"os"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// fakeProcess is a minimal harness.Process: it records signals and returns
// ESRCH once marked exited. It never exits on its own (signals are ignored).
type fakeProcess struct {
	mu      sync.Mutex
	exited  bool             // guarded by mu
	signals []syscall.Signal // guarded by mu
}

func (p *fakeProcess) Pid() int { return 42 }

func (p *fakeProcess) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return syscall.ESRCH
	}
	p.signals = append(p.signals, sig)
	return nil
}

func (p *fakeProcess) markExited() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exited = true
}

func (p *fakeProcess) signalled() []syscall.Signal {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]syscall.Signal(nil), p.signals...)
}

func newEnv() (harness.Env, *fakeProcess) {
	p := &fakeProcess{}
	return harness.Env{Process: p, Point: func(string) {}}, p
}

var (
	exit0   = harness.Exit{Pid: 42, Status: 0}
	exit137 = harness.Exit{Pid: 42, Status: 137}
)

func TestAll(t *testing.T) {
	all := All()
	if len(all) == 0 || all[0].Name != "reference" || all[0].Want != "" {
		t.Fatalf("first entry = %+v, want the correct reference", all[0])
	}
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, e := range all {
		if seen[e.Name] {
			t.Errorf("duplicate name %q", e.Name)
		}
		seen[e.Name] = true
		if !kebab.MatchString(e.Name) {
			t.Errorf("name %q is not kebab-case", e.Name)
		}
		switch e.Want {
		case WantPass, harness.ClassPanic, harness.ClassHang, harness.ClassLeak, harness.ClassContract:
		default:
			t.Errorf("%s: Want = %q, not an allowed failure class", e.Name, e.Want)
		}
		if e.New == nil || e.Doc == "" {
			t.Errorf("%s: New or Doc missing", e.Name)
		}
		env, _ := newEnv()
		if e.New(env) == nil {
			t.Errorf("%s: New returned nil", e.Name)
		}
	}
	all[0].Name = "mutated"
	if All()[0].Name != "reference" {
		t.Error("All exposes the package's slice")
	}
}

func TestLookup(t *testing.T) {
	for _, e := range All() {
		got, ok := Lookup(e.Name)
		if !ok || got.Name != e.Name || got.Want != e.Want {
			t.Errorf("Lookup(%q) = %+v, %v", e.Name, got, ok)
		}
	}
	if _, ok := Lookup("no-such-entry"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
}

func TestReferenceSequence(t *testing.T) {
	// synctest also proves the reference leaves no goroutine behind: Test
	// fails if bubble goroutines remain blocked.
	synctest.Test(t, func(t *testing.T) {
		env, proc := newEnv()
		task := NewReference(env)
		killer, ok := task.(harness.Killer)
		if !ok {
			t.Fatal("reference does not implement harness.Killer")
		}
		ctx := context.Background()

		// Before the exit: Kill signals, Wait and Delete honour their ctx.
		if err := killer.Kill(ctx, syscall.SIGTERM); err != nil {
			t.Fatalf("Kill before exit: %v", err)
		}
		if got := proc.signalled(); len(got) != 1 || got[0] != syscall.SIGTERM {
			t.Fatalf("signals = %v, want [SIGTERM]", got)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := task.Wait(cancelled); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait with cancelled ctx: err = %v", err)
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := task.Delete(short); !errors.Is(err, ErrNotExited) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Delete before exit: err = %v", err)
		}

		// A Wait in flight is released by the Reap.
		waited := make(chan harness.Exit, 1)
		go func() {
			e, err := task.Wait(ctx)
			if err != nil {
				t.Errorf("in-flight Wait: %v", err)
			}
			waited <- e
		}()
		synctest.Wait()
		proc.markExited()
		task.Reap(exit0)
		if e := <-waited; e != exit0 {
			t.Fatalf("in-flight Wait = %+v, want %+v", e, exit0)
		}

		// Reap then Wait, duplicate Reap, Delete, repeated Delete.
		if e, err := task.Wait(ctx); err != nil || e != exit0 {
			t.Fatalf("Wait after Reap = %+v, %v", e, err)
		}
		task.Reap(exit137)
		if e, err := task.Wait(ctx); err != nil || e != exit0 {
			t.Fatalf("Wait after duplicate Reap = %+v, %v; want the first exit", e, err)
		}
		if err := killer.Kill(ctx, syscall.SIGKILL); !errors.Is(err, os.ErrProcessDone) || !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("Kill after exit: err = %v", err)
		}
		for i := range 2 {
			if e, err := task.Delete(ctx); err != nil || e != exit0 {
				t.Fatalf("Delete #%d = %+v, %v", i+1, e, err)
			}
		}

		// After Delete everything stays prompt and harmless.
		task.Reap(exit137)
		if e, err := task.Wait(ctx); err != nil || e != exit0 {
			t.Fatalf("Wait after Delete = %+v, %v", e, err)
		}
		if err := killer.Kill(ctx, syscall.SIGKILL); !errors.Is(err, ErrDeleted) || !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("Kill after Delete: err = %v", err)
		}
		if len(proc.signalled()) != 1 {
			t.Fatalf("signals after exit reached the process: %v", proc.signalled())
		}
	})
}

func TestReferenceConcurrentReaps(t *testing.T) {
	env, _ := newEnv()
	task := NewReference(env)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() { defer wg.Done(); task.Reap(harness.Exit{Pid: 42, Status: i}) }()
		go func() { defer wg.Done(); _, _ = task.Wait(context.Background()) }()
	}
	wg.Wait()
	first, err := task.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if e, err := task.Delete(context.Background()); err != nil || e != first {
		t.Fatalf("Delete = %+v, %v; Wait said %+v", e, err, first)
	}
}
