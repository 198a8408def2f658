package suites

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// Each test below checks an implementation written to take its process
// down, with isolation on: the check runs in a child process, which dies;
// the parent (this test) must get an ordinary report with the right
// class, a minimized scenario and a reproducer, and go on. In the child the
// same test function runs the check itself and its assertions are moot.

// doomed is a correct task whose methods can be broken one at a time.
type doomed struct {
	mu     sync.Mutex
	done   chan struct{}
	exit   harness.Exit // guarded by mu
	reaped bool         // guarded by mu
	racy   int          // guarded by nothing: for TestIsolationDataRace
	wrote  atomic.Bool  // racy was written (once per task)
	reap   func(t *doomed)
	wait   func(t *doomed)
	delete func(t *doomed)
}

func (d *doomed) Reap(e harness.Exit) {
	if d.reap != nil {
		d.reap(d)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.reaped {
		d.reaped, d.exit = true, e
		close(d.done)
	}
}

func (d *doomed) Wait(ctx context.Context) (harness.Exit, error) {
	if d.wait != nil {
		d.wait(d)
	}
	select {
	case <-d.done:
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (d *doomed) Delete(ctx context.Context) (harness.Exit, error) {
	if d.delete != nil {
		d.delete(d)
	}
	return d.Wait(ctx)
}

func newDoomed(set func(*doomed)) harness.NewTask {
	return func(harness.Env) harness.Task {
		d := &doomed{done: make(chan struct{})}
		set(d)
		return d
	}
}

// checkCrash runs the isolated check and, in the parent, asserts the
// report's class, clause and text.
func checkCrash(t *testing.T, newTask harness.NewTask, class harness.Class, clause, text string, opts ...harness.Option) *harness.Failure {
	t.Helper()
	t.Cleanup(func() { os.RemoveAll(corpusDir(t.Name())) })
	f := checkT(t, newTask, append([]harness.Option{harness.Isolate(true), harness.Checks(100)}, opts...)...)
	if inChild() {
		return nil
	}
	if f == nil {
		t.Fatal("the isolated check found nothing")
	}
	p := f.Primary()
	if p.Class != class || p.Clause != clause || !strings.Contains(f.Error(), text) {
		t.Fatalf("got %s [%s], want %s [%s] mentioning %q:\n%s", p.Class, p.Clause, class, clause, text, f.Error())
	}
	if !strings.Contains(f.Command, "go test") {
		t.Errorf("no reproducer: %q", f.Command)
	}
	t.Logf("reported as:\n%s", f.Error())
	return f
}

// A panic on a goroutine the task started itself (a second Reap closing
// the exit channel from a helper goroutine).
func TestIsolationTaskGoroutinePanic(t *testing.T) {
	checkCrash(t, newDoomed(func(d *doomed) {
		d.reap = func(d *doomed) {
			d.mu.Lock()
			again := d.reaped
			d.mu.Unlock()
			if again {
				go func() { close(d.done) }()
			}
		}
	}), harness.ClassPanic, harness.ClauseCrash, "close of closed channel")
}

// A fatal runtime error no recover sees: concurrent map writes from two
// goroutines of the task. The runtime sees the writes only when they
// overlap, which needs two processors: Procs(0). Under -race the race
// detector may see the unsynchronized writes first, and then the same bug
// is a race: either report is right.
func TestIsolationConcurrentMapWrites(t *testing.T) {
	class, clause, text := harness.ClassPanic, harness.ClauseCrash, "concurrent map"
	if raceEnabled {
		t.Cleanup(func() { os.RemoveAll(corpusDir(t.Name())) })
		class, clause, text = "", "", ""
	}
	mapWrites := newDoomed(func(d *doomed) {
		m := map[int]int{}
		d.wait = func(*doomed) {
			var wg sync.WaitGroup
			for g := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 1_000_000 {
						m[i%64] = g //nolint:staticcheck // the race is the point
					}
				}()
			}
			wg.Wait()
		}
	})
	if class != "" {
		checkCrash(t, mapWrites, class, clause, text, harness.Procs(0))
		return
	}
	f := checkT(t, mapWrites, harness.Isolate(true), harness.Checks(100), harness.Procs(0))
	if inChild() {
		return
	}
	switch {
	case f == nil:
		t.Fatal("the isolated check found nothing")
	case errors.Is(f, harness.ErrRace):
	case f.Primary().Clause == harness.ClauseCrash && strings.Contains(f.Error(), "concurrent map"):
	default:
		t.Fatalf("got %s [%s], want race [no-race] or panic [crash] mentioning concurrent map:\n%s", f.Primary().Class, f.Primary().Clause, f.Error())
	}
}

// os.Exit(3) in Delete.
func TestIsolationOSExit(t *testing.T) {
	checkCrash(t, newDoomed(func(d *doomed) {
		d.delete = func(*doomed) { os.Exit(3) }
	}), harness.ClassPanic, harness.ClauseCrash, "status 3")
}

// A named scenario that fails is reported as written, not minimized or
// saved, unless it takes the child down: then it is confirmed, shrunk and
// saved to the test's corpus like any crash, and its reproducer replays
// the saved file (README, "Plug in your implementation").
func TestNamedCrashIsSaved(t *testing.T) {
	if inChild() || os.Getenv(hostileHelper) != "" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileHelper$/^lost-exit$", "-test.count=1", "-test.v", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), hostileHelper+"=exit", EnvIsolate+"=1", "REAPTEST_AUTOPOINTS=0")
	cmd.Dir = t.TempDir()
	raw, _ := cmd.CombinedOutput()
	out := string(raw)
	m := regexp.MustCompile(`REAPTEST_REPLAY=(testdata/reaptest/TestHostileHelper/panic-crash-[0-9a-f]+\.scenario) go test `).FindStringSubmatch(out)
	if !strings.Contains(out, "--- FAIL: TestHostileHelper/lost-exit ") || !strings.Contains(out, "reaptest: panic [crash]") || m == nil {
		t.Fatalf("lost-exit with a Delete that exits: want a crash report whose reproducer replays a saved file:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(cmd.Dir, m[1])); err != nil {
		t.Errorf("the reproducer's file was not saved: %v", err)
	}
}

// A busy loop in Wait: the real-time limit ends the scenario, and the
// spinning goroutine ends with the child.
func TestIsolationBusyLoop(t *testing.T) {
	checkCrash(t, newDoomed(func(d *doomed) {
		d.wait = func(*doomed) {
			for start := time.Now(); time.Since(start) < time.Hour; {
			}
		}
	}), harness.ClassHang, harness.ClauseRealTime, "real time", harness.ScenarioTimeout(200*time.Millisecond))
}

// A goroutine bomb: every Wait starts 3,000 goroutines that never end,
// against a limit of 1,000 (small enough for the race detector, which
// allows 8,128 goroutines at once).
func TestIsolationGoroutineBomb(t *testing.T) {
	checkCrash(t, newDoomed(func(d *doomed) {
		d.wait = func(*doomed) {
			block := make(chan struct{})
			for range 3_000 {
				go func() { <-block }()
			}
		}
	}), harness.ClassLeak, harness.ClauseLimits, "goroutines", harness.Limits(1_000, 4<<30))
}

// A data race between Reap and Wait (a field written and read with no
// lock): under -race it is a finding of class race, with both accesses'
// stacks and a reproducer that has -race; without -race the same task
// passes, as nothing else is wrong with it.
func TestIsolationDataRace(t *testing.T) {
	racy := newDoomed(func(d *doomed) {
		// One write per task, so the race found is always the one between
		// Reap and Wait, not two Reaps of a duplicated exit.
		d.reap = func(d *doomed) {
			if d.wrote.CompareAndSwap(false, true) {
				d.racy++
			}
		}
		d.wait = func(d *doomed) { _ = d.racy }
	})
	if !raceEnabled {
		t.Cleanup(func() { os.RemoveAll(corpusDir(t.Name())) })
		if f := checkT(t, racy, harness.Isolate(true), harness.Checks(100)); f != nil {
			t.Fatalf("without -race the racy task must pass, got:\n%s", f.Error())
		}
		return
	}
	f := checkCrash(t, racy, harness.ClassRace, harness.ClauseNoRace, "data race")
	if inChild() {
		return
	}
	for _, want := range []string{"(*doomed).Reap", "(*doomed).Wait", "Previous ", " -race "} {
		if !strings.Contains(f.Error(), want) {
			t.Errorf("the race report lacks %q:\n%s", want, f.Error())
		}
	}
}

// Interrupted by SIGINT or SIGTERM while a child runs, the test binary
// kills the child and removes its temporary directory, then dies of the
// signal.
func TestInterruptLeavesNoTempDirs(t *testing.T) {
	const helper = "REAPTEST_INTERRUPT_HELPER"
	if os.Getenv(helper) != "" { // the process to interrupt: a long check
		checkT(t, catalog.NewReference, harness.Isolate(true), harness.Checks(10_000_000), harness.Corpus(""))
		return
	}
	if inChild() {
		return
	}
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		tmp := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptLeavesNoTempDirs$", "-test.count=1")
		cmd.Env = append(os.Environ(), helper+"=1", "TMPDIR="+tmp)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			if dirs, _ := filepath.Glob(filepath.Join(tmp, "reaptest-child-*")); len(dirs) > 0 {
				break
			}
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatal("the child's directory never appeared")
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // the child is running its check
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != sig {
				t.Errorf("after %v the process ended with %v, want it killed by the signal", sig, err)
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("the process did not end within 20s of %v", sig)
		}
		if left, _ := filepath.Glob(filepath.Join(tmp, "reaptest-*")); len(left) > 0 {
			t.Errorf("after %v: left behind %v", sig, left)
		}
	}
}

// A -run pattern splits into its levels at the slashes outside brackets
// and parentheses, as the testing package splits it.
func TestSplitPattern(t *testing.T) {
	for pattern, want := range map[string][]string{
		"^TestX$":               {"^TestX$"},
		"^TestX$/^lost-exit$":   {"^TestX$", "^lost-exit$"},
		"Test(a/b)/x":           {"Test(a/b)", "x"},
		"Test[/]x/y/z":          {"Test[/]x", "y", "z"},
		`TestX\/y/explore`:      {`TestX\/y`, "explore"},
		"TestX/(lost|dup)-exit": {"TestX", "(lost|dup)-exit"},
	} {
		if got := splitPattern(pattern); !slices.Equal(got, want) {
			t.Errorf("splitPattern(%q) = %q, want %q", pattern, got, want)
		}
	}
}
