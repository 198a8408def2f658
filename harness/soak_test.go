package harness_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// A soak explores past its Checks until its time is up, says how far it
// got as it goes (scenarios, points faulted, distinct orders, heap), and
// ends with the soak's line and the summary line every check ends with.
func TestSoak(t *testing.T) {
	defer harness.SetScaleEvery(0)()
	var mu sync.Mutex
	var lines []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	var cov harness.Coverage
	f := harness.Check(t.Name(), bubble(t), catalog.NewReference, harness.Soak(300*time.Millisecond), harness.Checks(5),
		harness.Seed(9), harness.Logf(logf), harness.OnExplored(func(c harness.Coverage) { cov = c }))
	if f != nil {
		t.Fatal(f)
	}
	text := strings.Join(lines, "\n")
	t.Logf("the soak's log:\n%s", text)
	progress := regexp.MustCompile(`reaptest: soak: (\d+) scenarios, (\d+) points faulted, ~(\d+) distinct orders of calls, live heap [\d.]+ MiB, no failure \(\d+s of 300ms\)`)
	m := progress.FindAllStringSubmatch(text, -1)
	if len(m) == 0 {
		t.Fatalf("no progress line:\n%s", text)
	}
	last := m[len(m)-1]
	n, _ := strconv.Atoi(last[1])
	faulted, _ := strconv.Atoi(last[2])
	orders, _ := strconv.Atoi(last[3])
	if n <= 5 {
		t.Errorf("the soak stopped at %d scenarios, its Checks (5): it should explore until its time is up", n)
	}
	if faulted == 0 || orders < 2 {
		t.Errorf("%d points faulted, %d distinct orders in %d scenarios of the reference: want some of each", faulted, orders, n)
	}
	if !regexp.MustCompile(`reaptest: soak ended after \d+s: \d+ scenarios, \d+ points faulted, ~\d+ distinct orders of calls, live heap`).MatchString(text) {
		t.Errorf("no line ending the soak:\n%s", text)
	}
	if summary := "reaptest: " + cov.String(); !strings.HasSuffix(text, summary) {
		t.Errorf("the log does not end with the summary line %q:\n%s", summary, text)
	}
	if strings.Contains(text, "stopped early") {
		t.Errorf("a soak that ends at its own time is not stopped early:\n%s", text)
	}
}

// The distinct-orders sketch counts what it is given within a few percent.
func TestDistinctEstimate(t *testing.T) {
	for _, n := range []int{1, 100, 3000, 100000} {
		var hs []uint64
		for i := range n {
			hs = append(hs, uint64(i)*2654435761, uint64(i)*2654435761) // each twice
		}
		got := harness.DistinctEstimate(hs)
		if d := float64(got-n) / float64(n); d > 0.05 || d < -0.05 {
			t.Errorf("%d distinct hashes (each added twice): estimated %d", n, got)
		}
	}
}
