package suites

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's walk-through: its test exists (testdata/walkthrough, as a
// module of its own), and what the README shows is what it prints — the
// first run, which finds and saves the hang, and the replay of the saved
// file, which reports it again.
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
	dir := moduleFrom(t, "example.com/daemon", "testdata/walkthrough",
		map[string]string{"testdata/daemon-sigquit.dump": "testdata/walkthrough/daemon-sigquit.dump"})
	out, ok := goCmd(t, dir, "test", "-count=1", "-run", "^TestCtrDeleteHang$", ".", "-rapid.seed=1")
	if ok {
		t.Fatalf("the walk-through's test passed:\n%s", out)
	}
	root, _ := filepath.Abs("..")
	got, want := normalize(out, root), normalize(block, "/src/reaptest")
	if !strings.Contains(got, want) {
		t.Errorf("README.md's walk-through output is not what the test prints.\nprinted:\n%s\nREADME:\n%s", got, want)
	}
	// The reproduce line replays the saved file to the same report.
	m := regexp.MustCompile(`REAPTEST_REPLAY=(\S+) go test example.com/daemon -count=1 -run '\^TestCtrDeleteHang\$'`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no reproduce line:\n%s", out)
	}
	cmd := goCmdEnv(dir, []string{"REAPTEST_REPLAY=" + m[1]}, "test", "-count=1", "-run", "^TestCtrDeleteHang$", "example.com/daemon")
	replayed, _ := cmd.CombinedOutput()
	report := func(s string) string {
		_, r, _ := strings.Cut(s, "reaptest: ")
		r, _, _ = strings.Cut(r, "reproduce:")
		return normalize(r, root)
	}
	if r := report(string(replayed)); r == "" || r != report(out) {
		t.Errorf("the replay reports otherwise:\n%s\nfirst run:\n%s", replayed, out)
	}
}

// normalize removes what changes from run to run: timings, goroutine
// numbers, where reaptest's source is.
func normalize(s, root string) string {
	s = strings.ReplaceAll(s, root+"/", "/src/reaptest/")
	s = regexp.MustCompile(`goroutine \d+`).ReplaceAllString(s, "goroutine N")
	s = regexp.MustCompile(`\(\d+(\.\d+)?m?s\)`).ReplaceAllString(s, "(T)")
	return s
}
