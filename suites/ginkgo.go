package suites

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL reads best unqualified
	. "github.com/onsi/gomega"    //nolint:revive

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
)

// DescribeTask registers the checks for newTask as specs in the caller's
// own Ginkgo suite: one spec per named scenario, then one that explores
// generated scenarios under faults. Use it while the spec tree is built,
// e.g. var _ = suites.DescribeTask("my task", NewTask). It never calls
// RunSpecs. Specs carry the label "reaptest".
func DescribeTask(text string, newTask harness.NewTask, opts ...harness.Option) bool {
	return Describe(text, Label("reaptest"), func() {
		for _, n := range scenarios.Named() {
			It(fmt.Sprintf("survives %s: %s", n.Name, n.Doc), func() {
				GinkgoHelper()
				var res *harness.Result
				withT(func(t *testing.T) {
					res = harness.Run(Bubble(t), newTask, n.Scenario, opts...)
				})
				if res.Failed() {
					Fail(res.Report(ginkgoRepro(CurrentSpecReport().FullText())))
				}
			})
		}
		It("survives explored scenarios under faults", func() {
			GinkgoHelper()
			focus := CurrentSpecReport().FullText()
			f := specCheck(focus, fileName(focus), newTask, opts)
			Expect(f).To(BeNil(), func() string { return f.Error() })
		})
	})
}

// specCheck runs the check of the spec focus — or, with REAPTEST_REPLAY
// set, the replay of that file — keeping counterexamples in the corpus
// testdata/reaptest/<corpus>.
func specCheck(focus, corpus string, newTask harness.NewTask, opts []harness.Option) *harness.Failure {
	GinkgoHelper()
	if passOver(focus) {
		return nil // a child started for another spec that the focus also matches
	}
	repro := ginkgoRepro(focus)
	if !inChild() && isolated(opts) {
		testNameOnce.Do(func() { testName = findRunSpecsCaller() })
		tg := target{name: focus, args: []string{"-ginkgo.focus=" + regexp.QuoteMeta(focus) + "$"}, corpus: corpusDir(corpus), repro: repro}
		if testName != "" {
			tg.args = append(tg.args, "-test.run=^"+testName+"$")
		}
		f, err := checkIsolated(tg)
		Expect(err).NotTo(HaveOccurred())
		return f
	}
	var f *harness.Failure
	withT(func(t *testing.T) {
		if path := os.Getenv(EnvReplay); path != "" {
			f = replay(t, Bubble(t), newTask, path, repro, append(childOptions(), opts...))
		} else {
			base := []harness.Option{harness.Reproduce(repro), harness.Corpus(corpusDir(corpus))}
			f = harness.Check(fileName(focus), Bubble(t), newTask, append(append(base, childOptions()...), opts...)...)
		}
	})
	if inChild() {
		childDone(f)
	}
	return f
}

// DescribeAround registers a spec in the caller's Ginkgo suite that
// explores around the scenario in the file at path (see
// harness.ExploreAround) and fails with the first failure found. Its label
// is "reaptest".
func DescribeAround(text string, newTask harness.NewTask, path string, opts ...harness.Option) bool {
	return Describe(text, Label("reaptest"), func() {
		It("survives the scenario in "+path+" and the ones around it", func() {
			GinkgoHelper()
			sc, err := scenarios.ParseFile(path)
			Expect(err).NotTo(HaveOccurred())
			focus := CurrentSpecReport().FullText()
			var f *harness.Failure
			withT(func(t *testing.T) {
				base := []harness.Option{harness.Reproduce(ginkgoRepro(focus)), harness.Corpus(corpusDir(fileName(focus)))}
				f = harness.ExploreAround(fileName(focus), Bubble(t), newTask, sc, append(base, opts...)...)
			})
			Expect(f).To(BeNil(), func() string { return f.Error() })
		})
	})
}

// withT runs f with a *testing.T inside a Ginkgo spec, failing the spec
// if that cannot be done.
func withT(f func(t *testing.T)) {
	GinkgoHelper()
	ran, ok := runAsTest(f)
	if !ran {
		Fail("reaptest: could not start a test to run the scenario bubble in (a -test.skip pattern that matches \"reaptest\"?)")
	}
	if !ok {
		Fail("reaptest: the test running the scenario bubble failed (see its output above: a data race?)")
	}
}

var (
	testNameOnce sync.Once
	testName     string // the Go test function that called RunSpecs
)

// ginkgoRepro returns the command that reruns one spec.
func ginkgoRepro(focus string) string {
	testNameOnce.Do(func() { testName = findRunSpecsCaller() })
	cmd := fmt.Sprintf("go test %s -count=1", packageDir())
	if testName != "" {
		cmd += fmt.Sprintf(" -run '^%s$'", testName)
	}
	cmd += fmt.Sprintf(" -ginkgo.focus '%s$'", regexp.QuoteMeta(focus))
	return cmd
}

// findRunSpecsCaller finds the test function blocked in RunSpecs, from the
// stacks of all goroutines.
func findRunSpecsCaller() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	lines := strings.Split(string(buf), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "github.com/onsi/ginkgo/v2.RunSpecs(") {
			continue
		}
		for _, next := range lines[i+1:] {
			if strings.HasPrefix(next, "\t") {
				continue
			}
			fn := next
			if j := strings.LastIndex(fn, "("); j > 0 {
				fn = fn[:j]
			}
			if j := strings.LastIndex(fn, "."); j >= 0 {
				fn = fn[j+1:]
			}
			if strings.HasPrefix(fn, "Test") {
				return fn
			}
			break
		}
	}
	return ""
}
