package suites

import (
	"encoding/binary"
	"flag"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// Parallel children: an isolated check that explores can run several
// child processes at once, each exploring its part of the indexed scenario
// space (harness.Shard's space, one seed for all of them), under one
// deadline (each child gets the same), one corpus (the test's) and one
// progress line (the parent sums their counts). The first child that finds
// a failure tells its parent through its journal before it minimizes;
// the parent kills the others, so the failure is minimized once, in that
// child, and reported as a single child's would be.

// EnvChildren sets how many child processes an isolated check explores
// with at once: a number, or "max" for the test binary's GOMAXPROCS.
// harness.Children in the options wins.
const EnvChildren = "REAPTEST_CHILDREN"

// envPart tells a child which part of its check's share it explores:
// "i/n", i counted from 0.
const envPart = "REAPTEST_PART"

// journalFound is the journal entry a child appends when its check first
// sees a failure, before it minimizes it.
const journalFound = 'f'

// childFound, in a child, tells the parent that the check found a
// failure, and when (the entry's payload: Unix nanoseconds); a child of
// a parallel check then waits (5s at most) until the parent says it
// found first (a file "minimize" in its directory) before it minimizes,
// or is killed: two children finding failures within one look of the
// parent would otherwise both minimize and save.
func childFound(int) {
	journal(journalFound, binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano())))
	if _, _, ok := partOf(); !ok {
		return
	}
	path := filepath.Join(os.Getenv(envChild), minimizeFile)
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
}

// minimizeFile, in a child's directory, tells the child of a parallel
// check that found a failure first to go on and minimize it.
const minimizeFile = "minimize"

// childrenFor returns how many children an isolated check given opts
// explores with: harness.Children, else REAPTEST_CHILDREN, else one, or
// for a soak defaultChildren. One by default: with two children, a race
// a child found under -race was once not confirmed and saved to the
// explore subtest's corpus (fixed: target.replayIn,
// TestRaceReplaysChildren); more children are asked for, not given.
func childrenFor(opts []harness.Option) (int, error) {
	if n, set := hx.ChildrenOf(opts...); set {
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		return n, nil
	}
	switch v := os.Getenv(EnvChildren); v {
	case "":
	case "max":
		return runtime.GOMAXPROCS(0), nil
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%s=%q: want a number of child processes >= 1, or max", EnvChildren, v)
		}
		return n, nil
	}
	if soakOf(opts) > 0 {
		return defaultChildren(flagValue("ginkgo.parallel.total"), goTestSiblings()), nil
	}
	return 1, nil
}

// defaultChildren is how many children a soak explores with when nothing
// says: the test binary's GOMAXPROCS, shared among the processes
// ginkgo -p runs (its ginkgo.parallel.total flag, "" when not under
// Ginkgo); and one while go test runs other test binaries beside this
// one (siblings: go test -p with several packages), which already share
// the cores. Checks in one test binary run one at a time (t.Parallel is
// not supported), so go test's -parallel divides nothing.
func defaultChildren(ginkgoTotal string, siblings int) int {
	n := runtime.GOMAXPROCS(0)
	if total, err := strconv.Atoi(ginkgoTotal); err == nil && total > 1 {
		n /= total
	}
	if siblings > 0 {
		n = 1
	}
	return max(n, 1)
}

// flagValue is the value of the flag named name, "" if there is none.
func flagValue(name string) string {
	if fl := flag.Lookup(name); fl != nil {
		return fl.Value.String()
	}
	return ""
}

// partOf reads REAPTEST_PART, in a child of a parallel check.
func partOf() (i, n int, ok bool) {
	v := os.Getenv(envPart)
	if v == "" {
		return 0, 0, false
	}
	var err error
	if _, err = fmt.Sscanf(v, "%d/%d", &i, &n); err != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, false
	}
	return i, n, true
}

// checkParallel runs the check tg selects in tg.children children at once
// and turns what they found into one failure, or nil.
func checkParallel(tg target) (*harness.Failure, error) {
	if tg.tb != nil {
		tg.tb.Helper()
	}
	n := tg.children
	env := []string{}
	if os.Getenv(EnvSeed) == "" {
		// One seed for all: each child explores its part of one space.
		env = append(env, EnvSeed+"="+strconv.FormatUint(new(maphash.Hash).Sum64()>>1, 10))
	}
	stops := make([]chan struct{}, n) // closed: kill that child
	for i := range stops {
		stops[i] = make(chan struct{})
	}
	counts := make([]atomic.Int64, n)
	children := make([]*child, n)
	errs := make([]error, n)
	first := -1 // the child that found a failure first; guarded by mu
	var mu sync.Mutex
	// found records that child i found a failure (or died), and stops the
	// others if it is the first, which it reports.
	found := func(i int) bool {
		mu.Lock()
		defer mu.Unlock()
		if first >= 0 {
			return false
		}
		first = i
		for j, s := range stops {
			if j != i {
				close(s)
			}
		}
		return true
	}
	var wg sync.WaitGroup
	foundLine := make(chan string, 1) // sent once, by the first child to find
	start := time.Now()
	for i := range n {
		tc := tg
		tc.env = append(append(append([]string(nil), tg.env...), env...), fmt.Sprintf("%s=%d/%d", envPart, i, n))
		tc.stop, tc.logf, tc.tb = stops[i], nil, nil
		if i == 0 && tg.logf != nil {
			// A soak's lines, of the first child: the parent's own line
			// sums the scenarios of all.
			tc.logf = func(format string, args ...any) {
				if line := fmt.Sprintf(format, args...); strings.HasPrefix(line, "reaptest: soak: ") {
					tg.logf("%s [the first of %d children]", line, n)
				}
			}
		}
		tc.tick = func(dir string) {
			if tg.tick != nil && i == 0 {
				tg.tick(dir)
			}
			if pf, err := os.Open(filepath.Join(dir, "progress")); err == nil {
				counts[i].Store(int64(readMark(pf).count))
				pf.Close()
			}
			if _, _, at, ok := foundIn(filepath.Join(dir, "journal")); ok && found(i) {
				_ = os.WriteFile(filepath.Join(dir, minimizeFile), nil, 0o644) // go on: minimize it
				if !logFound() {
					return
				}
				total := int64(0)
				for j := range counts {
					total += counts[j].Load()
				}
				// Logged by the test's goroutine, so that the line is
				// located at the user's call.
				foundLine <- fmt.Sprintf(foundFormat+" (child %d of %d, which minimizes it; the others stop)", at.Sub(start).Round(time.Millisecond), total, i+1, n)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			children[i], errs[i] = runChild(tc)
			if c := children[i]; c != nil && !c.stopped && (c.result == nil || !c.result.Pass) {
				found(i) // a failure, a death, a timeout: the others stop too
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
wait:
	for {
		select {
		case <-done:
			break wait
		case line := <-foundLine:
			tg.log("%s", line)
		case now := <-tick.C:
			total := int64(0)
			for i := range counts {
				total += counts[i].Load()
			}
			if total > 0 {
				tg.log("reaptest: %d scenarios so far in %d children, no failure (%s)", total, n, now.Sub(start).Round(time.Second))
			}
		}
	}
	select {
	case line := <-foundLine: // sent as the last child ended
		tg.log("%s", line)
	default:
	}
	for i, err := range errs {
		if err != nil {
			tc := tg
			if i == 0 {
				return checkChild(withoutChildren(tc)) // says why no child ran, as one child would
			}
			return nil, fmt.Errorf("reaptest: could not start child %d of %d for the isolated check: %w", i+1, n, err)
		}
	}
	pick := first
	if pick < 0 {
		pick = 0
	}
	if c := children[pick]; c.result != nil && c.exit != nil && !strings.Contains(c.stderr, raceHeader) {
		// The child's exit status after it reported its check is not the
		// check's verdict, as in a session's child (gotest.go): a child
		// that ran the check alone ends with what its package's TestMain
		// says of the whole process, such as goleak seeing a process-wide
		// helper the warm-up started (the zoo's actor, process reaper).
		c.exit = nil
	}
	// Explored nothing: every child's deadline stopped it before it
	// explored a scenario beyond the fixed ones.
	nothing := true
	for _, c := range children {
		nothing = nothing && c.result != nil && c.result.Nothing
	}
	if c := children[pick]; c.result != nil {
		c.result.Nothing = nothing
	}
	f, err := judgeChild(tg, children[pick])
	if f == nil && err == nil {
		total := 0
		var each []string
		for _, c := range children {
			if c.result != nil {
				total += c.result.Ran
				each = append(each, strconv.Itoa(c.result.Ran))
			}
		}
		tg.log("reaptest: %d children explored %d scenarios together (%s), the line above is the first child's", n, total, strings.Join(each, " + "))
	}
	return f, err
}

// withoutChildren is tg with one child.
func withoutChildren(tg target) target {
	tg.children = 1
	return tg
}

// childrenOr1 is childrenFor for a go test, whose usage error fails t.
func childrenOr1(t *testing.T, opts []harness.Option) int {
	t.Helper()
	n, err := childrenFor(opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
