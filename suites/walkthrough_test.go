package suites

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's walk-through: its test exists (testdata/walkthrough, as a
// module of its own) and finds the hang; and what the README shows is what
// it prints for the scenario the README shows, which a fresh run may not
// find first (which variation of the dump's scenario deadlocks first
// depends on the build: -race schedules differently): with that scenario
// in the corpus, the plain run and the reproduce line print the README's
// report.
func TestWalkthrough(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "<!-- walkthrough output -->\n```\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("README.md: no ``` block after <!-- walkthrough output -->")
	}
	want := normalize(block, "/src/reaptest")
	m := regexp.MustCompile(`REAPTEST_REPLAY=(\S+) go test example.com/daemon -count=1 -run '\^TestCtrDeleteHang\$'`).FindStringSubmatch(want)
	_, scenario, _ := strings.Cut(want, "        scenario:\n")
	scenario, _, _ = strings.Cut(scenario, "\n        \n")
	first, _, _ := strings.Cut(want[strings.Index(want, "reaptest: "):], " monitor")
	if m == nil || scenario == "" {
		t.Fatalf("README.md's walk-through output has no reproduce line or scenario:\n%s", want)
	}
	dir := moduleFrom(t, "example.com/daemon", "testdata/walkthrough",
		map[string]string{"testdata/daemon-sigquit.dump": "testdata/walkthrough/daemon-sigquit.dump"})
	root, _ := filepath.Abs("..")

	// A fresh run finds the hang.
	out, ok := goCmd(t, dir, "test", "-count=1", "-run", "^TestCtrDeleteHang$", ".", "-rapid.seed=1")
	if ok || !strings.Contains(out, first) {
		t.Fatalf("the walk-through's test does not fail with %q:\n%s", first, out)
	}
	// With the README's scenario saved where its reproduce line says, the
	// plain run replays it first and prints the README's output.
	if err := os.RemoveAll(filepath.Join(dir, "testdata", "reaptest")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, m[1])
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, l := range strings.Split(scenario, "\n") {
		text.WriteString(strings.TrimPrefix(l, "          ") + "\n")
	}
	if err := os.WriteFile(file, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ = goCmd(t, dir, "test", "-count=1", "-run", "^TestCtrDeleteHang$", ".")
	if got := normalize(out, root); !strings.Contains(got, want) {
		t.Errorf("README.md's walk-through output is not what the test prints.\nprinted:\n%s\nREADME:\n%s", got, want)
	}
	// The reproduce line replays the saved file to the same report.
	replayed, _ := goCmdEnv(dir, []string{"REAPTEST_REPLAY=" + m[1]}, "test", "-count=1", "-run", "^TestCtrDeleteHang$", "example.com/daemon").CombinedOutput()
	report := func(s string) string {
		_, r, _ := strings.Cut(s, "reaptest: ")
		r, _, _ = strings.Cut(r, "reproduce:")
		return normalize(r, root)
	}
	if r := report(string(replayed)); r == "" || r != report(out) {
		t.Errorf("the replay reports otherwise:\n%s\nthe plain run:\n%s", replayed, out)
	}
}

// normalize removes what changes from run to run: timings, goroutine
// numbers, where reaptest's source is, and the scenario's schedule line
// (a scenario found by exploring around a dump is printed without it, and
// with it when replayed from its file, which runs it on one processor as
// the search did).
func normalize(s, root string) string {
	s = regexp.MustCompile(`(?m)^ *schedule procs=\d+\n`).ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, root+"/", "/src/reaptest/")
	s = regexp.MustCompile(`goroutine \d+`).ReplaceAllString(s, "goroutine N")
	s = regexp.MustCompile(`\(\d+(\.\d+)?m?s\)`).ReplaceAllString(s, "(T)")
	return s
}

// A goroutine dump is read up to maxDump: a file that never ends is an
// error, not a hang.
func TestReadLimitedDump(t *testing.T) {
	if _, err := readLimited("/dev/zero", maxDump); err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("readLimited(/dev/zero) = %v, want an error saying it is too large", err)
	}
	data, err := readLimited("testdata/walkthrough/daemon-sigquit.dump", maxDump)
	if err != nil || len(data) == 0 {
		t.Errorf("readLimited of the walk-through's dump: %d bytes, %v", len(data), err)
	}
}

// README.md's "Reading a report" shows what make repro prints for the
// check-then-act catalog entry's saved scenario: the report itself, not
// only the verdict table, and, piped, no colour codes.
func TestMakeRepro(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is needed to run make repro as the README says: %v", err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Reading a report\n")
	m := regexp.MustCompile("`make repro IMPL=([a-z-]+) SCENARIO=…`:\n\n```\n").FindStringSubmatchIndex(section)
	if m == nil {
		t.Fatal("README.md: no make repro command and ``` block under ## Reading a report")
	}
	impl := section[m[2]:m[3]]
	block, _, _ := strings.Cut(section[m[1]:], "```")
	root, _ := filepath.Abs("..")
	want := normalize(block, "/src/reaptest")
	file := regexp.MustCompile(`REAPTEST_REPLAY=(testdata/reaptest/\S+\.scenario) `).FindStringSubmatch(want)
	if file == nil {
		t.Fatalf("README.md's report has no reproduce line with a corpus file:\n%s", want)
	}
	cmd := exec.Command("make", "-s", "-C", root, "repro", "IMPL="+impl, "SCENARIO="+file[1])
	raw, err := cmd.CombinedOutput()
	out := string(raw)
	if err != nil {
		t.Fatalf("make repro: %v\n%s", err, out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("make repro, piped, prints colour codes:\n%q", out)
	}
	// The report as Ginkgo prints a spec's output: indented by 2.
	start := strings.Index(out, "reaptest: ")
	if start < 0 {
		t.Fatalf("make repro printed no report:\n%s", out)
	}
	start = strings.LastIndex(out[:start], "\n") + 1
	var got strings.Builder
	for _, l := range strings.Split(out[start:], "\n") {
		got.WriteString(strings.TrimPrefix(l, "  ") + "\n")
	}
	if g := normalize(got.String(), root); !strings.Contains(g, want) {
		t.Errorf("README.md's \"Reading a report\" is not what make repro prints.\nprinted:\n%s\nREADME:\n%s", g, want)
	}
}
