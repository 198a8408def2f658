package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Figures README.md quotes from BENCHMARKS.md are written there by
// benchmd, not by hand, so that they cannot drift: each sits between an
// inline pair of markers, <!-- benchmd:NAME -->…<!-- /benchmd:NAME -->
// (HTML comments, which Markdown does not show), and -readme replaces
// what is between them with the figure of this run.

// inlineRE matches an inline figure: its name and its text.
var inlineRE = regexp.MustCompile(`<!-- benchmd:([a-z-]+) -->(.*?)<!-- /benchmd:([a-z-]+) -->`)

// readmeFigures returns the inline figures of res by name: pointhit, a
// point hit with no fault planned, and pointhit-nohook, with no hook set
// (BenchmarkAutoPointHit's medians, as BENCHMARKS.md's table shows them).
func readmeFigures(res *results) map[string]string {
	figs := map[string]string{}
	for _, b := range res.benches {
		switch b.name {
		case "BenchmarkAutoPointHit/none_planned":
			figs["pointhit"] = fmt.Sprintf("%.3g ns", metric(b, "ns/op"))
		case "BenchmarkAutoPointHit/no_hook":
			figs["pointhit-nohook"] = fmt.Sprintf("%.3g ns", metric(b, "ns/op"))
		}
	}
	return figs
}

// spliceFigures replaces the text of each inline figure of s named in
// figs; a pair whose names differ is an error, and a figure not in figs
// is kept as it is.
func spliceFigures(s string, figs map[string]string) (string, error) {
	var err error
	out := inlineRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := inlineRE.FindStringSubmatch(m)
		if sub[1] != sub[3] {
			err = fmt.Errorf("figure markers %q and %q do not pair", sub[1], sub[3])
			return m
		}
		v, ok := figs[sub[1]]
		if !ok {
			return m
		}
		return "<!-- benchmd:" + sub[1] + " -->" + v + "<!-- /benchmd:" + sub[1] + " -->"
	})
	return out, err
}

// readmeInline returns README.md's inline figures by name.
func readmeInline(s string) map[string]string {
	figs := map[string]string{}
	for _, m := range inlineRE.FindAllStringSubmatch(s, -1) {
		figs[m[1]] = strings.TrimSpace(m[2])
	}
	return figs
}

// spliceFiguresFile writes the figures of res into the file at path.
func spliceFiguresFile(path string, res *results) error {
	figs := readmeFigures(res)
	if len(figs) == 0 {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := spliceFigures(string(data), figs)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}
