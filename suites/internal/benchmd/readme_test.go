package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The inline figures are replaced between their markers, the text around
// them kept; a figure this run has no result for is kept; markers that do
// not pair are an error.
func TestSpliceFigures(t *testing.T) {
	res, err := parse(strings.NewReader("BenchmarkAutoPointHit/none_planned-2  \t100\t4.461 ns/op\nBenchmarkAutoPointHit/no_hook-2  \t100\t0.5951 ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := "costs about <!-- benchmd:pointhit -->3.4 ns<!-- /benchmd:pointhit --> through (<!-- benchmd:pointhit-nohook -->1 ns<!-- /benchmd:pointhit-nohook -->, <!-- benchmd:other -->x<!-- /benchmd:other -->)"
	got, err := spliceFigures(in, readmeFigures(res))
	want := "costs about <!-- benchmd:pointhit -->4.46 ns<!-- /benchmd:pointhit --> through (<!-- benchmd:pointhit-nohook -->0.595 ns<!-- /benchmd:pointhit-nohook -->, <!-- benchmd:other -->x<!-- /benchmd:other -->)"
	if err != nil || got != want {
		t.Errorf("spliceFigures:\n got %q, %v\nwant %q", got, err, want)
	}
	if _, err := spliceFigures("<!-- benchmd:pointhit -->1 ns<!-- /benchmd:nohook -->", readmeFigures(res)); err == nil {
		t.Error("unpaired markers: no error")
	}
}

// README.md's inline figures are BENCHMARKS.md's: the point hit it quotes
// is the median BENCHMARKS.md's table shows (make bench writes both).
func TestReadmeFiguresAreBenchmarks(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	bench, err := os.ReadFile("../../../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	figs := readmeInline(string(readme))
	for name, row := range map[string]string{
		"pointhit":        "BenchmarkAutoPointHit/none_planned",
		"pointhit-nohook": "BenchmarkAutoPointHit/no_hook",
	} {
		m := regexp.MustCompile("\\(`" + regexp.QuoteMeta(row) + "`\\) \\| ([^ ]+ ns)").FindStringSubmatch(string(bench))
		switch {
		case m == nil:
			t.Errorf("BENCHMARKS.md has no row for %s", row)
		case figs[name] == "":
			t.Errorf("README.md has no inline figure %q (%s)", name, row)
		case figs[name] != m[1]:
			t.Errorf("README.md quotes %s for %s, BENCHMARKS.md has %s", figs[name], row, m[1])
		}
	}
}
