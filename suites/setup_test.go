package suites

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// lazyStop is package-level state made lazily, inside whichever scenario
// first asks for it: its Done channel then belongs to that scenario's
// bubble, and the next scenario that selects on it kills the process.
var (
	lazyStopOnce sync.Once
	lazyStop     context.Context
	lazyCancel   context.CancelFunc // what a daemon's shutdown would call
)

func stopCtx() context.Context {
	lazyStopOnce.Do(func() { lazyStop, lazyCancel = context.WithCancel(context.Background()) })
	return lazyStop
}

// stopAware is the reference with a Wait that also gives up when the
// (lazily made, package-level) shutdown context ends.
type stopAware struct{ harness.Task }

func (s stopAware) Wait(ctx context.Context) (harness.Exit, error) {
	type res struct {
		e   harness.Exit
		err error
	}
	ch := make(chan res, 1)
	go func() { e, err := s.Task.Wait(ctx); ch <- res{e, err} }()
	select {
	case r := <-ch:
		return r.e, r.err
	case <-stopCtx().Done():
		return harness.Exit{}, errors.New("daemon shutting down")
	}
}

// A task whose package-level channel was made inside an earlier scenario
// crashes the isolated child with synctest's "outside bubble" fatal error;
// the parent reports a setup diagnosis, not a crash of the task.
func TestIsolatedLazyChannelIsSetup(t *testing.T) {
	newTask := func(env harness.Env) harness.Task { return stopAware{catalog.NewReference(env)} }
	f := checkT(t, newTask, harness.Isolate(true), harness.AutoPoints(false), harness.Checks(50), harness.Corpus(""))
	if inChild() {
		return // the parent judges what the child found
	}
	if f == nil {
		t.Fatal("want a setup diagnosis of the lazily made package-level channel, got a pass")
	}
	if !errors.Is(f, harness.ErrSetup) || errors.Is(f, harness.ErrPanic) {
		t.Errorf("want only harness.ErrSetup, got class %s:\n%s", f.Primary().Class, f.Error())
	}
	for _, want := range []string{"setup [outside-bubble]", "outside bubble", "factory"} {
		if !strings.Contains(f.Error(), want) {
			t.Errorf("report lacks %q:\n%s", want, f.Error())
		}
	}
}
