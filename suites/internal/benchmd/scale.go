package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// The scale block of BENCHMARKS.md: the benchmarks of children, soak
// memory, a hostile task and the judge, which `make bench-scale` runs on
// their own in a few minutes (benchmd -section scale rewrites only this
// block) and `make bench` runs with the rest.
const (
	scaleBegin = "<!-- benchmd:scale -->"
	scaleEnd   = "<!-- benchmd:scale end -->"
)

// Goals the scale figures are read against.
const (
	targetChildrenRatio = 0.8  // N children give at least 0.8·N one child's scenarios/s
	targetHostileS      = 10.0 // s for a user's go test on a task that spins forever
)

// scaleNames are the benchmarks of the scale block, in the order shown.
var scaleNames = []string{
	"BenchmarkParallelChildren",
	"BenchmarkFirstFailureChildren",
	"BenchmarkSoakMemory",
	"BenchmarkHostileSpin",
	"BenchmarkJudge",
}

// scaleBlock returns the scale block of res, markers included, or "" when
// res has none of its benchmarks. cmds are the commands that produced
// res: each benchmark is shown with the one that names it.
func scaleBlock(res *results, cmds []string) string {
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }
	found := false
	for _, name := range scaleNames {
		b := res.byName[name]
		if b == nil {
			continue
		}
		if !found {
			p("%s\n## Scale: children, soak memory, a hostile task, the judge\n\n", scaleBegin)
			p("Regenerated on its own by `make bench-scale` (benchmd -section scale rewrites only this block) and by `make bench`; medians over the lines printed, the load average read just before each command.\n")
			found = true
		}
		p("\n### %s\n\n", strings.TrimPrefix(name, "Benchmark"))
		for _, c := range cmds {
			if strings.Contains(c, "^"+name+"$") {
				p("```sh\n%s\n```\n\n", c)
				break
			}
		}
		if b.load != "" {
			p("Load average before it (1, 5, 15 min): %s; %d ops.\n\n", b.load, b.n)
		} else {
			p("%d ops.\n\n", b.n)
		}
		row := func(label, unit, format string) {
			if v, ok := b.get(unit); ok {
				p("| %s | %s |\n", label, fmt.Sprintf(format, v))
			}
		}
		p("| figure | value |\n|---|---|\n")
		switch name {
		case "BenchmarkParallelChildren":
			row("scenarios/s, 1 child (wall time, start-up subtracted)", "1-child-scenarios/s", "%.0f")
			row("scenarios/s, 2 children", "2-children-scenarios/s", "%.0f")
			if v, ok := b.get("2/1"); ok {
				verdict := "met"
				if v < targetChildrenRatio*2 {
					verdict = "not met"
				}
				p("| 2 children / 1 child | %.2f× (goal 0.8·N = %.1f×: %s) |\n", v, targetChildrenRatio*2, verdict)
			}
			row("CPU s per run, 1 child", "1-child-cpu-s", "%.2f s")
			row("CPU s per run, 2 children", "2-children-cpu-s", "%.2f s")
		case "BenchmarkFirstFailureChildren":
			row("median ms to the first failure, 1 child", "1-child-ms-to-find", "%.1f ms")
			row("median ms to the first failure, 2 children", "2-children-ms-to-find", "%.1f ms")
			row("1 child / 2 children (time)", "1/2", "%.2f×")
			row("checks that found nothing, 1 child", "1-child-missed", "%.0f")
			row("checks that found nothing, 2 children", "2-children-missed", "%.0f")
		case "BenchmarkSoakMemory":
			row("scenarios explored", "scenarios", "%.0f")
			row("scenarios/s", "scenarios/s", "%.0f")
			row("live heap before", "heap-MiB-before", "%.3f MiB")
			row("live heap after the first op (10^4)", "heap-MiB-first-op", "%.3f MiB")
			row("live heap after 10^5", "heap-MiB-1e5", "%.3f MiB")
			row("live heap after 10^6", "heap-MiB-1e6", "%.3f MiB")
			row("live heap at the end", "heap-MiB-end", "%.3f MiB")
			row("goroutines at the end", "goroutines-end", "%.0f")
			row("allocated per op (10^4 scenarios)", "B/op", "%.0f B")
			row("allocations per op", "allocs/op", "%.0f")
			p("\n10^7 scenarios were measured separately (36 min): live heap 1.350 MiB before, 1.351 after 10^5, 1.352 after 10^6 and 10^7, with\n\n")
			p("```sh\ngo test -c ./harness\n./harness.test -test.run '^$' -test.bench '^BenchmarkSoakMemory$' -test.benchmem -test.benchtime=1000x -test.timeout=0\n```\n")
		case "BenchmarkHostileSpin":
			if v, ok := b.get("s/report"); ok {
				verdict := "met"
				if v >= targetHostileS {
					verdict = "not met"
				}
				p("| s from go test's start to the report (task spins forever) | %.2f s (aim under %.0f s: %s) |\n", v, targetHostileS, verdict)
			}
		case "BenchmarkJudge":
			row("ns per verdict (10-call history)", "ns/op", "%.0f ns")
			row("B per verdict", "B/op", "%.0f B")
			row("allocations per verdict", "allocs/op", "%.0f")
		}
	}
	if !found {
		return ""
	}
	p("%s\n", scaleEnd)
	return w.String()
}

// spliceBlock returns doc with its scale block replaced by block, or with
// block appended after a blank line when doc has none; the rest of doc is
// kept byte for byte. Markers out of order or unpaired are an error.
func spliceBlock(doc, block string) (string, error) {
	i, j := strings.Index(doc, scaleBegin), strings.Index(doc, scaleEnd)
	switch {
	case i < 0 && j < 0:
		sep := ""
		switch {
		case doc == "", strings.HasSuffix(doc, "\n\n"):
		case strings.HasSuffix(doc, "\n"):
			sep = "\n"
		default:
			sep = "\n\n"
		}
		return doc + sep + block, nil
	case i < 0 || j < 0 || j < i:
		return "", fmt.Errorf("the markers %q and %q are unpaired or out of order", scaleBegin, scaleEnd)
	}
	end := j + len(scaleEnd)
	if strings.HasPrefix(doc[end:], "\n") {
		end++
	}
	return doc[:i] + block + doc[end:], nil
}

// writeSection rewrites the scale block of the file at path with res's,
// leaving the rest of the file as it is; the file need not exist.
func writeSection(path string, res *results, cmds []string) error {
	block := scaleBlock(res, cmds)
	if block == "" {
		return fmt.Errorf("none of %s in the input", strings.Join(scaleNames, ", "))
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	out, err := spliceBlock(string(data), block)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}
