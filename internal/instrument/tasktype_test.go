package instrument

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// fixtureDep is a dependency module's task type: Reap checks reaped under
// mu, lets go, and re-locks to close exited, so two concurrent Reaps can
// both pass the check (close of closed channel). Fixed is the same with
// the check and the close under one lock.
const fixtureDep = `package dep

import (
	"context"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

type Task struct {
	mu     sync.Mutex
	exited chan struct{}
	exit   harness.Exit
	reaped bool
	fixed  bool
}

func New() *Task   { return &Task{exited: make(chan struct{})} }
func Fixed() *Task { return &Task{exited: make(chan struct{}), fixed: true} }

func (t *Task) Reap(e harness.Exit) {
	t.mu.Lock()
	if t.fixed {
		defer t.mu.Unlock()
		if !t.reaped {
			t.reaped, t.exit = true, e
			close(t.exited)
		}
		return
	}
	done := t.reaped
	t.mu.Unlock()
	if done {
		return
	}
	t.mu.Lock()
	t.reaped, t.exit = true, e
	t.mu.Unlock()
	close(t.exited)
}

func (t *Task) await(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		select {
		case <-t.exited:
		default:
			return harness.Exit{}, ctx.Err()
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *Task) Wait(ctx context.Context) (harness.Exit, error)   { return t.await(ctx) }
func (t *Task) Delete(ctx context.Context) (harness.Exit, error) { return t.await(ctx) }
`

// fixtureDepCheck runs RUNS fresh checks of dep.New (dep.Fixed with
// FIXED=1), each with the default budget, and prints how many found a
// panic.
const fixtureDepCheck = `package p

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"
	"testing/synctest"

	"example.com/dep"
	"github.com/reaptest/reaptest/harness"
)

func TestDep(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("RUNS"))
	newTask := func(harness.Env) harness.Task { return dep.New() }
	if os.Getenv("FIXED") == "1" {
		newTask = func(harness.Env) harness.Task { return dep.Fixed() }
	}
	bubble := func(f func()) { synctest.Test(t, func(*testing.T) { f() }) }
	// Fresh runs: rapid writes no fail file, and each run has a name of
	// its own, so none replays another's.
	if err := flag.Set("rapid.nofailfile", "true"); err != nil {
		t.Fatal(err)
	}
	found := 0
	for i := range runs {
		var cov harness.Coverage
		f := harness.Check(fmt.Sprintf("%s#%d", t.Name(), i), bubble, newTask, harness.Corpus(""), harness.OnExplored(func(c harness.Coverage) { cov = c }))
		if f != nil && f.Primary().Class == harness.ClassPanic {
			found++
		} else if f != nil {
			t.Errorf("%s", f.Error())
		}
		fmt.Printf("coverage: %s\n", cov)
	}
	fmt.Printf("found %d of %d\n", found, runs)
}
`

var foundRE = regexp.MustCompile(`found (\d+) of (\d+)`)

// A factory in the user's module that returns a type defined in another
// module (a local replace here) gets that module's package instrumented
// without Instrument(...): its check-then-act race is then found in at
// least 19 of 20 default checks, and its fixed twin passes. Before, the
// dependency was not instrumented and no fault point was reached.
func TestBuildTaskTypeInDependency(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := moduleDir(t, map[string]string{
		"go.mod": "module example.com/p\n\ngo 1.25\n\nrequire (\n\tgithub.com/reaptest/reaptest v0.0.0\n\texample.com/dep v0.0.0\n)\n\nreplace github.com/reaptest/reaptest => " + root +
			"\n\nreplace example.com/dep => ./dep\n",
		"dep/go.mod":   "module example.com/dep\n\ngo 1.25\n\nrequire github.com/reaptest/reaptest v0.0.0\n\nreplace github.com/reaptest/reaptest => " + root + "\n",
		"dep/task.go":  fixtureDep,
		"task.go":      "package p\n",
		"task_test.go": fixtureDepCheck,
	})
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dep", "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(dir, "dep"), dir} {
		if out, err := goRun(t, d, "mod", "tidy"); err != nil {
			t.Fatalf("go mod tidy in %s: %v\n%s", d, err, out)
		}
	}
	cfg := Config{TaskPkg: "example.com/p", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir()}
	bin, err := Build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(bin.Packages, "example.com/dep") {
		t.Fatalf("instrumented %q, want example.com/dep (it defines the task's type); passed over: %q", bin.Packages, bin.Unrewritten)
	}
	const runs = 20
	out := runBinary(t, dir, bin.Path, []string{"RUNS=" + strconv.Itoa(runs)}, "-test.run=^TestDep$")
	m := foundRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no count in the output:\n%s", out)
	}
	found, _ := strconv.Atoi(m[1])
	t.Logf("found %d of %d", found, runs)
	if found < runs-1 {
		t.Errorf("found in %d of %d checks, want at least %d:\n%s", found, runs, runs-1, out)
	}
	out = runBinary(t, dir, bin.Path, []string{"RUNS=1", "FIXED=1"}, "-test.run=^TestDep$")
	if m := foundRE.FindStringSubmatch(out); m == nil || m[1] != "0" {
		t.Errorf("the fixed task: %s", out)
	}
	if !regexp.MustCompile(`sync points in example\.com/dep \(the task.s type, \*dep\.Task\)`).MatchString(out) {
		t.Errorf("the summary does not name example.com/dep:\n%s", out)
	}
}
