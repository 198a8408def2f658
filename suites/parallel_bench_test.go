package suites_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/reaptest/reaptest/suites"
)

// BenchmarkParallelChildren measures what a second child process buys an
// isolated check: each op runs this test binary as go test would, on
// TestIsolationThroughput with 20,000 scenarios of the reference from one
// seed (the indexed space, so both ways explore the same scenarios),
// first with one child (REAPTEST_CHILDREN=1), then with two, and once
// with no test, whose time (the process's start) is subtracted. It
// reports scenarios/s each way and their ratio (the goal: 0.8·N for N
// children), in wall time, and the CPU seconds each way took.
func BenchmarkParallelChildren(b *testing.B) {
	const checks = 20000
	var cpu time.Duration
	run := func(args []string, env ...string) (wall time.Duration) {
		wall, cpu = runSelf(b, args, env...)
		return wall
	}
	test := []string{"-test.run=^TestIsolationThroughput$/^explore$"}
	common := []string{fmt.Sprintf("%s=%d", benchChecksEnv, checks), suites.EnvSeed + "=1", suites.EnvIsolate + "=1", suites.EnvAutoPoints + "=0"}
	var one, two, startup, oneCPU, twoCPU time.Duration
	for range b.N {
		startup += run([]string{"-test.run=^$"})
		one += run(test, append(common, suites.EnvChildren+"=1")...)
		oneCPU += cpu
		two += run(test, append(common, suites.EnvChildren+"=2")...)
		twoCPU += cpu
	}
	rate := func(d time.Duration) float64 { return float64(checks*b.N) / (d - startup).Seconds() }
	b.ReportMetric(rate(one), "1-child-scenarios/s")
	b.ReportMetric(rate(two), "2-children-scenarios/s")
	b.ReportMetric(rate(two)/rate(one), "2/1")
	b.ReportMetric(oneCPU.Seconds()/float64(b.N), "1-child-cpu-s")
	b.ReportMetric(twoCPU.Seconds()/float64(b.N), "2-children-cpu-s")
}
