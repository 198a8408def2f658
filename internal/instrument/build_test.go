package instrument

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const fixtureTask = `package p

import (
	"sync"

	"example.com/p/q"
)

type Task struct {
	mu     sync.Mutex
	done   chan struct{}
	closed bool
	c      q.Counter
}

func New() *Task { return &Task{done: make(chan struct{})} }

func (t *Task) Reap() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed {
		t.closed = true
		close(t.done)
	}
	t.c.Inc()
}

func (t *Task) Wait() { <-t.done }

func (t *Task) Drain(ch chan int) (n int) {
	for v := range ch {
		n += v
	}
	return n
}

func (t *Task) Unused() int {
	n := 0
	n++
	return n
}
`

const fixtureQ = `package q

import "sync/atomic"

type Counter struct{ n atomic.Int64 }

func (c *Counter) Inc() { c.n.Add(1) }
`

// The test runs the task when MODE is set; with MODE=instrumented it
// checks that the points are there and passed.
const fixtureTest = `package p

import (
	"os"
	"strings"
	"sync/atomic"
	"testing"

)

func TestWork(t *testing.T) {
	mode := os.Getenv("MODE")
	if mode == "" {
		return
	}
	var hits atomic.Int32
	hookSet(func(uint32) { hits.Add(1) })
	defer hookSet(nil)
	tk := New()
	go tk.Reap()
	tk.Wait()
	tk.Reap()
	ch := make(chan int, 2)
	ch <- 1
	ch <- 2
	close(ch)
	if n := tk.Drain(ch); n != 3 {
		t.Errorf("Drain = %d, want 3", n)
	}
	var names []string
	for i := range hookCount() {
		names = append(names, hookName(uint32(i)))
	}
	t.Logf("sites: %s", strings.Join(names, ", "))
	if mode == "instrumented" && hits.Load() == 0 {
		t.Errorf("no point passed; sites %q", names)
	}
	if mode == "plain" && len(names) != 0 {
		t.Errorf("sites in the plain build: %q", names)
	}
}
`

func fixtureModule(t testing.TB) string {
	t.Helper()
	dir := moduleDir(t, map[string]string{"task.go": fixtureTask, "q/q.go": fixtureQ, "task_test.go": fixtureTest, "hook_test.go": fixtureHook})
	if out, err := goRun(t, dir, "mod", "tidy"); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
	return dir
}

// lineOf is the line of the first occurrence of s in src.
func lineOf(src, s string) int { return 1 + strings.Count(src[:strings.Index(src, s)], "\n") }

// forget drops the memoized builds, as a new test binary run would.
func forget() {
	builds.mu.Lock()
	builds.m = nil
	builds.mu.Unlock()
}

// run runs a test binary and returns its output.
func runBinary(t *testing.T, dir, exe string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(exe), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Build instruments the task's package and the main module package it
// imports, names the points as autopoint does, and reuses the cached
// binary on the next run.
func TestBuild(t *testing.T) {
	dir := fixtureModule(t)
	cfg := Config{TaskPkg: "example.com/p", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir()}
	ctx := context.Background()
	bin, err := Build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first build: %v, %d sites in %q", bin.Took, bin.Sites, bin.Packages)
	if want := []string{"example.com/p", "example.com/p/q"}; !slices.Equal(bin.Packages, want) {
		t.Errorf("Packages = %q, want %q", bin.Packages, want)
	}
	if bin.Sites != 6 || bin.Cached {
		t.Errorf("Sites = %d, Cached = %v; want 6 (Lock, Unlock, close, recv, range, Add), false", bin.Sites, bin.Cached)
	}
	out := runBinary(t, dir, bin.Path, []string{"MODE=instrumented"}, "-test.run=^TestWork$", "-test.v")
	for _, want := range []string{
		"task.go:" + strconv.Itoa(lineOf(fixtureTask, "t.mu.Lock()")) + " Lock",
		"task.go:" + strconv.Itoa(lineOf(fixtureTask, "defer t.mu.Unlock()")) + " Unlock",
		"task.go:" + strconv.Itoa(lineOf(fixtureTask, "close(t.done)")) + " close",
		"task.go:" + strconv.Itoa(lineOf(fixtureTask, "<-t.done")) + " recv",
		"task.go:" + strconv.Itoa(lineOf(fixtureTask, "range ch")) + " recv",
		"q.go:" + strconv.Itoa(lineOf(fixtureQ, "c.n.Add(1)")) + " Add",
		"--- PASS: TestWork",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the instrumented binary's output lacks %q:\n%s", want, out)
		}
	}
	again, err := Build(ctx, cfg)
	if err != nil || again.Path != bin.Path || again.Took != bin.Took {
		t.Errorf("second Build in the same run = %+v, %v; want the first one's result", again, err)
	}
	forget()
	cached, err := Build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cached build: %v", cached.Took)
	if !cached.Cached || cached.Path != bin.Path {
		t.Errorf("next run's Build: Cached = %v, Path = %s; want true, %s", cached.Cached, cached.Path, bin.Path)
	}
	// A changed source makes a new binary.
	if err := os.WriteFile(filepath.Join(dir, "q", "q.go"), []byte(strings.Replace(fixtureQ, "c.n.Add(1)", "c.n.Add(2)", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	forget()
	changed, err := Build(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Cached || changed.Path == bin.Path {
		t.Errorf("after a source change: Cached = %v, same path = %v; want a new binary", changed.Cached, changed.Path == bin.Path)
	}
}

var coverageRE = regexp.MustCompile(`coverage: [0-9.]+% of statements`)

// Under go test -cover, the parent's coverage with the instrumented child
// doing the work is exactly the coverage of doing it in process: same
// percentage, same profile. The child is really instrumented (its points
// are passed), which go test -cover -overlay alone does not do.
func TestBuildCoverageExact(t *testing.T) {
	for _, mode := range []string{"count", "atomic"} {
		t.Run(mode, func(t *testing.T) { coverageExact(t, mode) })
	}
}

func coverageExact(t *testing.T, mode string) {
	dir := fixtureModule(t)
	parent := filepath.Join(t.TempDir(), "parent.test")
	if out, err := goRun(t, dir, "test", "-c", "-cover", "-covermode="+mode, "-o", parent, "."); err != nil {
		t.Fatalf("go test -c -cover: %v\n%s", err, out)
	}
	profile := func(name string) string { return filepath.Join(t.TempDir(), name) }

	inDir, inProf := t.TempDir(), profile("in.out")
	inOut := runBinary(t, dir, parent, []string{"MODE=plain"}, "-test.run=^TestWork$", "-test.gocoverdir="+inDir, "-test.coverprofile="+inProf)

	bin, err := Build(context.Background(), Config{TaskPkg: "example.com/p", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CoverMode: mode, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	pcDir, pcProf := t.TempDir(), profile("pc.out")
	runBinary(t, dir, bin.Path, []string{"MODE=instrumented"}, "-test.run=^TestWork$", "-test.gocoverdir="+pcDir)
	pcOut := runBinary(t, dir, parent, nil, "-test.run=^TestWork$", "-test.gocoverdir="+pcDir, "-test.coverprofile="+pcProf)

	aloneDir := t.TempDir()
	aloneOut := runBinary(t, dir, parent, nil, "-test.run=^TestWork$", "-test.gocoverdir="+aloneDir, "-test.coverprofile="+profile("alone.out"))

	in, pc, alone := coverageRE.FindString(inOut), coverageRE.FindString(pcOut), coverageRE.FindString(aloneOut)
	t.Logf("in process: %s; parent with the instrumented child: %s; parent alone: %s", in, pc, alone)
	if in == "" || in != pc {
		t.Errorf("parent with the child reports %q, in process %q: want the same", pc, in)
	}
	if alone == in {
		t.Errorf("the parent alone reports %q like the in-process run: the test does not tell the child's coverage apart", alone)
	}
	if a, b := mustRead(t, inProf), mustRead(t, pcProf); a != b {
		t.Errorf("coverage profiles differ:\nin process:\n%s\nparent with the child:\n%s", a, b)
	}
}

// Build's errors are one line that says what failed.
func TestBuildErrors(t *testing.T) {
	dir := fixtureModule(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		path string
		want string
	}{
		{"no go command", Config{TaskPkg: "example.com/p", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir()}, "/nonexistent", "no go command"},
		{"cache not writable", Config{TaskPkg: "example.com/p", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: filepath.Join(file, "cache")}, "", "cache directory"},
		{"build fails", Config{TaskPkg: "example.com/p", Dir: dir, TestPkg: "example.com/p", Flags: []string{"-ldflags=-notaflag"}, CacheDir: t.TempDir()}, "", "go test: "},
		{"nothing to instrument", Config{TaskPkg: "example.com/p/none", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir()}, "", "example.com/p/none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path != "" {
				t.Setenv("PATH", tc.path)
			}
			_, err := Build(ctx, tc.cfg)
			if err == nil {
				t.Fatalf("Build succeeded, want an error about %q", tc.want)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "automatic fault points off: instrumented build failed: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error = %q, want one line starting with the reason and naming %q", msg, tc.want)
			}
		})
	}
}

// BenchmarkBuild measures the instrumented build of the fixture module:
// first (nothing cached by reaptest; the go build cache holds the
// dependencies after the first iteration), cached (the binary reused,
// found the full way, as on the first run of a rebuilt test binary) and
// same test binary (found through the test binary's identity, as on every
// run of an unchanged one).
func BenchmarkBuild(b *testing.B) {
	mod := fixtureModule(b)
	b.Run("first", func(b *testing.B) {
		for range b.N {
			forget()
			cfg := Config{TaskPkg: "example.com/p", Dir: mod, TestPkg: "example.com/p", Flags: []string{}, CacheDir: b.TempDir()}
			if _, err := Build(context.Background(), cfg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		cfg := Config{TaskPkg: "example.com/p", Dir: mod, TestPkg: "example.com/p", Flags: []string{}, CacheDir: b.TempDir()}
		if _, err := Build(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			forget()
			bin, err := Build(context.Background(), cfg)
			if err != nil || !bin.Cached {
				b.Fatalf("Build = %+v, %v; want the cached binary", bin, err)
			}
		}
	})
	b.Run("same test binary", func(b *testing.B) {
		cfg := Config{TaskPkg: "example.com/p", Dir: mod, TestPkg: "example.com/p", Flags: []string{}, CacheDir: b.TempDir(), self: "bench"}
		if _, err := Build(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			forget()
			bin, err := Build(context.Background(), cfg)
			if err != nil || !bin.quick {
				b.Fatalf("Build = %+v, %v; want the cached binary found quickly", bin, err)
			}
		}
	})
}

func mustRead(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A named dependency in the module cache (which the go command does not
// let an overlay replace) is instrumented through a copy of its module.
func TestBuildDependencyInModuleCache(t *testing.T) {
	dir := moduleDir(t, map[string]string{"task.go": "package p\n", "task_test.go": `package p

import (
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sync/errgroup"
)

func TestGroup(t *testing.T) {
	var hits atomic.Int32
	hookSet(func(uint32) { hits.Add(1) })
	defer hookSet(nil)
	var g errgroup.Group
	g.Go(func() error { return nil })
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range hookCount() {
		names = append(names, hookName(uint32(i)))
	}
	t.Logf("sites: %s; %d passed", strings.Join(names, ", "), hits.Load())
	if hits.Load() == 0 || !strings.Contains(strings.Join(names, ","), "errgroup.go:") {
		t.Errorf("errgroup is not instrumented")
	}
}
`, "hook_test.go": fixtureHook})
	if out, err := goRun(t, dir, "mod", "tidy"); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
	bin, err := Build(context.Background(), Config{TaskPkg: "example.com/p", Packages: []string{"golang.org/x/sync/errgroup"}, Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bin.Packages, []string{"golang.org/x/sync/errgroup"}) || bin.Sites == 0 {
		t.Errorf("Packages = %q, Sites = %d; want errgroup's points", bin.Packages, bin.Sites)
	}
	out := runBinary(t, dir, bin.Path, nil, "-test.run=^TestGroup$", "-test.v")
	if !strings.Contains(out, "--- PASS: TestGroup") {
		t.Errorf("the instrumented errgroup test did not pass:\n%s", out)
	}
	t.Log(out)
}

// BenchmarkBuildCatalog measures the build the suites need: the bundled
// catalog instrumented in the suites test binary, under -race.
func BenchmarkBuildCatalog(b *testing.B) {
	cfg := func(cache string) Config {
		return Config{TaskPkg: "github.com/reaptest/reaptest/suites/catalog", Dir: "../../suites", TestPkg: "github.com/reaptest/reaptest/suites", Flags: []string{"-race=true"}, CacheDir: cache}
	}
	b.Run("first", func(b *testing.B) {
		for range b.N {
			forget()
			if _, err := Build(context.Background(), cfg(b.TempDir())); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		c := cfg(b.TempDir())
		if _, err := Build(context.Background(), c); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			forget()
			if bin, err := Build(context.Background(), c); err != nil || !bin.Cached {
				b.Fatalf("Build = %+v, %v; want the cached binary", bin, err)
			}
		}
	})
}

// A rewritten file that does not compile is left out (and said so), the
// rest is instrumented; a cached binary reports the same.
func TestBuildLeavesOutFileThatDoesNotCompile(t *testing.T) {
	dir := fixtureModule(t)
	cfg := Config{TaskPkg: "example.com/p", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir(),
		mangle: func(path string, src []byte) []byte {
			if filepath.Base(path) == "q.go" {
				return append(src, "\nvar _ int = \"not an int\"\n"...)
			}
			return src
		}}
	bin, err := Build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bin.Packages, []string{"example.com/p"}) || bin.Sites != 5 || len(bin.Unrewritten) != 1 || !strings.HasPrefix(bin.Unrewritten[0], "example.com/p/q/q.go: the rewritten file did not compile: ") {
		t.Errorf("Packages %q, Sites %d, Unrewritten %q; want example.com/p alone, 5 sites, q.go left out", bin.Packages, bin.Sites, bin.Unrewritten)
	}
	out := runBinary(t, dir, bin.Path, []string{"MODE=instrumented"}, "-test.run=^TestWork$", "-test.v")
	if strings.Contains(out, "q.go:") || !strings.Contains(out, "--- PASS: TestWork") {
		t.Errorf("q.go's points are in the binary, or the test failed:\n%s", out)
	}
	forget()
	cached, err := Build(context.Background(), cfg)
	if err != nil || !cached.Cached || !slices.Equal(cached.Unrewritten, bin.Unrewritten) || cached.Sites != bin.Sites {
		t.Errorf("cached Build = %+v, %v; want the same facts as the first", cached, err)
	}
}

// Builds of the same binary at once (parallel Ginkgo processes) both
// succeed and leave one working binary, built once where files can be
// locked.
func TestBuildConcurrent(t *testing.T) {
	dir := fixtureModule(t)
	cfg := Config{TaskPkg: "example.com/p", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir()}
	type result struct {
		bin *Binary
		err error
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			bin, err := build(context.Background(), cfg) // not memoized: two real builds
			results <- result{bin, err}
		}()
	}
	a, b := <-results, <-results
	if a.err != nil || b.err != nil {
		t.Fatalf("concurrent builds: %v; %v", a.err, b.err)
	}
	if a.bin.Path != b.bin.Path {
		t.Errorf("two paths for one binary: %s, %s", a.bin.Path, b.bin.Path)
	}
	if locks && a.bin.Cached == b.bin.Cached {
		t.Errorf("Cached = %v and %v: want one build, the other waiting for it and taking it from the cache", a.bin.Cached, b.bin.Cached)
	}
	out := runBinary(t, dir, a.bin.Path, []string{"MODE=instrumented"}, "-test.run=^TestWork$", "-test.v")
	if !strings.Contains(out, "--- PASS: TestWork") {
		t.Errorf("the binary does not work:\n%s", out)
	}
	if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(a.bin.Path), ".*.tmp")); len(tmps) > 0 {
		t.Errorf("temporary files left: %q", tmps)
	}
}

// The child gets the parent's coverage directory when coverage is on.
func TestChildArgs(t *testing.T) {
	f := flag.Lookup("test.gocoverdir")
	if f == nil {
		t.Fatal("no -test.gocoverdir flag in this test binary")
	}
	old := f.Value.String()
	defer f.Value.Set(old)
	if err := f.Value.Set("/tmp/covdir"); err != nil {
		t.Fatal(err)
	}
	if got := childArgs(true); !slices.Equal(got, []string{"-test.gocoverdir=/tmp/covdir"}) {
		t.Errorf("childArgs(cover) = %q, want the coverage directory", got)
	}
	if got := childArgs(false); got != nil {
		t.Errorf("childArgs(no cover) = %q, want none", got)
	}
}

// A task type declared in a test file, of the package or of its external
// test package: its methods become points, the tests do not.
const fixtureFake = `package p

import (
	"sync"
	"testing"
)

type fake struct{ mu sync.Mutex }

func (f *fake) Do() {
	f.mu.Lock()
	f.mu.Unlock()
}

func TestFake(t *testing.T) {
	var mu sync.Mutex
	mu.Lock() // the test's own: not a point
	mu.Unlock()
	var names []string
	for i := range hookCount() {
		names = append(names, hookName(uint32(i)))
	}
	t.Logf("sites: %v", names)
}
`

const fixtureXFake = `package p_test

import "sync"

type xfake struct{ ch chan int; mu sync.Mutex }

func (f *xfake) Send() { f.ch <- 1 }

var shared sync.Mutex

func helper() { shared.Lock(); shared.Unlock() } // not a method: not a point
`

func TestBuildTestFiles(t *testing.T) {
	dir := moduleDir(t, map[string]string{"task.go": fixtureTask, "q/q.go": fixtureQ, "fake_test.go": fixtureFake, "xfake_test.go": fixtureXFake, "hook_test.go": fixtureHook})
	if out, err := goRun(t, dir, "mod", "tidy"); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
	for _, taskPkg := range []string{"example.com/p", "example.com/p_test"} {
		forget()
		bin, err := Build(context.Background(), Config{TaskPkg: taskPkg, Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"example.com/p", "example.com/p/q", "example.com/p_test"}; !slices.Equal(bin.Packages, want) || bin.Sites != 6+4 {
			t.Errorf("TaskPkg %s: Packages = %q, Sites = %d; want %q, 10 (the 6 of TestBuild, Lock, Unlock and the point after it in fake.Do, the send in xfake.Send)\nnot rewritten: %q", taskPkg, bin.Packages, bin.Sites, want, bin.Unrewritten)
		}
		out := runBinary(t, dir, bin.Path, nil, "-test.run=^TestFake$", "-test.v")
		for _, want := range []string{
			"fake_test.go:" + strconv.Itoa(lineOf(fixtureFake, "f.mu.Lock()")) + " Lock",
			"fake_test.go:" + strconv.Itoa(lineOf(fixtureFake, "f.mu.Unlock()")) + " Unlock",
			"fake_test.go:" + strconv.Itoa(lineOf(fixtureFake, "f.mu.Unlock()")) + " unlocked",
			"xfake_test.go:" + strconv.Itoa(lineOf(fixtureXFake, "f.ch <- 1")) + " send",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("TaskPkg %s: the sites lack %q:\n%s", taskPkg, want, out)
			}
		}
		for _, bad := range []string{"fake_test.go:" + strconv.Itoa(lineOf(fixtureFake, "mu.Lock() // the test's own")), "xfake_test.go:" + strconv.Itoa(lineOf(fixtureXFake, "func helper"))} {
			if strings.Contains(out, bad) {
				t.Errorf("TaskPkg %s: a test or helper was rewritten (%s):\n%s", taskPkg, bad, out)
			}
		}
	}
	// A task in another package leaves the test files alone.
	forget()
	bin, err := Build(context.Background(), Config{TaskPkg: "example.com/p/q", Dir: dir, TestPkg: "example.com/p", Flags: []string{}, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(bin.Packages, "example.com/p_test") {
		t.Errorf("TaskPkg example.com/p/q: Packages = %q, want no test files rewritten", bin.Packages)
	}
}
