package suites

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
	"github.com/reaptest/reaptest/suites/internal/bridge"
)

// testEvents runs the go command with args in dir, with extra
// environment, and returns the final action of each test and all output.
func testEvents(t *testing.T, dir string, env []string, args ...string) (actions map[string]string, output string) {
	t.Helper()
	out, _ := goCmdEnv(dir, env, args...).CombinedOutput()
	actions = map[string]string{}
	var text strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e testEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			text.WriteString(sc.Text() + "\n")
			continue
		}
		switch e.Action {
		case "pass", "fail", "skip":
			actions[e.Test] = e.Action
		case "output":
			text.WriteString(e.Output)
		}
	}
	return actions, text.String()
}

// checkThenActCorpus returns the catalog's saved counterexample of
// check-then-act (a regression scenario of a bug only exploring finds),
// relative to the package directory.
func checkThenActCorpus(t *testing.T) string {
	t.Helper()
	files, _ := filepath.Glob("testdata/reaptest/check-then-act/panic-no-panic-*.scenario")
	if len(files) != 1 {
		t.Fatalf("want one saved panic [no-panic] of check-then-act in the catalog's corpus, found %v", files)
	}
	return files[0]
}

// A check that could not check is not a pass. Under go test -timeout=1s
// (no time to explore) the corpus and the named scenarios still run: a
// buggy task whose regression scenario is in the corpus fails, and a
// correct one passes its named scenarios while its explore subtest is
// SKIP, saying so; with too little time to start a child at all, every
// subtest is SKIP; a prebuilt test binary with no go command and no
// cached instrumented build skips its explore subtest, and once its
// instrumented build is cached runs instrumented without go.
func TestNotCheckedIsNotAPass(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to build a separate module: %v", err)
	}
	corpus := checkThenActCorpus(t)
	dir := moduleFrom(t, "example.com/notchecked", "testdata/notchecked", map[string]string{
		"testdata/reaptest/TestRegression/" + filepath.Base(corpus): corpus,
	})
	// The instrumented builds, made once with time to spare, are found
	// cached by the runs below, as on a developer's second run.
	testEvents(t, dir, nil, "test", "-count=1", "-run", "^(TestRegression|TestGood)$", ".")

	actions, out := testEvents(t, dir, nil, "test", "-count=1", "-timeout=1s", "-json", "-run", "^TestRegression$", ".")
	if actions["TestRegression/explore"] != "fail" || !strings.Contains(out, "reaptest: panic [no-panic]") || !strings.Contains(out, "REAPTEST_REPLAY=testdata/reaptest/TestRegression/"+filepath.Base(corpus)) {
		t.Errorf("-timeout=1s, a buggy task with a regression scenario: %v, want TestRegression/explore to fail on the corpus file:\n%s", actions, out)
	}

	actions, out = testEvents(t, dir, nil, "test", "-count=1", "-timeout=1s", "-json", "-run", "^TestGood$", ".")
	if actions["TestGood/explore"] != "skip" || actions["TestGood/lost-exit"] != "pass" || actions[""] != "pass" ||
		!strings.Contains(out, "reaptest: explored nothing: the corpus and the fixed scenarios") {
		t.Errorf("-timeout=1s, a correct task: %v, want the named subtests to pass and explore to skip saying it explored nothing:\n%s", actions, out)
	}

	actions, out = testEvents(t, dir, nil, "test", "-count=1", "-timeout=250ms", "-json", "-run", "^TestGood$", ".")
	for _, sub := range []string{"TestGood/lost-exit", "TestGood/explore"} {
		if actions[sub] != "skip" {
			t.Errorf("-timeout=250ms: %s %s, want skip", sub, actions[sub])
		}
	}
	if !strings.Contains(out, "reaptest: not run: no scenario ran:") || !strings.Contains(out, "rerun with a longer -timeout") {
		t.Errorf("-timeout=250ms: the skip's reason and fix are missing:\n%s", out)
	}

	// A prebuilt test binary, no go command on PATH, an empty cache.
	bin := filepath.Join(t.TempDir(), "notchecked.test")
	if out, ok := goCmd(t, dir, "test", "-c", "-o", bin, "."); !ok {
		t.Fatalf("go test -c:\n%s", out)
	}
	cmd := exec.Command(bin, "-test.count=1", "-test.v", "-test.run=^TestGood$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir(), "HOME="+t.TempDir())
	raw, _ := cmd.CombinedOutput()
	if got := string(raw); !strings.Contains(got, "--- SKIP: TestGood/explore") || !strings.Contains(got, "--- PASS: TestGood/lost-exit") ||
		!strings.Contains(got, "reaptest: not fully checked:") || !strings.Contains(got, "no go command") {
		t.Errorf("a prebuilt binary without go or a cached build: want explore skipped for want of automatic points:\n%s", got)
	}

	// The same binary, once a run with go on PATH has built its
	// instrumented build into the cache: without go, it finds that build
	// and runs instrumented (the summary names the sync points).
	cacheHome, home := t.TempDir(), t.TempDir()
	goEnv := []string{"XDG_CACHE_HOME=" + cacheHome, "HOME=" + home}
	for _, v := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		out, err := exec.Command("go", "env", v).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", v, err)
		}
		goEnv = append(goEnv, v+"="+strings.TrimSpace(string(out)))
	}
	instrumented := regexp.MustCompile(`reaptest: \d+ scenarios, \d+ sync points in `)
	for _, withGo := range []bool{true, false} {
		cmd := exec.Command(bin, "-test.count=1", "-test.v", "-test.run=^TestGood$/^explore$")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), goEnv...)
		if !withGo {
			cmd.Env = append(cmd.Env, "PATH="+t.TempDir())
		}
		raw, _ := cmd.CombinedOutput()
		if got := string(raw); !strings.Contains(got, "--- PASS: TestGood/explore") || !instrumented.MatchString(got) {
			t.Errorf("a prebuilt binary (go on PATH: %v) with its instrumented build cached: want explore to pass instrumented:\n%s", withGo, got)
		}
	}
}

// inProcessHelper names the check TestInProcessHelper runs.
const inProcessHelper = "REAPTEST_INPROCESS_HELPER"

// TestInProcessHelper is the process TestNotCheckedInProcess runs, with
// isolation off and a short -timeout: TestTask on a correct task
// ("good") or on a buggy one whose regression scenario is in the corpus
// ("regression"), or a DescribeTask spec's exploring check on a correct
// task ("spec"), which logs its error. Without it set it does nothing.
func TestInProcessHelper(t *testing.T) {
	switch os.Getenv(inProcessHelper) {
	case "good":
		TestTask(t, catalog.NewReference, harness.Checks(200))
	case "regression":
		TestTask(t, catalog.NewCheckThenAct, harness.Checks(200))
	case "spec":
		f, err := bridge.Explore(bridge.Spec{Focus: "in process", Logf: t.Logf}, "", catalog.NewReference, []harness.Option{harness.Checks(200)})
		var nc *bridge.NotChecked
		switch {
		case f != nil:
			t.Fatalf("the reference failed:\n%s", f)
		case errors.As(err, &nc):
			t.Logf("spec skipped: %s", nc.Reason)
		case err != nil:
			t.Fatalf("spec error: %v", err)
		default:
			t.Log("spec passed")
		}
	}
}

// The same holds in process (REAPTEST_ISOLATE=0): with too little time
// left before -timeout to explore, the check replays the corpus and the
// named scenarios and explores nothing: a buggy task whose regression
// scenario is in the corpus fails, a correct task's explore subtest, and
// a DescribeTask spec's exploring check, skip saying so instead of
// passing.
func TestNotCheckedInProcess(t *testing.T) {
	saved := checkThenActCorpus(t)
	run := func(mode string) string {
		t.Helper()
		dir := t.TempDir()
		corpus := filepath.Join(dir, "testdata/reaptest/TestInProcessHelper", filepath.Base(saved))
		data, err := os.ReadFile(saved)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(corpus), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(corpus, data, 0o644); err != nil {
			t.Fatal(err)
		}
		// 1.4s: at most 0.9s left after the margin, less than a child
		// would be started to explore with.
		cmd := exec.Command(os.Args[0], "-test.run=^TestInProcessHelper$", "-test.count=1", "-test.v", "-test.timeout=1400ms")
		cmd.Env = append(os.Environ(), inProcessHelper+"="+mode, EnvIsolate+"=0")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			t.Fatal(err)
		}
		return string(out)
	}
	if out := run("good"); !strings.Contains(out, "--- SKIP: TestInProcessHelper/explore ") || !strings.Contains(out, "--- PASS: TestInProcessHelper/lost-exit ") ||
		!strings.Contains(out, "reaptest: explored nothing: the corpus and the fixed scenarios") || !strings.Contains(out, longerTimeout) {
		t.Errorf("in process, no time to explore, a correct task: want the named subtests to pass and explore to skip saying it explored nothing:\n%s", out)
	} else if !regexp.MustCompile(`(?m)^ +notchecked_test\.go:\d+: reaptest: \d+ scenarios, `).MatchString(out) || strings.Contains(out, "explore.go:") {
		t.Errorf("in process, the check's lines are not located at the user's TestTask line:\n%s", out)
	}
	if out := run("regression"); !strings.Contains(out, "--- FAIL: TestInProcessHelper/explore ") || !strings.Contains(out, "reaptest: panic [no-panic]") ||
		!strings.Contains(out, "REAPTEST_REPLAY=testdata/reaptest/TestInProcessHelper/"+filepath.Base(saved)) {
		t.Errorf("in process, no time to explore, a buggy task with a regression scenario: want explore to fail on the corpus file:\n%s", out)
	}
	if out := run("spec"); !strings.Contains(out, "spec skipped: reaptest: explored nothing:") {
		t.Errorf("in process, no time to explore, a spec's exploring check: want it skipped saying it explored nothing:\n%s", out)
	}
}
