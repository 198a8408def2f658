package suites

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// slowPoller is a correct task whose calls poll for the exit every virtual
// millisecond, each tick taking 300µs of real time: a call that waits
// virtual seconds takes seconds of real time, the scenario's clock
// advancing all along.
type slowPoller struct {
	mu     sync.Mutex
	exit   harness.Exit // guarded by mu
	reaped bool         // guarded by mu
}

func (p *slowPoller) Reap(e harness.Exit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.reaped {
		p.reaped, p.exit = true, e
	}
}

func (p *slowPoller) Wait(ctx context.Context) (harness.Exit, error) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		p.mu.Lock()
		e, ok := p.exit, p.reaped
		p.mu.Unlock()
		if ok {
			return e, nil
		}
		spinReal(300 * time.Microsecond)
		select {
		case <-ctx.Done():
			return harness.Exit{}, ctx.Err()
		case <-tick.C:
		}
	}
}

func (p *slowPoller) Delete(ctx context.Context) (harness.Exit, error) { return p.Wait(ctx) }

// spinReal runs for d of real time (time.Now is virtual in a bubble).
func spinReal(d time.Duration) {
	var start, now syscall.Timeval
	_ = syscall.Gettimeofday(&start)
	for {
		_ = syscall.Gettimeofday(&now)
		if time.Duration(now.Nano()-start.Nano()) >= d {
			return
		}
	}
}

// A correct scenario that takes longer than the parent's stall limit in
// real time, its virtual clock advancing (a task that polls, which the
// watchdog gives up to 20 limits or 5 minutes), is not a stuck child: the
// watchdog's heartbeats keep the parent from stopping it.
func TestIsolationSlowPollerIsNotStuck(t *testing.T) {
	newTask := func(harness.Env) harness.Task { return &slowPoller{} }
	if inChild() {
		checkT(t, newTask, harness.ScenarioTimeout(100*time.Millisecond))
		return
	}
	defer func(d time.Duration) { childStalled = d }(childStalled)
	childStalled = 3 * time.Second
	// Wait times out after 12 virtual seconds: 12,000 ticks, at least 3.6s
	// of real time in one scenario, and the teardown's Delete polls on.
	// (The stall limit leaves the race detector's exit, over a second
	// here, some room.)
	file := filepath.Join(t.TempDir(), "slow.scenario")
	if err := os.WriteFile(file, []byte("process exit=never\nmonitor lost\nclient1: wait ctx=timeout:12s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c, err := runChild(testTarget(t, ""), EnvReplay+"="+file, EnvRepeat+"=1")
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if c.stuck || c.result == nil || !c.result.Pass {
		t.Fatalf("child after %s: stuck %v, result %+v, exit %v; want a pass, not stopped\n%s", took.Round(time.Millisecond), c.stuck, c.result, c.exit, excerpt(c.stderr))
	}
	// The scenario spins at least 3.6s of real time (above), so a child
	// that ended before the stall limit plus a margin did not run it.
	if took < childStalled+300*time.Millisecond {
		t.Errorf("the child took %s, not well past the stall limit (%s): nothing was tested", took.Round(time.Millisecond), childStalled)
	}
}

// A child that stops making progress once its check began (no new
// scenario, no heartbeat: here it sleeps) is stopped by the parent after
// the stall limit, and its goroutine dump is the evidence.
func TestIsolationStalledChildIsStopped(t *testing.T) {
	if inChild() {
		childOptions() // the check begins: the progress file is made
		time.Sleep(time.Minute)
		return
	}
	defer func(d time.Duration) { childStalled = d }(childStalled)
	childStalled = time.Second
	c, err := runChild(testTarget(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if !c.stuck || !c.started {
		t.Fatalf("child: stuck %v, started %v, exit %v; want it stopped as stuck\n%s", c.stuck, c.started, c.exit, excerpt(c.stderr))
	}
	if d := classify(c); d.kind != "stuck" || !strings.HasPrefix(d.evidence, "SIGQUIT") {
		t.Errorf("the stalled child's death: %s, %s, evidence:\n%s\nwant stuck, with its goroutine dump (SIGQUIT)", d.kind, d.got, d.evidence)
	}
}
