package suites

import (
	"fmt"
	"os"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL reads best unqualified

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
	"github.com/reaptest/reaptest/suites/internal/bridge"
)

// describeCatalog registers one spec per entry that checks the harness's
// verdict on it: a correct entry (Want "") must pass, a buggy one must be
// caught with its class. Each spec prints its verdict and, for a caught
// bug, the reproducer; the container prints a verdict table at the end.
// Specs carry the label "catalog". It is how the bundled catalog is run
// (make run). Replaying a scenario file (REAPTEST_REPLAY: make repro), a
// caught bug's spec prints its whole report too.
func describeCatalog(text string, entries []catalog.Entry, opts ...harness.Option) bool {
	var mu sync.Mutex
	verdicts := make(map[string]string) // guarded by mu
	repros := make(map[string]string)   // guarded by mu
	return Describe(text, Label("catalog"), Ordered, func() {
		for _, e := range entries {
			title := fmt.Sprintf("%s is caught as %s", e.Name, e.Want)
			if e.Want == catalog.WantPass {
				title = fmt.Sprintf("%s passes", e.Name)
			}
			It(title, func() {
				s := bridge.Spec{Focus: CurrentSpecReport().FullText(), Logf: func(format string, args ...any) { fmt.Fprintf(GinkgoWriter, format+"\n", args...) }}
				// In process: the catalog's entries do not crash, and the
				// verdicts stay as quick as the harness is.
				f, err := specExplore(s, e.Name, e.New, append([]harness.Option{harness.Isolate(false)}, opts...))
				if err != nil {
					Fail(fmt.Sprintf("%s: the check could not run: %v", e.Name, err))
				}
				v := verdict(e, f)
				mu.Lock()
				verdicts[e.Name] = v
				if f != nil {
					repros[e.Name] = f.Command
				}
				mu.Unlock()
				if f != nil && os.Getenv(EnvReplay) != "" {
					// make repro: the report itself, as README.md's
					// "Reading a report" shows it.
					fmt.Fprintf(GinkgoWriter, "%s\n", f.Error())
				}
				fmt.Fprintf(GinkgoWriter, "%s: %s\n", e.Name, v)
				switch {
				case e.Want == catalog.WantPass && f != nil:
					Fail(fmt.Sprintf("%s: a correct implementation failed:\n%s", e.Name, f.Error()))
				case e.Want == catalog.WantPass:
				case f == nil:
					Fail(fmt.Sprintf("%s: the harness did not catch the bug: %s", e.Name, e.Doc))
				case f.Primary().Class != e.Want:
					Fail(fmt.Sprintf("%s: caught, but as %s, not %s:\n%s", e.Name, f.Primary().Class, e.Want, f.Error()))
				}
			})
		}
		AfterAll(func() {
			var b strings.Builder
			fmt.Fprintf(&b, "%-24s %-9s %s\n", "implementation", "want", "verdict")
			mu.Lock()
			for _, e := range entries {
				want := e.Want
				if want == "" {
					want = "pass"
				}
				fmt.Fprintf(&b, "%-24s %-9s %s\n", e.Name, want, verdicts[e.Name])
			}
			b.WriteString("\nreproducers:\n")
			for _, e := range entries {
				if r := repros[e.Name]; r != "" {
					fmt.Fprintf(&b, "  %s:\n    %s\n", e.Name, r)
				}
			}
			mu.Unlock()
			AddReportEntry("reaptest verdicts", b.String(), ReportEntryVisibilityAlways)
		})
	})
}

// verdict says in a short line what the harness found.
func verdict(e catalog.Entry, f *harness.Failure) string {
	if f == nil {
		if e.Want == catalog.WantPass {
			return "ok: passed"
		}
		return "MISSED: no failure found"
	}
	p := f.Primary()
	ok := "ok"
	if p.Class != e.Want {
		ok = "WRONG"
	}
	where := f.Name
	switch {
	case f.Name == "":
		where = fmt.Sprintf("scenario %d", f.Explored)
	case strings.HasPrefix(f.Name, "corpus file "):
		where = "its corpus file"
	}
	return fmt.Sprintf("%s: caught %s [%s] at %s", ok, p.Class, p.Clause, where)
}
