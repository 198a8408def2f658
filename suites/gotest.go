package suites

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/reaptest/reaptest/harness"
)

// TestTask checks newTask against the contract: it runs the named
// scenarios, then explores generated ones under faults, and fails t with
// the report of the first failure, minimized, ending with the command that
// reproduces it.
func TestTask(t *testing.T, newTask harness.NewTask, opts ...harness.Option) {
	t.Helper()
	if f := checkT(t, newTask, opts...); f != nil {
		t.Fatal("\n" + f.Error())
	}
}

// checkT runs harness.Check under t and returns its failure.
func checkT(t *testing.T, newTask harness.NewTask, opts ...harness.Option) *harness.Failure {
	base := []harness.Option{harness.Reproduce(reproCommand(t.Name(), "")), harness.Logf(t.Logf)}
	return harness.Check(t.Name(), Bubble(t), newTask, append(base, opts...)...)
}

// reproCommand returns a go test command line, run from the module root,
// that reruns the test called name in the current package; focus, if not
// empty, is a Ginkgo focus for one spec.
func reproCommand(name, focus string) string {
	cmd := fmt.Sprintf("go test %s -run '^%s$'", packageDir(), regexpQuote(name))
	if focus != "" {
		cmd += fmt.Sprintf(" -ginkgo.focus '%s'", regexp.QuoteMeta(focus))
	}
	return cmd
}

// regexpQuote quotes each slash-separated part of a test name for -run.
func regexpQuote(name string) string {
	out := ""
	for i, part := range filepath.SplitList(name) {
		if i > 0 {
			out += "/"
		}
		out += regexp.QuoteMeta(part)
	}
	return out
}

// packageDir returns the current package's directory relative to its
// module root, as "./dir", or "." when that cannot be found.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}
