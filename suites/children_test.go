package suites

import (
	"runtime"
	"testing"
)

// The default number of children: GOMAXPROCS, divided among ginkgo -p's
// processes, and one beside other test binaries of go test.
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
