package suites

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// shortHelper, set, makes TestShortHelper run its check.
const shortHelper = "REAPTEST_SHORT_HELPER"

// TestShortHelper is the process TestShortExploresAFifth runs: one check
// of the reference, in process, that logs how many scenarios it ran.
// Without shortHelper set it does nothing.
func TestShortHelper(t *testing.T) {
	if os.Getenv(shortHelper) == "" {
		return
	}
	f := harness.Check(t.Name(), Bubble(t), catalog.NewReference, harness.Checks(500), harness.Corpus(""),
		harness.OnExplored(func(c harness.Coverage) { t.Logf("ran %d scenarios", c.Scenarios) }))
	if f != nil {
		t.Fatalf("the reference failed:\n%s", f)
	}
}

// As README.md's Options say, go test -short explores a fifth of the
// budget (rapid divides its checks by 5), while what comes before
// exploring (the corpus, the named scenarios, the warm-up) runs whole:
// the two runs differ by four fifths of Checks(500).
func TestShortExploresAFifth(t *testing.T) {
	ran := func(short bool) int {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestShortHelper$", "-test.count=1", "-test.v", "-test.short="+strconv.FormatBool(short))
		cmd.Env = append(os.Environ(), shortHelper+"=1")
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		m := regexp.MustCompile(`ran (\d+) scenarios`).FindSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("-test.short=%v: %v\n%s", short, err, out)
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	full, short := ran(false), ran(true)
	if full-short != 400 {
		t.Errorf("Checks(500): %d scenarios in all, %d under -short; want 400 fewer (it explores 100 of the 500)", full, short)
	}
}
