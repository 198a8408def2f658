package suites_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/plumb"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/suites"
	"github.com/reaptest/reaptest/suites/catalog"
)

// Time-to-detect benchmarks: for every buggy implementation of the bundled
// catalog, how many scenarios and how much wall time it takes to find the
// first failure and to hand over the minimized report, for reaptest and for
// the stress loop a team writes without it (baseline_test.go), over
// -detect.seeds seeds each. `make bench` runs them with -benchtime=1x (one
// round of seeds per benchmark) and turns the output into BENCHMARKS.md
// (suites/internal/benchmd). They never run under plain `go test`.
//
// Each seed runs in a process of its own (this test binary, re-executed to
// run BenchmarkDetectOne), as a team's `go test` does: the seeds are then
// independent samples. In one process they are not: what a seed leaves
// behind (the goroutines of frozen bubbles that reaptest abandons, the
// baseline's hung calls) slows every later seed, reaptest's goroutine dumps
// most of all. -detect.isolate=false runs them in process, for quick looks.
//
// Units (per benchmark line, all over the seeds of that line):
//
//	seeds, seeds-found          seeds run, seeds where a failure was found
//	scenarios-detect-p50, -p90  scenarios run until the first failure
//	ms-detect-p50, -p90         wall time until the first failure
//	ms-report-p50, -p90         wall time until the minimized report
//	                            (reaptest: Check returned; the baseline
//	                            reports what it found as is: no minimizing)
//
// Quantiles are nearest-rank over all seeds; a seed that found nothing
// counts as infinitely slow, and a quantile that falls on one is reported
// as -1 (not found within the budget).
var (
	detectSeeds   = flag.Int("detect.seeds", 20, "bench: seeds per implementation in the time-to-detect benchmarks")
	detectChecks  = flag.Int("detect.checks", 10000, "bench: reaptest's budget per seed, in explored scenarios (harness.Checks)")
	detectIsolate = flag.Bool("detect.isolate", true, "bench: run each seed in a process of its own")
	detectVerbose = flag.Bool("detect.v", false, "bench: log every seed")
)

// detectOneEnv tells BenchmarkDetectOne, in a child process, what to run:
// "<side>/<implementation>/<seed>".
const detectOneEnv = "REAPTEST_BENCH_DETECT_ONE"

// sampleMarker starts the line on which a child reports its sample.
const sampleMarker = "reaptest-bench-sample: "

// sample is what one seed took.
type sample struct {
	Found     bool          `json:"found"`
	Class     string        `json:"class"`     // class of the failure found
	Scenarios int           `json:"scenarios"` // scenarios (or stress iterations) until the first failure
	Detect    time.Duration `json:"detect"`    // wall time until the first failure
	Report    time.Duration `json:"report"`    // wall time until the report
}

// BenchmarkDetect measures time-to-detect, for reaptest
// (BenchmarkDetect/reaptest/<impl>) and for the baseline stress loop
// (BenchmarkDetect/baseline/<impl>). Run it with -benchtime=1x: each
// iteration of b.N runs every seed again.
func BenchmarkDetect(b *testing.B) {
	for _, side := range []string{"reaptest", "baseline"} {
		b.Run(side, func(b *testing.B) {
			for _, e := range buggy() {
				b.Run(e.Name, func(b *testing.B) {
					var all []sample
					for range b.N {
						for seed := range *detectSeeds {
							s := detectSeed(b, side, e, uint64(seed)+1)
							if *detectVerbose {
								b.Logf("%s %s seed %d: %+v", side, e.Name, seed+1, s)
							}
							all = append(all, s)
						}
					}
					if side == "baseline" {
						b.ReportMetric(baselineBudget.Seconds(), "s-budget")
						b.ReportMetric(float64(*baselineIterations), "iterations-budget")
					}
					reportSamples(b, e, all)
				})
			}
		})
	}
}

// BenchmarkDetectOne is BenchmarkDetect's helper: in a child process (see
// detectOneEnv) it runs one seed and prints its sample. Run directly, it
// skips.
func BenchmarkDetectOne(b *testing.B) {
	spec := os.Getenv(detectOneEnv)
	if spec == "" {
		b.Skip("a helper of BenchmarkDetect, run in a child process")
	}
	parts := strings.Split(spec, "/")
	if len(parts) != 3 {
		b.Fatalf("%s=%q: want <side>/<implementation>/<seed>", detectOneEnv, spec)
	}
	e, ok := catalog.Lookup(parts[1])
	if !ok {
		b.Fatalf("no catalog entry %q", parts[1])
	}
	seed, err := strconv.ParseUint(parts[2], 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	s := runSeed(b, parts[0], e, seed)
	line, err := json.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("\n%s%s\n", sampleMarker, line)
}

// detectSeed runs one seed of side against e: in a child process unless
// -detect.isolate=false.
func detectSeed(b *testing.B, side string, e catalog.Entry, seed uint64) sample {
	b.Helper()
	if !*detectIsolate {
		return runSeed(b, side, e, seed)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkDetectOne$", "-test.benchtime=1x",
		fmt.Sprintf("-test.timeout=%s", *baselineBudget+3*time.Minute),
		fmt.Sprintf("-detect.checks=%d", *detectChecks),
		fmt.Sprintf("-baseline.budget=%s", *baselineBudget),
		fmt.Sprintf("-baseline.iterations=%d", *baselineIterations))
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s/%s/%d", detectOneEnv, side, e.Name, seed))
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, sampleMarker); ok {
			var s sample
			if err := json.Unmarshal([]byte(rest), &s); err != nil {
				b.Fatalf("%s %s seed %d: %v in %q", side, e.Name, seed, err, line)
			}
			return s
		}
	}
	b.Fatalf("%s %s seed %d: no sample from the child (%v):\n%s", side, e.Name, seed, err, out)
	return sample{}
}

// runSeed runs one seed of side against e in this process.
func runSeed(b *testing.B, side string, e catalog.Entry, seed uint64) sample {
	b.Helper()
	switch side {
	case "reaptest":
		return detectReaptest(b, e, 1)[0]
	case "baseline":
		return stressUntilFailure(e.New, seed, *baselineBudget, *baselineIterations)
	}
	b.Fatalf("unknown side %q", side)
	return sample{}
}

// buggy returns the catalog's buggy implementations.
func buggy() []catalog.Entry {
	var out []catalog.Entry
	for _, e := range catalog.All() {
		if e.Want != catalog.WantPass {
			out = append(out, e)
		}
	}
	return out
}

// detectReaptest runs harness.Check on e once per seed, as a user's test
// would (rapid picks a fresh seed on every Check), and times the first
// failure (OnFound) and the minimized report (Check's return).
func detectReaptest(b *testing.B, e catalog.Entry, seeds int) []sample {
	b.Helper()
	var out []sample
	ok := testrun.WithBubble(func(bubble harness.Bubble) {
		for range seeds {
			var s sample
			start := time.Now()
			onFound := func(explored int) {
				if !s.Found {
					s.Found, s.Scenarios, s.Detect = true, explored, time.Since(start)
				}
			}
			f := harness.Check("BenchmarkDetect-"+e.Name, bubble, e.New,
				harness.Checks(*detectChecks), plumb.Get[harness.Option, *harness.Result, *harness.Violation]().OnFound(onFound))
			s.Report = time.Since(start)
			if f == nil {
				s.Found = false
			} else if p := f.Primary(); p != nil {
				s.Class = string(p.Class)
			}
			out = append(out, s)
		}
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
	return out
}

// reportSamples reports the quantiles of samples as b's metrics, and logs
// any seed that found a failure of another class than e wants.
func reportSamples(b *testing.B, e catalog.Entry, samples []sample) {
	b.Helper()
	found := 0
	var scen, detect, report []float64
	for _, s := range samples {
		if !s.Found {
			scen = append(scen, math.Inf(1))
			detect = append(detect, math.Inf(1))
			report = append(report, math.Inf(1))
			continue
		}
		found++
		if s.Class != "" && harness.Class(s.Class) != e.Want {
			b.Logf("%s: found as %s, wants %s", e.Name, s.Class, e.Want)
		}
		scen = append(scen, float64(s.Scenarios))
		detect = append(detect, ms(s.Detect))
		report = append(report, ms(s.Report))
	}
	b.ReportMetric(float64(len(samples)), "seeds")
	b.ReportMetric(float64(found), "seeds-found")
	for _, q := range []struct {
		name string
		q    float64
	}{{"p50", 0.5}, {"p90", 0.9}} {
		b.ReportMetric(quantile(scen, q.q), "scenarios-detect-"+q.name)
		b.ReportMetric(quantile(detect, q.q), "ms-detect-"+q.name)
		b.ReportMetric(quantile(report, q.q), "ms-report-"+q.name)
	}
}

// quantile returns the nearest-rank q-quantile of xs, or -1 if it is
// infinite (a seed that found nothing).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return -1
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	i = min(max(i, 0), len(s)-1)
	if math.IsInf(s[i], 1) {
		return -1
	}
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// memDelta measures the bytes and allocations f makes.
func memDelta(f func()) (bytes, allocs uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
}

// benchChecksEnv, set by BenchmarkIsolation for the processes it starts,
// is how many scenarios TestIsolationThroughput explores.
const benchChecksEnv = "REAPTEST_BENCH_CHECKS"

// The reference passes a check run through TestTask, in a child process
// (isolation, TestTask's default) or in this one (REAPTEST_ISOLATE=0).
// BenchmarkIsolation times it both ways.
func TestIsolationThroughput(t *testing.T) {
	n := 200
	if v := os.Getenv(benchChecksEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("%s=%q: %v", benchChecksEnv, v, err)
		}
	}
	suites.TestTask(t, catalog.NewReference, harness.Checks(n), harness.Corpus(""))
}

// BenchmarkIsolation measures what isolation costs a check: each op runs
// this test binary as `go test -run` would, on TestIsolationThroughput
// with 3,000 scenarios of the reference: in process (REAPTEST_ISOLATE=0),
// then isolated (the check in a child process of its own, writing its
// progress record before every scenario), both with automatic fault points
// off (REAPTEST_AUTOPOINTS=0) so that only isolation differs; then
// isolated with automatic points on, as TestTask runs by default (the
// child is the instrumented test binary, built once and then found in the
// cache); and once with no test at all, to measure the process's own
// start, which is subtracted from the others. It reports scenarios/s each
// way, the ratio isolated/in-process, and the ratio of automatic points
// on to off (time per scenario, isolated both ways; issue 8's goal is
// 1.5x at most), in wall time and in CPU time (per CPU second). Every op
// is a run of the same test binary, so the parent finds the instrumented
// build through its quick lookup (internal/instrument) after the first.
func BenchmarkIsolation(b *testing.B) {
	const checks = 3000
	// CPU time (the process's and its child's, user and system) is
	// summed beside wall time: on a machine shared with other work it is
	// the steadier figure.
	var cpu time.Duration
	run := func(args []string, env ...string) (wall time.Duration) {
		wall, cpu = runSelf(b, args, env...)
		return wall
	}
	test := []string{"-test.run=^TestIsolationThroughput$"}
	checksEnv := fmt.Sprintf("%s=%d", benchChecksEnv, checks)
	noAuto := suites.EnvAutoPoints + "=0"
	var inProcess, isolated, isolatedAuto, startup time.Duration
	var inProcessCPU, isolatedCPU, isolatedAutoCPU, startupCPU time.Duration
	for range b.N {
		startup += run([]string{"-test.run=^$"})
		startupCPU += cpu
		inProcess += run(test, suites.EnvIsolate+"=0", noAuto, checksEnv)
		inProcessCPU += cpu
		isolated += run(test, suites.EnvIsolate+"=1", noAuto, checksEnv)
		isolatedCPU += cpu
		isolatedAuto += run(test, suites.EnvIsolate+"=1", checksEnv)
		isolatedAutoCPU += cpu
	}
	rate := func(d time.Duration) float64 { return float64(checks*b.N) / (d - startup).Seconds() }
	b.ReportMetric(rate(inProcess), "in-process-scenarios/s")
	b.ReportMetric(rate(isolated), "isolated-scenarios/s")
	b.ReportMetric(rate(isolated)/rate(inProcess), "isolated/in-process")
	b.ReportMetric(float64(inProcessCPU-startupCPU)/float64(isolatedCPU-startupCPU), "isolated/in-process-cpu")
	b.ReportMetric(rate(isolatedAuto), "isolated-auto-scenarios/s")
	b.ReportMetric(rate(isolated)/rate(isolatedAuto), "auto/off")
	b.ReportMetric(float64(isolatedAutoCPU-startupCPU)/float64(isolatedCPU-startupCPU), "auto/off-cpu")
	b.ReportMetric(float64(startup.Milliseconds())/float64(b.N), "startup-ms")
}

// runSelf runs this test binary once with args (after -test.count=1) and
// env added to the environment, as go test would, and returns the real
// time it took and the CPU time (user and system, its children's
// included) it used; a run that fails fails b with its output.
func runSelf(b *testing.B, args []string, env ...string) (wall, cpu time.Duration) {
	cmd := exec.Command(os.Args[0], append([]string{"-test.count=1"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, out)
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
