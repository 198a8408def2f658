package suites

import (
	"runtime"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// The default number of a soak's children: GOMAXPROCS, divided among
// ginkgo -p's processes, and one beside other test binaries of go test.
func TestDefaultChildren(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, tc := range []struct {
		ginkgo   string
		siblings int
		want     int
	}{
		{"", 0, procs},
		{"1", 0, procs},
		{"2", 0, max(procs/2, 1)},
		{"64", 0, 1},
		{"", 1, 1},
		{"2", 3, 1},
	} {
		if got := defaultChildren(tc.ginkgo, tc.siblings); got != tc.want {
			t.Errorf("ginkgo.parallel.total=%q, %d sibling test binaries, GOMAXPROCS %d: %d children, want %d", tc.ginkgo, tc.siblings, procs, got, tc.want)
		}
	}
}

// Nothing said, a check explores with one child and a soak with
// defaultChildren.
func TestChildrenForDefault(t *testing.T) {
	t.Setenv(EnvChildren, "")
	if n, err := childrenFor(nil); n != 1 || err != nil {
		t.Errorf("a check: %d children (%v), want 1", n, err)
	}
	want := defaultChildren(flagValue("ginkgo.parallel.total"), goTestSiblings())
	if n, err := childrenFor([]harness.Option{harness.Soak(time.Minute)}); n != want || err != nil {
		t.Errorf("a soak: %d children (%v), want %d", n, err, want)
	}
}
