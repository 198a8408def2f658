package harness_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/reaptest/reaptest/harness"
)

// shutdown is package-level state made at init, outside every scenario:
// a daemon's "we are shutting down" channel.
var shutdown = make(chan struct{})

// shutdownAware is a correct task whose Wait also gives up when the daemon
// shuts down, by selecting on stop.
type shutdownAware struct {
	*base
	stop <-chan struct{}
}

var errShutdown = errors.New("daemon shutting down")

func (s shutdownAware) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	case <-s.stop:
		return harness.Exit{}, errShutdown
	}
}

// A Wait that selects on a package-level channel is not blamed: the check
// stops with a setup diagnosis that names the waiting call and says how
// to restructure. Built per task in the factory, the same task passes.
func TestPackageLevelChannelIsASetupProblem(t *testing.T) {
	f := harness.Check(t.Name(), bubble(t), func(harness.Env) harness.Task {
		return shutdownAware{newBase(), shutdown}
	}, harness.Checks(100), harness.Corpus(t.TempDir()))
	if f == nil {
		t.Fatal("passes, but a Wait on a package-level channel stops the virtual clock")
	}
	if !errors.Is(f, harness.ErrSetup) || errors.Is(f, harness.ErrHang) || errors.Is(f, harness.ErrLeak) ||
		errors.Is(f, harness.ErrContract) || errors.Is(f, harness.ErrPanic) {
		t.Fatalf("want a setup diagnosis and no verdict, got %v:\n%s", f.Violations, f)
	}
	p := f.Primary()
	if p.Clause != harness.ClauseOutsideBubble || !strings.HasSuffix(p.Call, " Wait#1") ||
		!strings.Contains(p.Got, "shutdownAware.Wait") || !strings.Contains(p.Want, "per task in the factory (NewTask)") {
		t.Errorf("the diagnosis does not name the waiting call and the way out:\n%s", f)
	}
	if f.File != "" {
		t.Errorf("a setup diagnosis was saved to the corpus as a counterexample: %s", f.File)
	}
	// The same task with the channel built per task passes.
	if f := harness.Check(t.Name(), bubble(t), func(harness.Env) harness.Task {
		return shutdownAware{newBase(), make(chan struct{})}
	}, harness.Checks(100)); f != nil {
		t.Fatalf("with the channel made in the factory:\n%s", f)
	}
}

// lazyShutdown is package-level state made lazily, inside whichever
// scenario first asks for it: a context whose Done channel then belongs to
// that scenario's bubble.
var (
	lazyOnce     sync.Once
	lazyShutdown context.Context
	lazyCancel   context.CancelFunc // what the daemon's shutdown would call
)

func shutdownCtx() context.Context {
	lazyOnce.Do(func() { lazyShutdown, lazyCancel = context.WithCancel(context.Background()) })
	return lazyShutdown
}

type lazyShutdownAware struct{ *base }

func (s lazyShutdownAware) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	case <-shutdownCtx().Done():
		return harness.Exit{}, errShutdown
	}
}

const lazyChildEnv = "REAPTEST_TEST_LAZY_CHILD"

// TestLazyContextChild is not a test of its own: run by
// TestDiagnoseLazyContext in a child process (lazyChildEnv set), it checks
// the lazy task in process, which kills the process with a fatal error.
func TestLazyContextChild(t *testing.T) {
	if os.Getenv(lazyChildEnv) == "" {
		return // only meaningful in the child
	}
	f := harness.Check(t.Name(), bubble(t), func(harness.Env) harness.Task { return lazyShutdownAware{newBase()} }, harness.Checks(100))
	t.Fatalf("the check of the lazy task returned instead of crashing: %v", f)
}

// The crash of a channel made lazily inside an earlier scenario ("fatal
// error: select on synctest channel from outside bubble") cannot be
// recovered in the process; Diagnose turns the dead process's output into
// a setup diagnosis naming the function that waited.
func TestDiagnoseLazyContext(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLazyContextChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), lazyChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child did not die:\n%s", out)
	}
	v := harness.Diagnose(string(out))
	if v == nil {
		t.Fatalf("Diagnose found no setup problem in:\n%s", out)
	}
	if v.Class != harness.ClassSetup || v.Clause != harness.ClauseOutsideBubble ||
		!strings.Contains(v.Call, "lazyShutdownAware.Wait") || !strings.Contains(v.Got, "outside bubble") ||
		!strings.Contains(v.Want, "per task in the factory (NewTask)") || !errors.Is(v, harness.ErrSetup) {
		t.Errorf("diagnosis %v, evidence:\n%s", v, v.Evidence)
	}
	// Other deaths are not setup problems.
	for _, other := range []string{
		"fatal error: concurrent map writes\n\ngoroutine 7 [running]:\nmain.f()\n\t/x.go:1 +0x1\n",
		"panic: close of closed channel\n\ngoroutine 7 [running]:\nmain.f()\n\t/x.go:1 +0x1\n",
		"",
	} {
		if v := harness.Diagnose(other); v != nil {
			t.Errorf("Diagnose(%q) = %v, want nil", other, v)
		}
	}
}
