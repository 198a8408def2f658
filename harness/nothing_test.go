package harness_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/plumb"
	"github.com/reaptest/reaptest/suites/catalog"
)

// A check whose deadline passed before it explored a single scenario
// beyond the fixed ones (corpus, named, warm-up) says so to the suites
// package (OnNothing, with the fixed scenarios it ran), which then skips
// rather than passes; one that explored does not.
func TestOnNothing(t *testing.T) {
	hx := plumb.Get[harness.Option, *harness.Result, *harness.Violation]()
	for _, tc := range []struct {
		name     string
		deadline time.Time
		want     bool
	}{
		{"deadline passed", time.Now(), true},
		{"time to explore", time.Now().Add(time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nothing := -1
			var log strings.Builder
			f := harness.Check(t.Name(), bubble(t), catalog.NewReference, harness.Corpus(""), harness.Checks(100),
				hx.Deadline(tc.deadline), hx.OnNothing(func(ran int) { nothing = ran }),
				harness.Logf(func(format string, args ...any) { log.WriteString(fmt.Sprintf(format, args...) + "\n") }))
			if f != nil {
				t.Fatalf("the reference failed:\n%s", f)
			}
			switch {
			case tc.want && nothing <= 0:
				t.Errorf("OnNothing said %d fixed scenarios, want it called with the fixed scenarios run (>0); log:\n%s", nothing, log.String())
			case !tc.want && nothing >= 0:
				t.Errorf("OnNothing called (%d) though the check had an hour to explore; log:\n%s", nothing, log.String())
			}
		})
	}
}
