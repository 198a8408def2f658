package suites

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// foundRE reads the parent's line of a failure found (foundFormat).
var foundRE = regexp.MustCompile(`reaptest: found a failure after ([0-9.]+[mµn]?s), (\d+) scenarios in`)

// BenchmarkFirstFailureChildren measures how long an isolated check takes
// to find containerd #10589's two-yield shape (testdata/windows,
// TestPendingKill: a user's module, automatic points, 5000 scenarios,
// no corpus, a fresh seed each run) with one child and with two: each op
// runs the module's test binary once each way and reads the real time
// from the start of exploring to its first failure, before minimizing,
// from the parent's log (reaptest: found a failure after …, which
// REAPTEST_LOG_FOUND=1 asks for): with one child, from when the child
// that ran the named scenarios began explore; with two, from when the
// parent started them (their process's start and warm-up included). It reports the
// medians each way, their ratio, and the checks that found nothing. Run
// with -benchtime=5x or more.
func BenchmarkFirstFailureChildren(b *testing.B) {
	dir := moduleFrom(b, "example.com/win", "testdata/windows", nil)
	bin := filepath.Join(b.TempDir(), "win.test")
	if out, ok := goCmd(b, dir, "test", "-c", "-o", bin, "."); !ok {
		b.Fatalf("go test -c: %s", out)
	}
	find := func(children int) (time.Duration, bool) {
		cmd := exec.Command(bin, "-test.run=^TestPendingKill$", "-test.count=1", "-test.v")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), EnvChildren+"="+strconv.Itoa(children), envLogFound+"=1")
		out, _ := cmd.CombinedOutput()
		m := foundRE.FindSubmatch(out)
		if m == nil {
			return 0, false
		}
		d, err := time.ParseDuration(string(m[1]))
		if err != nil {
			b.Fatalf("%q: %v", m[1], err)
		}
		return d, true
	}
	find(1) // the instrumented child binary is built and cached
	b.ResetTimer()
	took := map[int][]time.Duration{}
	missed := map[int]int{}
	for range b.N {
		for _, n := range []int{1, 2} {
			if d, ok := find(n); ok {
				took[n] = append(took[n], d)
			} else {
				missed[n]++
			}
		}
	}
	median := func(ds []time.Duration) float64 {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Microseconds()) / 1000
	}
	b.ReportMetric(median(took[1]), "1-child-ms-to-find")
	b.ReportMetric(median(took[2]), "2-children-ms-to-find")
	if m := median(took[2]); m > 0 {
		b.ReportMetric(median(took[1])/m, "1/2")
	}
	b.ReportMetric(float64(missed[1]), "1-child-missed")
	b.ReportMetric(float64(missed[2]), "2-children-missed")
	b.Logf("ms to find, 1 child: %v; 2 children: %v", took[1], took[2])
}
