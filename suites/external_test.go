package suites

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// userModule writes a module of a user's own into a temporary directory:
// it requires reaptest through a replace directive pointing at this
// checkout, and holds testdata/usertask's files (*.go.txt, as *.go).
func userModule(t *testing.T) string {
	return moduleFrom(t, "example.com/usertask", "testdata/usertask", map[string]string{"tworeaps.scenario": "testdata/usertask/tworeaps.scenario"})
}

// moduleFrom writes the module path into a temporary directory, with the
// *.go.txt files of src (as *.go) and the files extra maps (destination
// to source), and returns the directory.
func moduleFrom(t testing.TB, path, src string, extra map[string]string) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module " + path + "\n\ngo 1.25\n\n" +
		"require github.com/reaptest/reaptest v0.0.0\n\n" +
		"replace github.com/reaptest/reaptest => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum}
	srcs, _ := filepath.Glob(filepath.Join(src, "*.go.txt"))
	copies := map[string]string{}
	for _, from := range srcs {
		copies[strings.TrimSuffix(filepath.Base(from), ".txt")] = from
	}
	for dst, from := range extra {
		copies[dst] = from
	}
	for dst, from := range copies {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		files[dst] = data
	}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd(t, dir, "mod", "tidy")
	return dir
}

// goCmdEnv is the go command with args in dir, with extra environment.
func goCmdEnv(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOFLAGS=-mod=mod"), env...)
	return cmd
}

// goCmd runs the go command in dir and returns its output and whether it
// succeeded.
func goCmd(t testing.TB, dir string, args ...string) (string, bool) {
	t.Helper()
	out, err := goCmdEnv(dir, nil, args...).CombinedOutput()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return string(out), err == nil
}

// A module of its own plugs its task in through suites.TestTask and
// suites.DescribeTask, and gets a pass for a correct task and a failure,
// with report and reproducer, for a buggy one.
func TestExternalModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := userModule(t)
	run := func(wantOK bool, args ...string) string {
		t.Helper()
		out, ok := goCmd(t, dir, append([]string{"test", "-count=1"}, args...)...)
		if ok != wantOK {
			t.Fatalf("go test %s: succeeded = %v, want %v\n%s", strings.Join(args, " "), ok, wantOK, out)
		}
		return out
	}

	run(true, "-run", "^TestGood$", ".")
	out := run(false, "-run", "^TestBuggy$", ".")
	// The report is located at the user's TestTask line, not in reaptest.
	for _, want := range []string{"reaptest: panic [no-panic]", "close of closed channel", "reproduce:", "task_test.go:62: ", "go test example.com/usertask -count=1 -run '^TestBuggy$/^"} {
		if !strings.Contains(out, want) {
			t.Errorf("TestBuggy output lacks %q:\n%s", want, out)
		}
	}

	// The isolated ExploreAround's pass line, logged by the parent from
	// the child's result, is located at the user's call too.
	out = run(true, "-v", "-run", "^TestGoodAround$", ".")
	if !regexp.MustCompile(`(?m)^ +task_test\.go:\d+: reaptest: \d+ scenarios`).MatchString(out) {
		t.Errorf("TestGoodAround -v: want its pass line located at task_test.go:\n%s", out)
	}

	run(true, "-run", "^TestGinkgo$", "-ginkgo.focus", "good task|own specs", ".")

	// A task that kills its process is reported by the isolated spec, and
	// the specs after it still run — under ginkgo -p too.
	for _, args := range [][]string{
		{"test", "-count=1", "-run", "^TestGinkgo$", "-ginkgo.focus", "crashing task.*explored|own specs", "."},
		{"run", "github.com/onsi/ginkgo/v2/ginkgo", "-p", "--junit-report=junit.xml", "--focus", "crashing task.*explored|own specs", "."},
	} {
		out, ok := goCmd(t, dir, args...)
		if ok {
			t.Fatalf("go %s passed, want the crash reported:\n%s", strings.Join(args, " "), out)
		}
		for _, want := range []string{"panic [crash]", "close of closed channel", "REAPTEST_REPLAY=", "1 Passed", "1 Failed"} {
			if !strings.Contains(out, want) {
				t.Errorf("go %s: output lacks %q:\n%s", strings.Join(args, " "), want, out)
			}
		}
	}
	// The JUnit report: the report as the failure's text, plain, the
	// spec located at the user's DescribeTask line.
	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\x1b[", "to be nil", "Gomega"} {
		if strings.Contains(string(junit), bad) {
			t.Errorf("junit.xml holds %q:\n%s", bad, junit)
		}
	}
	if !strings.Contains(string(junit), `failure message="reaptest: panic [crash]`) || !strings.Contains(string(junit), "task_test.go:93 @") {
		t.Errorf("junit.xml: want the report as the failure message and the spec at task_test.go:93 (DescribeTask):\n%s", junit)
	}
	// DescribeAround: the buggy task fails the scenario file as written,
	// isolated, and the report reruns that one spec.
	out = run(false, "-run", "^TestGinkgo$", "-ginkgo.focus", "buggy task around", ".")
	for _, want := range []string{"reaptest: panic [no-panic]", "close of closed channel", "-ginkgo.focus 'buggy task around survives the scenario in tworeaps\\.scenario", "1 Failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("DescribeAround output lacks %q:\n%s", want, out)
		}
	}
	if testing.Verbose() {
		t.Logf("DescribeAround's failing spec:\n%s", out)
	}
	out = run(false, "-run", "^TestGinkgo$", "-ginkgo.focus", "buggy task", ".")
	for _, want := range []string{"reaptest: panic [no-panic]", "-ginkgo.focus"} {
		if !strings.Contains(out, want) {
			t.Errorf("Ginkgo output lacks %q:\n%s", want, out)
		}
	}
}
