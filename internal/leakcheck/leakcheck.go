// Package leakcheck is how the project's own tests look for goroutines
// left running: every package's TestMain ends with goleak's check
// (go.uber.org/goleak), so that a goroutine a check, a child supervisor,
// a watchdog or the instrumented build leaves behind fails CI. It is
// plumbing of reaptest's tests and of package suites, not API.
//
// What goleak alone cannot tell: the goroutines of a scenario's
// testing/synctest bubble that the harness gave up on (a deadlock, a
// busy loop, a leak of the task) stay in the process by design, since Go
// cannot stop them, and every report says so. Those are the task's, not
// the harness's: they are left out, and only they.
package leakcheck

import (
	"bytes"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"go.uber.org/goleak"
)

// VerifyTestMain runs the tests of m, then fails the test binary, as
// goleak.VerifyTestMain does, if a goroutine is still running that no
// bubble holds; opts are further goleak options.
func VerifyTestMain(m goleak.TestingM, opts ...goleak.Option) {
	code := m.Run()
	// The bubbles are known only once the tests have run: goleak checks
	// a run that is already over.
	opts = append(opts, goleak.IgnoreAnyFunction(ginkgoInterrupts))
	goleak.VerifyTestMain(ran(code), append(opts, Abandoned()...)...)
}

// ginkgoInterrupts is the goroutine Ginkgo's RunSpecs leaves behind, for
// the process, waiting for an interrupt signal: Ginkgo's, not reaptest's.
const ginkgoInterrupts = "github.com/onsi/ginkgo/v2/internal/interrupt_handler.(*InterruptHandler).registerForInterrupts.func2"

// ran is a test run that is over, with its exit code.
type ran int

func (r ran) Run() int { return int(r) }

// Abandoned returns goleak options that leave out the goroutines of
// synctest bubbles, and no other goroutine: each ignores a function that
// some bubble's goroutine runs and no goroutine outside a bubble does.
// (A bubble's goroutine all of whose functions also run outside every
// bubble is not left out: reported, never missed.)
func Abandoned() []goleak.Option {
	inBubble, outside := functions(dump())
	var names []string
	for fn := range inBubble {
		if !outside[fn] {
			names = append(names, fn)
		}
	}
	sort.Strings(names)
	opts := make([]goleak.Option, len(names))
	for i, fn := range names {
		opts[i] = goleak.IgnoreAnyFunction(fn)
	}
	return opts
}

// dump returns every goroutine's stack.
func dump() []byte {
	for size := 1 << 20; ; size *= 2 {
		buf := make([]byte, size)
		if n := runtime.Stack(buf, true); n < size {
			return buf[:n]
		}
	}
}

// functions returns the functions on the stacks of d (a goroutine dump)
// of goroutines in a synctest bubble, and of the others. "created by"
// lines are not the goroutine's own (goleak reads them the same way).
func functions(d []byte) (inBubble, outside map[string]bool) {
	inBubble, outside = map[string]bool{}, map[string]bool{}
	for _, block := range bytes.Split(d, []byte("\n\n")) {
		lines := strings.Split(strings.TrimSpace(string(block)), "\n")
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "goroutine ") {
			continue
		}
		into := outside
		if strings.Contains(lines[0], "synctest bubble ") {
			into = inBubble
		}
		for _, l := range lines[1:] {
			if l == "" || strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "created by ") {
				continue
			}
			if i := strings.LastIndex(l, "("); i > 0 {
				l = l[:i]
			}
			into[l] = true
		}
	}
	return inBubble, outside
}

// module is the import path prefix of reaptest's own functions.
const module = "github.com/reaptest/reaptest/"

// Ours returns the goroutines of the process, each as its dump, that run
// a function of reaptest's own outside every synctest bubble and whose ids
// are not in before (see IDs). The catalog and the test data are the
// task's code, not reaptest's, and a goroutine the user's code or a
// library started, with no reaptest function on its stack, is not ours.
func Ours(before map[int]bool) []string {
	var out []string
	for _, block := range strings.Split(string(dump()), "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		id, ok := header(lines[0])
		if !ok || before[id] || strings.Contains(lines[0], "synctest bubble ") {
			continue
		}
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "created by ") {
				continue
			}
			if rest, ok := strings.CutPrefix(l, module); ok && !strings.HasPrefix(rest, "suites/catalog") && !strings.Contains(rest, "testdata") {
				out = append(out, strings.TrimSpace(block))
				break
			}
		}
	}
	return out
}

// IDs returns the ids of the goroutines running now, for Ours.
func IDs() map[int]bool {
	ids := map[int]bool{}
	for _, block := range strings.Split(string(dump()), "\n\n") {
		if id, ok := header(strings.TrimSpace(block)); ok {
			ids[id] = true
		}
	}
	return ids
}

// header reads the id from a dump's "goroutine 7 [...]:" line (or block).
func header(l string) (int, bool) {
	rest, ok := strings.CutPrefix(l, "goroutine ")
	if !ok {
		return 0, false
	}
	n, _, _ := strings.Cut(rest, " ")
	id, err := strconv.Atoi(n)
	return id, err == nil
}
