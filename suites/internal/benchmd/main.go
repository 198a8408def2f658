// Command benchmd turns the output of reaptest's benchmarks (go test
// -bench, as `make bench` runs them) into BENCHMARKS.md: the machine, the
// commands, the time-to-detect table (reaptest beside the baseline stress
// loop), the find rates (also spliced into README.md with -readme), the
// throughput and memory figures, and a verdict per target.
//
//	go run ./suites/internal/benchmd -in bench.out -out BENCHMARKS.md \
//		-cmd 'go test ...' -cmd 'go test ...' -elapsed 300
//
// It reads standard input when -in is not given. Nothing in the file it
// writes is typed by hand: rerun `make bench` to regenerate it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Targets, from the issue that asked for these benchmarks.
const (
	targetThroughput = 20000.0 // reference scenarios/s, every detector on
	targetDetectP50  = 10.0    // ms, median time to the first failure
	targetDetectP90  = 100.0   // ms, 90th percentile
	targetReport     = 1000.0  // ms, time to the minimized report (p90)
	targetRatio      = 100.0   // baseline median / reaptest median
)

// bench is one benchmark result line.
type bench struct {
	name    string // without the -GOMAXPROCS suffix
	n       int64
	metrics map[string]float64    // medians over runs
	spread  map[string][2]float64 // lowest and highest over runs
	order   []string              // units in the order printed
	runs    []*bench              // every line printed for this name, in order
	load    string                // the last "load average: " line before it, if any
}

func (b *bench) get(unit string) (float64, bool) {
	v, ok := b.metrics[unit]
	return v, ok
}

type results struct {
	benches []*bench
	byName  map[string]*bench
	cpu     string // the "cpu:" line of go test
	goos    string
	goarch  string
	raw     []string
	failed  []string // FAIL / panic lines
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

func parse(r io.Reader) (*results, error) {
	res := &results{byName: map[string]*bench{}}
	load := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "load average: "):
			load = strings.Join(strings.FieldsFunc(strings.TrimPrefix(line, "load average: "), func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }), ", ")
			continue
		case strings.HasPrefix(line, "cpu: "):
			res.cpu = strings.TrimPrefix(line, "cpu: ")
			res.raw = append(res.raw, line)
			continue
		case strings.HasPrefix(line, "goos: "):
			res.goos = strings.TrimPrefix(line, "goos: ")
			res.raw = append(res.raw, line)
			continue
		case strings.HasPrefix(line, "goarch: "):
			res.goarch = strings.TrimPrefix(line, "goarch: ")
			res.raw = append(res.raw, line)
			continue
		case strings.HasPrefix(line, "pkg: "), strings.HasPrefix(line, "ok "), line == "PASS":
			res.raw = append(res.raw, line)
			continue
		case strings.HasPrefix(line, "FAIL"), strings.HasPrefix(line, "--- FAIL"), strings.HasPrefix(line, "panic:"):
			res.failed = append(res.failed, line)
			res.raw = append(res.raw, line)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a name printed alone (-v), or not a result line
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		b := &bench{name: procsSuffix.ReplaceAllString(f[0], ""), n: n, metrics: map[string]float64{}, load: load}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", line, err)
			}
			b.metrics[f[i+1]] = v
			b.order = append(b.order, f[i+1])
		}
		res.raw = append(res.raw, line)
		if first := res.byName[b.name]; first != nil {
			first.runs = append(first.runs, b)
			continue
		}
		b.runs = []*bench{b}
		res.benches = append(res.benches, b)
		res.byName[b.name] = b
	}
	for _, b := range res.benches {
		b.median()
	}
	return res, sc.Err()
}

// median replaces b's metrics by their medians over its runs (go test
// -count=N prints one line per run): on a machine shared with other work
// a median of paired runs is the figure to trust, and the spread says how
// noisy it was.
func (b *bench) median() {
	b.spread = map[string][2]float64{}
	for _, unit := range b.order {
		var vs []float64
		for _, r := range b.runs {
			if v, ok := r.metrics[unit]; ok {
				vs = append(vs, v)
			}
		}
		sort.Float64s(vs)
		m := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			m = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		b.metrics[unit] = m
		b.spread[unit] = [2]float64{vs[0], vs[len(vs)-1]}
	}
}

// cpuModel returns the first model name in /proc/cpuinfo, or "".
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAvg returns the load averages from /proc/loadavg, or "".
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], ", ")
}

// dur formats milliseconds.
func dur(ms float64) string {
	switch {
	case ms < 0:
		return "—"
	case ms >= 1000:
		return fmt.Sprintf("%.3g s", ms/1000)
	case ms >= 1:
		return fmt.Sprintf("%.3g ms", ms)
	default:
		return fmt.Sprintf("%.2g ms", ms)
	}
}

func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

// thousands formats v rounded, with thin separators.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func times(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f×", x)
	case x >= 10:
		return fmt.Sprintf("%.1f×", x)
	default:
		return fmt.Sprintf("%.2f×", x)
	}
}

// impl is one buggy implementation's time-to-detect figures.
type impl struct {
	name                 string
	rt, base             *bench
	rtP50, rtP90         float64 // ms, -1: not found
	rtRepP50, rtRepP90   float64
	rtScP50, rtScP90     float64
	baseP50, baseP90     float64
	baseScP50, baseP90Sc float64
	rtFound, baseFound   float64
	rtSeeds, baseSeeds   float64
	budget               float64 // s
}

func metric(b *bench, unit string) float64 {
	if b == nil {
		return -1
	}
	if v, ok := b.get(unit); ok {
		return v
	}
	return -1
}

func impls(res *results) []*impl {
	var names []string
	seen := map[string]bool{}
	for _, b := range res.benches {
		for _, side := range []string{"BenchmarkDetect/reaptest/", "BenchmarkDetect/baseline/"} {
			if n, ok := strings.CutPrefix(b.name, side); ok && !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	var out []*impl
	for _, n := range names {
		rt := res.byName["BenchmarkDetect/reaptest/"+n]
		base := res.byName["BenchmarkDetect/baseline/"+n]
		out = append(out, &impl{
			name: n, rt: rt, base: base,
			rtP50: metric(rt, "ms-detect-p50"), rtP90: metric(rt, "ms-detect-p90"),
			rtRepP50: metric(rt, "ms-report-p50"), rtRepP90: metric(rt, "ms-report-p90"),
			rtScP50: metric(rt, "scenarios-detect-p50"), rtScP90: metric(rt, "scenarios-detect-p90"),
			baseP50: metric(base, "ms-detect-p50"), baseP90: metric(base, "ms-detect-p90"),
			baseScP50: metric(base, "scenarios-detect-p50"), baseP90Sc: metric(base, "scenarios-detect-p90"),
			rtFound: metric(rt, "seeds-found"), baseFound: metric(base, "seeds-found"),
			rtSeeds: metric(rt, "seeds"), baseSeeds: metric(base, "seeds"),
			budget: metric(base, "s-budget"),
		})
	}
	return out
}

// pair formats a median / p90 cell; a quantile that falls on a seed that
// found nothing reads "> budget".
func pair(p50, p90 float64, budgetS float64) string {
	f := func(v float64) string {
		if v < 0 {
			if budgetS > 0 {
				return "> " + dur(budgetS*1000)
			}
			return "not found"
		}
		return dur(v)
	}
	return f(p50) + " / " + f(p90)
}

func countPair(p50, p90 float64) string {
	f := func(v float64) string {
		if v < 0 {
			return "—"
		}
		if v == math.Trunc(v) {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
		return num(v)
	}
	return f(p50) + " / " + f(p90)
}

// ratio is the baseline's median over reaptest's, and whether it is a
// lower bound (the baseline's median is past its budget).
func (m *impl) ratio() (float64, bool, bool) {
	if m.rtP50 <= 0 || m.base == nil {
		return 0, false, false
	}
	if m.baseP50 < 0 {
		if m.baseFound <= 0 || m.budget <= 0 {
			return 0, false, false
		}
		return m.budget * 1000 / m.rtP50, true, true
	}
	return m.baseP50 / m.rtP50, false, true
}

func main() {
	in := flag.String("in", "", "go test -bench output to read (default: standard input)")
	out := flag.String("out", "BENCHMARKS.md", "the file to write")
	elapsed := flag.Float64("elapsed", 0, "seconds the whole run took (0: unknown)")
	target := flag.String("target", "make bench", "the command that regenerates the file")
	profile := flag.String("profile", "", "go tool pprof -top output for BenchmarkCheckReference, quoted as where the time goes")
	readme := flag.String("readme", "", "a file whose find-rate block (between benchmd's markers) gets the find-rate tables, and whose inline figures (readme.go) get this run's")
	var cmds []string
	section := flag.String("section", "", "rewrite only this block of -out (scale: the block between <!-- benchmd:scale --> and <!-- benchmd:scale end -->, appended when absent) and leave the rest as it is")
	flag.Func("cmd", "a command that produced the input (repeatable, in order)", func(s string) error {
		cmds = append(cmds, s)
		return nil
	})
	flag.Parse()

	var r io.Reader = os.Stdin
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		r = f
	}
	res, err := parse(r)
	if err != nil {
		fatal(err)
	}
	if len(res.benches) == 0 {
		fatal(fmt.Errorf("no benchmark results in the input"))
	}
	var prof string
	if *profile != "" {
		data, err := os.ReadFile(*profile)
		if err != nil {
			fatal(err)
		}
		prof = strings.TrimSpace(string(data))
	}
	switch *section {
	case "":
	case "scale":
		if err := writeSection(*out, res, cmds); err != nil {
			fatal(err)
		}
		if len(res.failed) > 0 {
			fmt.Fprintf(os.Stderr, "benchmd: wrote the scale block of %s, but the input has failures:\n  %s\n", *out, strings.Join(res.failed, "\n  "))
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "benchmd: wrote the scale block of %s (%d results)\n", *out, len(res.benches))
		return
	default:
		fatal(fmt.Errorf("-section %q: the only section is scale", *section))
	}
	var b strings.Builder
	write(&b, res, cmds, *target, *elapsed, prof)
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		fatal(err)
	}
	if *readme != "" {
		if fr := findRates(res); fr != "" {
			if err := spliceReadme(*readme, fr); err != nil {
				fatal(err)
			}
		}
		if err := spliceFiguresFile(*readme, res); err != nil {
			fatal(err)
		}
	}
	if len(res.failed) > 0 {
		fmt.Fprintf(os.Stderr, "benchmd: wrote %s, but the input has failures:\n  %s\n", *out, strings.Join(res.failed, "\n  "))
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "benchmd: wrote %s (%d results)\n", *out, len(res.benches))
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchmd:", err)
	os.Exit(1)
}

func write(w *strings.Builder, res *results, cmds []string, target string, elapsed float64, prof string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Benchmarks\n\n")
	p("Generated by `%s` (suites/internal/benchmd from the output of the commands below); do not edit by hand.\n\n", target)

	p("## Machine\n\n")
	model := cpuModel()
	if model == "" {
		model = res.cpu
	}
	p("- CPU: %s, %d logical cores (runtime.NumCPU)\n", model, runtime.NumCPU())
	p("- Go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	p("- Generated: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	if elapsed > 0 {
		p("- `%s` took %s\n", target, (time.Duration(elapsed * float64(time.Second))).Round(time.Second))
	}
	if load := loadAvg(); load != "" {
		p("- Load average when the file was written (1, 5, 15 min): %s; other processes on the machine slow the real-time figures\n", load)
	}
	p("\n## Command\n\n```sh\n%s\n```\n\nwhich runs:\n\n```sh\n%s\n```\n\n", target, strings.Join(cmds, "\n"))

	ims := impls(res)
	seeds, budget := 0.0, 0.0
	for _, m := range ims {
		seeds = math.Max(seeds, math.Max(m.rtSeeds, m.baseSeeds))
		budget = math.Max(budget, m.budget)
	}
	iterBudget := 0.0
	for _, m := range ims {
		iterBudget = math.Max(iterBudget, metric(m.base, "iterations-budget"))
	}

	p("## Time to detect\n\n")
	p("Wall time from the start until the first failure is seen, median / 90th percentile over %.0f seeds per implementation and side, each seed in a fresh process as a team's `go test` runs ", seeds)
	p("(nearest rank; a seed that found nothing counts as slower than any that did). ")
	p("*reaptest*: one `harness.Check` per seed (rapid draws a fresh seed each time; the first failure is timed by the hook Check calls when it first sees one, before shrinking, the report when Check returns, minimized). ")
	p("*baseline*: the stress loop a team writes without a harness (suites/baseline_test.go: random concurrent Reap/Wait/Delete/Kill with real sleeps and deadlines, recover() around each call, a real-time bound per call, goleak.Find after each iteration), ")
	p("run until its first failure or its budget of %s or %.0f iterations per seed; it does not minimize, so its report is its first failure. ", dur(budget*1000), iterBudget)
	p("Ratio: baseline median / reaptest median.\n\n")
	p("| implementation | reaptest median / p90 | baseline median / p90 | ratio | reaptest scenarios median / p90 | baseline iterations median / p90 | reaptest minimized report median / p90 | seeds found (of %.0f) reaptest / baseline |\n", seeds)
	p("|---|---|---|---|---|---|---|---|\n")
	for _, m := range ims {
		rs := "—"
		if x, lower, ok := m.ratio(); ok {
			rs = times(x)
			if lower {
				rs = "> " + rs
			}
		} else if m.base != nil && m.baseFound == 0 {
			rs = "baseline never found it"
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %.0f / %.0f |\n", m.name,
			pair(m.rtP50, m.rtP90, 0), pair(m.baseP50, m.baseP90, m.budget), rs,
			countPair(m.rtScP50, m.rtScP90), countPair(m.baseScP50, m.baseP90Sc),
			pair(m.rtRepP50, m.rtRepP90, 0),
			m.rtFound, m.baseFound)
	}
	p("\n")

	p("## Throughput and memory\n\n")
	p("| benchmark | figure |\n|---|---|\n")
	if b := res.byName["BenchmarkCheckReference"]; b != nil {
		sps, _ := b.get("scenarios/s")
		p("| reaptest on the reference, every detector on (`BenchmarkCheckReference`: Check of 100 explored + the named and warm-up scenarios, median of %d runs) | **%s scenarios/s** (%s ns/scenario) |\n", len(b.runs), thousands(sps), thousands(metric(b, "ns/scenario")))
		p("| memory per scenario (same) | %s B, %s allocs |\n", thousands(metric(b, "B/scenario")), thousands(metric(b, "allocs/scenario")))
		p("| memory per Check (same) | %s B, %s allocs |\n", thousands(metric(b, "B/op")), thousands(metric(b, "allocs/op")))
	}
	if b := res.byName["BenchmarkRunReference"]; b != nil {
		p("| one scenario with full detail, as a reproducer runs it (`BenchmarkRunReference`) | %s µs, %s B, %s allocs |\n",
			num(metric(b, "ns/op")/1000), thousands(metric(b, "B/op")), thousands(metric(b, "allocs/op")))
	}
	if b := res.byName["BenchmarkBaselineReference"]; b != nil {
		p("| baseline stress loop on the reference (`BenchmarkBaselineReference`) | **%s iterations/s**, %s B and %s allocs per iteration |\n",
			num(metric(b, "iterations/s")), thousands(metric(b, "B/iteration")), thousands(metric(b, "allocs/iteration")))
		if c := res.byName["BenchmarkCheckReference"]; c != nil {
			p("| scenarios per second, reaptest / baseline | %s |\n", times(metric(c, "scenarios/s")/metric(b, "iterations/s")))
		}
	}
	if b := res.byName["BenchmarkDetectDeadlock/parked=0"]; b != nil {
		p("| real time to report a mutex deadlock (`BenchmarkDetectDeadlock/parked=0`: lock-while-waiting on lost-exit, %d runs, median of %d) | %s |\n", b.n, len(b.runs), dur(metric(b, "ms/detect")))
	}
	if b := res.byName["BenchmarkDetectVirtualHang"]; b != nil {
		p("| real time to report a hang on virtual time (`BenchmarkDetectVirtualHang`: no-context-wait on lost-exit, %d runs) | %s |\n", b.n, dur(metric(b, "ms/detect")))
	}
	p("\n")

	p("## Targets\n\n")
	if b := res.byName["BenchmarkCheckReference"]; b != nil {
		sps, _ := b.get("scenarios/s")
		if sps >= targetThroughput {
			p("- reference ≥ %s scenarios/s with every detector on: **met** (%s scenarios/s)\n", thousands(targetThroughput), thousands(sps))
		} else {
			p("- reference ≥ %s scenarios/s with every detector on: **missed** by %s scenarios/s (%s scenarios/s, %.0f%% short; needs %s)\n",
				thousands(targetThroughput), thousands(targetThroughput-sps), thousands(sps), 100*(1-sps/targetThroughput), times(targetThroughput/sps))
		}
	} else {
		p("- reference throughput: not measured\n")
	}
	limit := func(what string, limit float64, get func(*impl) float64) {
		var miss []string
		worst, worstName := -1.0, ""
		for _, m := range ims {
			v := get(m)
			if v < 0 {
				miss = append(miss, fmt.Sprintf("%s: not found", m.name))
				continue
			}
			if v > worst {
				worst, worstName = v, m.name
			}
			if v >= limit {
				miss = append(miss, fmt.Sprintf("%s: %s, missed by %s (%s the limit)", m.name, dur(v), dur(v-limit), times(v/limit)))
			}
		}
		if len(miss) == 0 {
			p("- every buggy implementation, %s < %s: **met** (worst: %s, %s)\n", what, dur(limit), worstName, dur(worst))
			return
		}
		p("- every buggy implementation, %s < %s: **missed** for %d of %d:\n", what, dur(limit), len(miss), len(ims))
		for _, s := range miss {
			p("  - %s\n", s)
		}
	}
	limit("median time to the first failure", targetDetectP50, func(m *impl) float64 { return m.rtP50 })
	limit("90th percentile time to the first failure", targetDetectP90, func(m *impl) float64 { return m.rtP90 })
	limit("time to the minimized report (90th percentile)", targetReport, func(m *impl) float64 { return m.rtRepP90 })

	var miss, never, partly []string
	found, lowest, lowestName := 0, math.Inf(1), ""
	for _, m := range ims {
		if m.base == nil {
			continue
		}
		if m.baseFound == 0 {
			never = append(never, m.name)
			continue
		}
		if m.baseFound < m.baseSeeds {
			partly = append(partly, fmt.Sprintf("%s (%.0f of %.0f seeds)", m.name, m.baseFound, m.baseSeeds))
		}
		found++
		x, lower, ok := m.ratio()
		if !ok {
			miss = append(miss, fmt.Sprintf("%s: reaptest found nothing", m.name))
			continue
		}
		if x < lowest {
			lowest, lowestName = x, m.name
		}
		if x < targetRatio && !lower {
			miss = append(miss, fmt.Sprintf("%s: %s, missed by %s (reaptest %s, baseline %s)", m.name, times(x), times(targetRatio/x), dur(m.rtP50), dur(m.baseP50)))
		}
	}
	switch {
	case found == 0:
		p("- ≥ %s faster than the baseline on median time to detect: the baseline found none of the bugs\n", times(targetRatio))
	case len(miss) == 0:
		p("- ≥ %s faster than the baseline on median time to detect, for each of the %d bugs the baseline finds: **met** (lowest: %s, %s)\n", times(targetRatio), found, lowestName, times(lowest))
	default:
		p("- ≥ %s faster than the baseline on median time to detect, for each of the %d bugs the baseline finds: **missed** for %d:\n", times(targetRatio), found, len(miss))
		for _, s := range miss {
			p("  - %s\n", s)
		}
	}
	sort.Strings(never)
	if len(never) == 0 {
		p("- bugs the baseline never finds within its budget: none\n")
	} else {
		p("- bugs the baseline never finds within its budget (%s or %.0f iterations per seed): %s\n", dur(budget*1000), iterBudget, strings.Join(never, ", "))
	}
	if len(partly) > 0 {
		p("- bugs the baseline finds only within some seeds' budgets: %s\n", strings.Join(partly, ", "))
	}
	if len(res.failed) > 0 {
		p("\n**The run had failures:**\n\n```\n%s\n```\n", strings.Join(res.failed, "\n"))
	}

	if fr := findRates(res); fr != "" {
		p("\n## Find rates\n\n%s", fr)
	}

	writePerformance(p, res, prof)

	if block := scaleBlock(res, cmds); block != "" {
		p("\n%s", block)
	}
	p("\n## Raw output\n\n```\n%s\n```\n", strings.Join(res.raw, "\n"))
}

// Targets of the performance issue (11), and issue 8's for automatic points.
const (
	targetFloorRatio   = 1.25  // harness/floor per scenario
	targetCrowdedRatio = 1.25  // 10,000 parked goroutines / none
	targetDeadlockMs   = 10.0  // ms to report a mutex deadlock with 10,000 goroutines parked
	targetIsolation    = 0.9   // isolated / in-process throughput
	targetAutoRatio    = 1.5   // automatic points on / off, time per scenario (issue 8)
	targetPointHitNs   = 200.0 // ns per point hit with no fault planned
)

// writePerformance writes the figures and targets of the performance
// issue: harness over floor, the crowded binary, deadlock detection by
// goroutine count, isolation, the point hit; each a median over the runs
// with the lowest and highest beside it.
func writePerformance(p func(string, ...any), res *results, prof string) {
	p("\n## Performance: floor, crowded binaries, isolation, point hits\n\n")
	p("Medians over the runs of each benchmark (`-count`), lowest–highest in brackets: the machine is shared, and the spread is the noise. ")
	p("The paired benchmarks run both halves of a comparison inside each op, one after the other, so that both see the same machine.\n\n")
	p("| benchmark | figure |\n|---|---|\n")
	spread := func(b *bench, unit string, f func(float64) string) string {
		v := metric(b, unit)
		s, ok := b.spread[unit]
		if !ok || len(b.runs) < 2 {
			return f(v)
		}
		return fmt.Sprintf("%s [%s–%s]", f(v), f(s[0]), f(s[1]))
	}
	ns := func(v float64) string { return thousands(v) + " ns" }
	ratio := func(v float64) string { return fmt.Sprintf("%.2f×", v) }
	ms := func(v float64) string { return dur(v) }
	var targets []string
	verdict := func(what string, ok bool, detail string) {
		state := "**met**"
		if !ok {
			state = "**missed**"
		}
		targets = append(targets, fmt.Sprintf("- %s: %s (%s)", what, state, detail))
	}
	if b := res.byName["BenchmarkFloorReference"]; b != nil {
		p("| harness per scenario (`BenchmarkFloorReference`: Check of 1,000 explored + named + warm-up, %d ops × %d runs) | %s |\n", b.n, len(b.runs), spread(b, "harness-ns/scenario", ns))
		p("| floor per scenario (same scenarios, same task, bare bubble, no bookkeeping) | %s |\n", spread(b, "floor-ns/scenario", ns))
		p("| harness/floor, wall time | %s |\n", spread(b, "harness/floor", ratio))
		p("| harness/floor, CPU time | %s |\n", spread(b, "harness/floor-cpu", ratio))
		x := metric(b, "harness/floor")
		d := fmt.Sprintf("%s wall, %s CPU", ratio(x), ratio(metric(b, "harness/floor-cpu")))
		if x > targetFloorRatio {
			d += fmt.Sprintf("; missed by %s: the harness would have to shed %.0f%% of its time per scenario", ratio(x/targetFloorRatio), 100*(1-targetFloorRatio/x))
		}
		verdict(fmt.Sprintf("harness/floor ≤ %s per scenario on the reference", ratio(targetFloorRatio)), x <= targetFloorRatio, d)
	}
	if b := res.byName["BenchmarkCheckReference"]; b != nil {
		sps := metric(b, "scenarios/s")
		d := thousands(sps) + " scenarios/s"
		if sps < targetThroughput {
			d += fmt.Sprintf(", missed by %s", times(targetThroughput/sps))
		}
		verdict(fmt.Sprintf("≥ %s scenarios/s in process (`BenchmarkCheckReference`, median of %d)", thousands(targetThroughput), len(b.runs)), sps >= targetThroughput, d)
	}
	if b := res.byName["BenchmarkCrowded"]; b != nil {
		p("| Check of 3,000 scenarios, alone (`BenchmarkCrowded`, %d ops × %d runs) | %s per scenario |\n", b.n, len(b.runs), spread(b, "alone-ns/scenario", ns))
		p("| the same with 10,000 unrelated goroutines parked | %s per scenario |\n", spread(b, "crowded-ns/scenario", ns))
		p("| crowded/alone, wall time | %s |\n", spread(b, "crowded/alone", ratio))
		p("| crowded/alone, CPU time | %s |\n", spread(b, "crowded/alone-cpu", ratio))
		p("| goroutine dumps per crowded Check | %s |\n", spread(b, "crowded-dumps/op", num))
		p("| garbage collections per Check, alone / crowded | %s / %s |\n", num(metric(b, "alone-gcs/op")), num(metric(b, "crowded-gcs/op")))
		x := metric(b, "crowded/alone")
		d := fmt.Sprintf("%s wall, %s CPU, %s dumps", ratio(x), ratio(metric(b, "crowded/alone-cpu")), num(metric(b, "crowded-dumps/op")))
		if x > targetCrowdedRatio {
			d += fmt.Sprintf("; missed by %s", ratio(x/targetCrowdedRatio))
		}
		verdict(fmt.Sprintf("3,000 scenarios with 10,000 parked goroutines ≤ %s the time without", ratio(targetCrowdedRatio)), x <= targetCrowdedRatio, d)
	}
	for _, n := range []string{"0", "1000", "10000"} {
		b := res.byName["BenchmarkDetectDeadlock/parked="+n]
		if b == nil {
			continue
		}
		p("| mutex deadlock reported, %s goroutines parked (`BenchmarkDetectDeadlock/parked=%s`, %d runs × %d) | %s; of which the goroutine dump %s; %s dumps a run |\n",
			n, n, b.n, len(b.runs), spread(b, "ms/detect", ms), dur(metric(b, "ms-dump/op")), num(metric(b, "dumps/op")))
		if n == "10000" {
			x := metric(b, "ms/detect")
			d := dur(x)
			if x >= targetDeadlockMs {
				d += fmt.Sprintf(", missed by %s (%s); the one goroutine dump it takes, runtime.Stack of every goroutine with the world stopped, costs %s of it by itself", dur(x-targetDeadlockMs), ratio(x/targetDeadlockMs), dur(metric(b, "ms-dump/op")))
			}
			verdict(fmt.Sprintf("mutex deadlock reported in < %s with 10,000 goroutines", dur(targetDeadlockMs)), x < targetDeadlockMs, d)
		}
	}
	if b := res.byName["BenchmarkIsolation"]; b != nil {
		p("| in process, through TestTask, automatic points off (`BenchmarkIsolation`, %d ops × %d runs, 3,000 scenarios, process start subtracted) | %s scenarios/s |\n", b.n, len(b.runs), spread(b, "in-process-scenarios/s", thousands))
		p("| isolated (the check in a child process), automatic points off | %s scenarios/s |\n", spread(b, "isolated-scenarios/s", thousands))
		p("| isolated/in-process, wall time | %s |\n", spread(b, "isolated/in-process", ratio))
		p("| isolated/in-process, CPU time (scenarios per CPU second, the child's included) | %s |\n", spread(b, "isolated/in-process-cpu", ratio))
		p("| isolated with automatic points on, as TestTask runs by default (the child is the instrumented test binary, from the build cache, found by the quick lookup after the first run) | %s scenarios/s |\n", spread(b, "isolated-auto-scenarios/s", thousands))
		if _, ok := b.metrics["auto/off"]; ok {
			p("| automatic points on/off, isolated, time per scenario, wall | %s |\n", spread(b, "auto/off", ratio))
			p("| automatic points on/off, isolated, time per scenario, CPU | %s |\n", spread(b, "auto/off-cpu", ratio))
			x := metric(b, "auto/off")
			d := fmt.Sprintf("%s wall, %s CPU", ratio(x), ratio(metric(b, "auto/off-cpu")))
			if x > targetAutoRatio {
				d += fmt.Sprintf(", missed by %s", ratio(x/targetAutoRatio))
			}
			verdict(fmt.Sprintf("automatic points on ≤ %s the time per scenario of off (isolated, the reference)", ratio(targetAutoRatio)), x <= targetAutoRatio, d)
		}
		x := metric(b, "isolated/in-process")
		d := fmt.Sprintf("%s wall, %s CPU", ratio(x), ratio(metric(b, "isolated/in-process-cpu")))
		if x < targetIsolation {
			d += fmt.Sprintf(", missed by %s", ratio(targetIsolation/x))
		}
		verdict(fmt.Sprintf("isolated throughput ≥ %s in-process", ratio(targetIsolation)), x >= targetIsolation, d)
	}
	for _, b := range res.benches {
		if name, ok := strings.CutPrefix(b.name, "BenchmarkProgressRecord/"); ok {
			p("| the isolated child's progress record per scenario, %s (`%s`) | %s |\n", name, b.name, spread(b, "ns/op", func(v float64) string { return fmt.Sprintf("%.3g ns", v) }))
		}
	}
	for _, b := range res.benches {
		name, ok := strings.CutPrefix(b.name, "BenchmarkAutoPointHit/")
		if !ok {
			continue
		}
		p("| automatic point hit, %s (`%s`) | %s |\n", strings.ReplaceAll(name, "_", " "), b.name, spread(b, "ns/op", func(v float64) string { return fmt.Sprintf("%.3g ns", v) }))
		if name == "none_planned" {
			x := metric(b, "ns/op")
			d := fmt.Sprintf("%.3g ns", x)
			if x > targetPointHitNs {
				d += fmt.Sprintf(", missed by %s", ratio(x/targetPointHitNs))
			}
			verdict(fmt.Sprintf("a point hit with no fault planned ≤ %.0f ns", targetPointHitNs), x <= targetPointHitNs, d)
		}
	}
	p("\n### Targets\n\n%s\n", strings.Join(targets, "\n"))
	if prof != "" {
		p("\n### Where the time goes\n\nCPU profile of `BenchmarkCheckReference`, taken by `make bench`: `go tool pprof -top -cum` (where the time goes by caller: the clients' calls, rapid's draws, stack growth of new goroutines, the bubble's main), then `-top` (the leaves):\n\n```\n%s\n```\n", prof)
	}
}
