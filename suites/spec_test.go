package suites

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
	"github.com/reaptest/reaptest/suites/internal/bridge"
)

// DescribeDump's check: the walk-through's dump of the lock-while-waiting
// daemon is explored until it hangs, the reference survives the same
// dump, and a dump that cannot be used is an error, not a verdict.
func TestSpecDump(t *testing.T) {
	const dump, typeName = "testdata/walkthrough/daemon-sigquit.dump", "(*lockWhileWaiting)"
	var logged strings.Builder
	s := bridge.Spec{Focus: t.Name(), Logf: func(format string, args ...any) { fmt.Fprintf(&logged, format+"\n", args...) }}
	opts := []harness.Option{harness.Isolate(false), harness.Corpus(""), harness.Checks(500)}
	f, err := specDump(s, catalog.NewLockWhileWaiting, dump, typeName, opts)
	if err != nil || f == nil || !errors.Is(f, harness.ErrHang) {
		t.Fatalf("specDump(lock-while-waiting) = %v, %v; want a hang", f, err)
	}
	if !strings.Contains(logged.String(), "starting scenario from") {
		t.Errorf("the starting scenario was not written to the spec's output:\n%s", logged.String())
	}
	if f, err := specDump(s, catalog.NewReference, dump, typeName, opts); f != nil || err != nil {
		t.Errorf("specDump(reference) = %v, %v; want a pass", f, err)
	}
	for _, bad := range []struct{ path, typeName, want string }{
		{"testdata/no-such.dump", typeName, "no such file"},
		{dump, "(*noSuchType)", "noSuchType"},
	} {
		if f, err := specDump(s, catalog.NewReference, bad.path, bad.typeName, opts); f != nil || err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("specDump(%s, %s) = %v, %v; want an error naming %q", bad.path, bad.typeName, f, err, bad.want)
		}
	}
}
