package suites

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/leakcheck"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
	"github.com/reaptest/reaptest/suites/internal/bridge"
)

// errorsT records what leftRunning reports.
type errorsT struct{ errs []string }

func (e *errorsT) Helper() {}
func (e *errorsT) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// A goroutine of reaptest's own left running after a check is reported
// as a harness bug; one in which no reaptest function runs (the user's,
// a library's) is not, and neither is one that ended.
func TestLeftRunning(t *testing.T) {
	before := leakcheck.IDs()
	stop, ended := make(chan struct{}), make(chan struct{})
	go func() { // a supervisor that outlives its check
		defer close(ended)
		<-stop
	}()
	r, w := io.Pipe()
	go io.Copy(io.Discard, r) // only io's functions on its stack: not reaptest's
	var e errorsT
	leftRunning(&e, before)
	close(stop)
	<-ended
	if len(e.errs) != 1 || !strings.Contains(e.errs[0], "harness bug (not the task's): 1 goroutines") || !strings.Contains(e.errs[0], "TestLeftRunning.func1") {
		t.Errorf("with a reaptest goroutine left: reported %q, want one harness bug naming it", e.errs)
	} else if strings.Contains(e.errs[0], "io.Copy") {
		t.Errorf("the io.Copy goroutine was reported too:\n%s", e.errs[0])
	}
	e = errorsT{}
	leftRunning(&e, before)
	if len(e.errs) != 0 {
		t.Errorf("once it ended: reported %q, want nothing", e.errs)
	}
	w.Close() // ends the io.Copy goroutine
}

// DescribeTask's specs (bridge.Named and bridge.Explore are what they
// run) check, after each check, that nothing reaptest started outside the
// bubble still runs, as TestTask does: a goroutine of reaptest's own
// started during the check, outside every scenario, is a harness bug,
// reported as one beside the verdict; the same check of a task that
// starts nothing says nothing.
func TestSpecLeftRunning(t *testing.T) {
	ask, spawned, stop := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var left sync.WaitGroup
	spawnerDone := make(chan struct{})
	go func() { // outside every bubble, running before the check
		defer close(spawnerDone)
		for {
			select {
			case <-ask:
				left.Add(1)
				go func() { // what a supervisor that outlives its check is
					defer left.Done()
					<-stop
				}()
				spawned <- struct{}{}
			case <-stop:
				return
			}
		}
	}()
	var once atomic.Bool
	leaky := func(env harness.Env) harness.Task {
		if once.CompareAndSwap(false, true) {
			ask <- struct{}{} // channels made outside the bubble: the spawner's goroutine is not the bubble's
			<-spawned
		}
		return catalog.NewReference(env)
	}
	lost, _ := scenarios.Lookup("lost-exit")
	s := bridge.Spec{Focus: t.Name(), Logf: t.Logf}
	opts := []harness.Option{harness.Isolate(false)}
	f, err := bridge.Named(s, leaky, lost, opts)
	close(stop)
	left.Wait()
	<-spawnerDone
	if f != nil {
		t.Fatalf("the reference failed lost-exit:\n%s", f)
	}
	if err == nil || !strings.Contains(err.Error(), "reaptest: harness bug (not the task's): 1 goroutines") || !strings.Contains(err.Error(), "TestSpecLeftRunning.func1.1") {
		t.Errorf("a goroutine started outside the bubble and left running: the spec's error is %v, want a harness bug naming it", err)
	}
	f, err = bridge.Named(s, catalog.NewReference, lost, opts)
	if f != nil || err != nil {
		t.Errorf("the reference, starting nothing outside its bubble: %v, %v, want a pass", f, err)
	}
}
