package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const findRateInput = `goos: linux
BenchmarkFindRate/no-context-wait/hand/learned-2         	      20	    187682 ns/op	         1.000 found-in-prelude-at
BenchmarkFindRate/no-context-wait/none/learned-2         	      20	     99988 ns/op	         1.000 found-in-prelude-at
BenchmarkFindRate/check-then-act/hand/learned-2          	    3000	    140708 ns/op	         0.0150 p/scenario	         0.01786 pct-bound	        28.00 steps	2 d	2 t
BenchmarkFindRate/check-then-act/hand/1,2,3,*-2          	    3000	    114278 ns/op	         0.0143 p/scenario	         0.01786 pct-bound	        28.00 steps	2 d	2 t
BenchmarkFindRate/check-then-act/none/learned-2          	    3000	     85659 ns/op	         0 p/scenario	         0 steps
BenchmarkFindRate/depth-2-s50-unsuited/synthetic/learned-2	   10000	    522000 ns/op	         0.0125 p/scenario	         0.01000 pct-bound	        50.00 steps	2 d	2 t
BenchmarkFindShapes/late-path-2                          	      20	 531553809 ns/op	         0.95 found/check	       287.0 scenarios-to-find	12.5 ms-to-find
BenchmarkFindShapes/4th-delivery-2                       	      20	1673048114 ns/op	         1.000 found/check	        14.00 scenarios-to-find
`

// The find-rate tables: a row per bug and points with both strategies,
// PCT's bound and the ratio to it, the bugs found before exploring on one
// line, the shapes' counts; and the README's block is replaced, not
// appended to, its surroundings kept.
func TestFindRates(t *testing.T) {
	res, err := parse(strings.NewReader(findRateInput))
	if err != nil {
		t.Fatal(err)
	}
	got := findRates(res)
	for _, want := range []string{
		"| check-then-act | hand-placed (`env.Point`) | 1.5% | 1.43% | 28 | 2, 2 | 1.79% | 0.84 |",
		"| check-then-act | none | 0% | — | 0 | — | — | — |",
		"Found before exploring, by a named scenario or the warm-up, with or without hand-placed points: no-context-wait (scenario 1).",
		"| late-path | 19 of 20 checks | 287 | 12.5 ms |",
		"| 4th-delivery | 20 of 20 checks | 14 | — |",
		"examples 0..2999",
		"| depth-2-s50-unsuited | 2, 2 | 50 | 1% | 1.25% ± 0.11% | 1.2 ± 0.11 | 10000 | 125 (100) |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the tables lack %q:\n%s", want, got)
		}
	}
	readme := filepath.Join(t.TempDir(), "README.md")
	before := "# x\n\nabove\n\n" + readmeBegin + "\nold table\n" + readmeEnd + "\n\nbelow\n"
	if err := os.WriteFile(readme, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := spliceReadme(readme, got); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(readme)
	s := string(data)
	if strings.Contains(s, "old table") || strings.Count(s, "| late-path |") != 1 || !strings.HasPrefix(s, "# x\n\nabove\n\n"+readmeBegin) || !strings.HasSuffix(s, readmeEnd+"\n\nbelow\n") {
		t.Errorf("the README after splicing twice:\n%s", s)
	}
	if err := spliceReadme(filepath.Join(t.TempDir(), "missing.md"), got); err == nil {
		t.Error("splicing into a missing file did not fail")
	}
}
