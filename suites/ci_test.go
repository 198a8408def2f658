package suites

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The CI-grade checks: a user's module run with the go test and Ginkgo
// flags a CI uses, asserting on what those commands print.
func TestCIGrade(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	dir := userModule(t)
	goIn := func(t *testing.T, env []string, args ...string) (string, bool) {
		t.Helper()
		out, err := goCmdEnv(dir, env, args...).CombinedOutput()
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		return string(out), err == nil
	}

	// go test -json: one run and one pass or fail per test, no test the
	// user did not write, no framing inside the text, one report per
	// failure.
	t.Run("json", func(t *testing.T) {
		out, ok := goIn(t, nil, "test", "-json", "-count=1", "-run", "^(TestBuggy|TestGood)$", ".")
		if ok {
			t.Fatalf("TestBuggy passed:\n%s", out)
		}
		events := map[string][]string{} // test -> actions
		var text strings.Builder
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var e struct{ Action, Test, Output string }
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				continue // the go command's own lines
			}
			if e.Test != "" && e.Action != "output" {
				events[e.Test] = append(events[e.Test], e.Action)
			}
			text.WriteString(e.Output)
		}
		for test, actions := range events {
			top, _, _ := strings.Cut(test, "/")
			if top != "TestBuggy" && top != "TestGood" {
				t.Errorf("a test the user did not write: %q (%v)", test, actions)
			}
			runs, ends := 0, 0
			for _, a := range actions {
				switch a {
				case "run":
					runs++
				case "pass", "fail", "skip":
					ends++
				}
			}
			if runs != 1 || ends != 1 {
				t.Errorf("%s: %v: want one run and one pass, fail or skip", test, actions)
			}
		}
		if got := events["TestBuggy"]; len(got) == 0 || got[len(got)-1] != "fail" {
			t.Errorf("TestBuggy: %v, want it to fail", got)
		}
		if got := events["TestGood/explore"]; len(got) == 0 || got[len(got)-1] != "pass" {
			t.Errorf("TestGood/explore: %v, want it to pass", got)
		}
		all := text.String()
		if strings.Contains(all, "\x16") || strings.Contains(all, "\x1b[") {
			t.Errorf("framing or colour codes in the text:\n%q", all)
		}
		failed := 0 // failing subtests of TestBuggy: one report each
		for test, actions := range events {
			if strings.HasPrefix(test, "TestBuggy/") && actions[len(actions)-1] == "fail" {
				failed++
			}
		}
		reports := len(regexp.MustCompile(`reaptest: (panic|hang|leak|contract|race) \[`).FindAllString(all, -1))
		repros := strings.Count(all, "reproduce:\n")
		if failed == 0 || reports != failed || repros != failed {
			t.Errorf("%d failing subtests, %d reports, %d reproducers: want one each:\n%s", failed, reports, repros, all)
		}
		for _, l := range strings.Split(all, "\n") {
			if strings.Contains(l, "--- FAIL") && strings.Contains(l, "reaptest") && !strings.Contains(l, "Test") {
				t.Errorf("a phantom test line: %q", l)
			}
		}
	})

	// A Ginkgo suite under go test -json: no phantom test "reaptest", one
	// run and one pass for the suite's test.
	t.Run("ginkgo-json", func(t *testing.T) {
		out, ok := goIn(t, []string{"REAPTEST_ISOLATE=0"}, "test", "-json", "-count=1", "-run", "^TestGinkgo$", "-ginkgo.focus", "good task", ".")
		if !ok {
			t.Fatalf("the good task's specs failed:\n%s", out)
		}
		if n := strings.Count(out, `"Test":"reaptest"`); n > 0 {
			t.Errorf("%d events of a phantom test reaptest:\n%s", n, out)
		}
		if n := strings.Count(out, `"Action":"run","Package":"example.com/usertask","Test":"TestGinkgo"`); n != 1 {
			t.Errorf("%d run events for TestGinkgo, want 1", n)
		}
	})

	// -timeout=5s: a correct task passes, a correct but slow one too, and
	// says it stopped early.
	t.Run("timeout", func(t *testing.T) {
		for _, test := range []string{"TestGood", "TestCover"} {
			if out, ok := goIn(t, nil, "test", "-count=1", "-timeout=5s", "-run", "^"+test+"$", "."); !ok {
				t.Errorf("a correct task failed under -timeout=5s:\n%s", out)
			}
		}
		out, ok := goIn(t, []string{"CI_SLOW=1"}, "test", "-count=1", "-timeout=5s", "-v", "-run", "^TestSlow$", ".")
		if !ok {
			t.Fatalf("a correct but slow task failed under -timeout=5s:\n%s", out)
		}
		if !strings.Contains(out, "stopped early: out of time after") {
			t.Errorf("the slow task's check does not say it stopped early:\n%s", out)
		}
	})

	// Coverage counts the task's code exactly as with isolation off.
	t.Run("cover", func(t *testing.T) {
		profile := func(env ...string) string {
			t.Helper()
			file := filepath.Join(t.TempDir(), "cover.out")
			out, ok := goIn(t, env, "test", "-count=1", "-coverpkg=./...", "-coverprofile="+file, "-run", "^TestCover$", ".")
			if !ok {
				t.Fatalf("go test -cover failed:\n%s", out)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			// The covered blocks of the task's file, summed over the
			// profile's lines (counts may differ, covered or not may not).
			var covered []string
			for _, l := range strings.Split(string(data), "\n") {
				if strings.Contains(l, "/ci.go:") && !strings.HasSuffix(l, " 0") {
					covered = append(covered, strings.Fields(l)[0])
				}
			}
			return strings.Join(covered, "\n") + "\n" + regexp.MustCompile(`coverage: [0-9.]+%`).FindString(out)
		}
		isolated, inProcess := profile(), profile("REAPTEST_ISOLATE=0")
		if isolated != inProcess || !strings.Contains(isolated, "ci.go") {
			t.Errorf("covered with isolation:\n%s\nwithout:\n%s", isolated, inProcess)
		}
	})

	// A bad REAPTEST_REPLAY is a usage error, not a verdict.
	t.Run("usage", func(t *testing.T) {
		out, ok := goIn(t, []string{"REAPTEST_REPLAY=testdata/no-such.scenario"}, "test", "-count=1", "-run", "^TestGood$", ".")
		if ok || !strings.Contains(out, "REAPTEST_REPLAY: open testdata/no-such.scenario") || strings.Contains(out, "[crash]") {
			t.Errorf("want the usage error, got:\n%s", out)
		}
	})

	// Under -race a data race is a finding of class race whose reproducer
	// has -race (and the run's -tags); without -race the same task passes.
	t.Run("race", func(t *testing.T) {
		if out, ok := goIn(t, nil, "test", "-count=1", "-run", "^TestRacy$", "."); !ok {
			t.Errorf("the racy task fails without -race:\n%s", out)
		}
		out, ok := goIn(t, nil, "test", "-race", "-tags=citag", "-count=1", "-run", "^TestRacy$", ".")
		if ok {
			t.Fatalf("the racy task passes under -race:\n%s", out)
		}
		for _, want := range []string{"reaptest: race [no-race]", "(*CITask).Reap", "(*CITask).Wait", "go test -race -tags=citag example.com/usertask"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
}
