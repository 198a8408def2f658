package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scaleSample is go test -bench output of the scale benchmarks, as `make
// bench-scale` collects it (a load average line before each command).
const scaleSample = `load average: 1.50 1.20 0.90
goos: linux
BenchmarkParallelChildren-2   	       3	 9000000000 ns/op	        1.000 1-child-cpu-s	      5000 1-child-scenarios/s	         1.700 2/1	         2.100 2-children-cpu-s	      8500 2-children-scenarios/s
PASS
load average: 2.00, 1.30, 0.95
BenchmarkSoakMemory-2   	      10	  500000000 ns/op	   1.350 heap-MiB-before	   1.351 heap-MiB-1e5	   1.351 heap-MiB-end	   100000 scenarios	  20000 scenarios/s	  123456 B/op	  789 allocs/op
load average: 0.50, 0.60, 0.70
BenchmarkHostileSpin-2   	       3	 12000000000 ns/op	        12.00 s/report
BenchmarkJudge-2   	  100000	      2500 ns/op	     640 B/op	       7 allocs/op
`

const scaleRest = "# Benchmarks\n\nOther text, kept as it is.\n\n## Raw output\n\n```\nBenchmarkX-2 1 1 ns/op\n```\n"

func TestSectionScale(t *testing.T) {
	res, err := parse(strings.NewReader(scaleSample))
	if err != nil {
		t.Fatal(err)
	}
	cmds := []string{"go test ./suites -run '^$' -bench '^BenchmarkParallelChildren$' -benchtime=3x"}
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	old := scaleBegin + "\nan old block\n" + scaleEnd + "\n"
	tail := "\nAfter the block.\n"
	if err := os.WriteFile(path, []byte(scaleRest+"\n"+old+tail), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeSection(path, res, cmds); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	i, j := strings.Index(got, scaleBegin), strings.Index(got, scaleEnd)
	if i < 0 || j < i {
		t.Fatalf("no scale block in:\n%s", got)
	}
	if before := got[:i]; before != scaleRest+"\n" {
		t.Errorf("the text before the block changed:\n%q\nwant\n%q", before, scaleRest+"\n")
	}
	if after := got[j+len(scaleEnd)+1:]; after != tail {
		t.Errorf("the text after the block changed: %q, want %q", after, tail)
	}
	block := got[i : j+len(scaleEnd)]
	for _, want := range []string{
		cmds[0],
		"Load average before it (1, 5, 15 min): 1.50, 1.20, 0.90; 3 ops.",
		"| 2 children / 1 child | 1.70× (goal 0.8·N = 1.6×: met) |",
		"| scenarios/s, 2 children | 8500 |",
		"| live heap after 10^5 | 1.351 MiB |",
		"Load average before it (1, 5, 15 min): 2.00, 1.30, 0.95; 10 ops.",
		"live heap 1.350 MiB before, 1.351 after 10^5, 1.352 after 10^6 and 10^7",
		"12.00 s (aim under 10 s: not met)",
		"| ns per verdict (10-call history) | 2500 ns |",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("the block lacks %q:\n%s", want, block)
		}
	}
	if strings.Contains(got, "an old block") {
		t.Errorf("the old block is still there:\n%s", got)
	}
	if strings.Contains(block, "FirstFailureChildren") {
		t.Errorf("the block shows a benchmark not in the input:\n%s", block)
	}

	// Rewriting with the same input changes nothing (the block is found
	// again, not appended twice).
	if err := writeSection(path, res, cmds); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(path)
	if string(again) != got {
		t.Errorf("a second rewrite changed the file:\n%s", again)
	}
}

func TestSectionScaleAppends(t *testing.T) {
	res, err := parse(strings.NewReader(scaleSample))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte(scaleRest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeSection(path, res, nil); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	got := string(data)
	if !strings.HasPrefix(got, scaleRest+"\n"+scaleBegin+"\n") {
		t.Errorf("the block is not appended after the rest, kept as it was:\n%s", got)
	}
	if !strings.HasSuffix(got, scaleEnd+"\n") {
		t.Errorf("the file does not end with the block:\n%s", got)
	}
}

func TestSectionScaleErrors(t *testing.T) {
	if _, err := spliceBlock("x\n"+scaleEnd+"\n"+scaleBegin+"\n", "b"); err == nil {
		t.Error("markers out of order: no error")
	}
	if _, err := spliceBlock("x\n"+scaleBegin+"\n", "b"); err == nil {
		t.Error("no end marker: no error")
	}
	res, err := parse(strings.NewReader("BenchmarkOther-2 1 5 ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte(scaleRest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeSection(path, res, nil); err == nil {
		t.Error("an input without the scale benchmarks: no error")
	}
	if data, _ := os.ReadFile(path); string(data) != scaleRest {
		t.Errorf("the file changed on an error:\n%s", data)
	}
}
