package harness_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// noopKill is the reference with a Kill that reports success without
// signalling the process.
type noopKill struct{ harness.Task }

func (noopKill) Kill(context.Context, syscall.Signal) error { return nil }

// kill-delivers catches a Kill that returns nil without sending its
// signal, and stays quiet on the reference, which signals.
func TestKillDelivers(t *testing.T) {
	f := harness.Check(t.Name(), bubble(t), func(env harness.Env) harness.Task {
		return noopKill{catalog.NewReference(env)}
	}, harness.Checks(100))
	if f == nil {
		t.Fatal("a Kill that never signals passes")
	}
	if p := f.Primary(); p.Clause != harness.ClauseKillDelivers || !errors.Is(f, harness.ErrContract) ||
		!strings.Contains(p.Got, "nil without a signal") {
		t.Fatalf("primary violation %v, want contract [kill-delivers] nil without a signal:\n%s", p, f)
	}
	if f := harness.Check(t.Name(), bubble(t), catalog.NewReference, harness.Checks(300)); f != nil {
		t.Fatalf("the reference fails:\n%s", f)
	}
}
