package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// onceSite reads, from the source, whether a go statement runs once per
// process (a process-wide helper) or may run again (per task, per call):
// each case is a package whose go statement marked "// GO" is judged.
func TestOnceSite(t *testing.T) {
	const head = "package p\n\nimport \"sync\"\n\nfunc loop() {}\n\ntype T struct {\n\tonce  sync.Once\n\tstart func()\n\tm     *M\n}\n\ntype M struct{ once sync.Once }\n\n"
	for _, c := range []struct {
		name string
		src  string
		want string // a part of the reason; "" for not once per process
	}{
		{"package-level Once, literal", `var once sync.Once
func (t *T) Reap() { once.Do(func() {
	go loop() // GO
}) }`, "the package-level sync.Once once"},
		{"package-level Once, named function", `var once sync.Once
func startLoop() {
	go loop() // GO
}
func (t *T) Reap() { once.Do(startLoop) }`, "startLoop, only called under the package-level sync.Once once"},
		{"function only called under a package-level Once", `var once sync.Once
func startLoop() {
	go loop() // GO
}
func (t *T) Reap() { once.Do(func() { startLoop() }) }`, "startLoop, only called under the package-level sync.Once once"},
		{"sync.OnceFunc kept in a package-level variable", `var start = sync.OnceFunc(func() {
	go loop() // GO
})
func (t *T) Reap() { start() }`, "sync.OnceFunc kept in the package-level start"},
		{"sync.OnceValue assigned to a package-level variable", `var get func() int
func init() { get = sync.OnceValue(func() int {
	go loop() // GO
	return 1
}) }`, "sync.OnceValue kept in the package-level get"},
		{"package init", `func init() {
	go loop() // GO
}`, "in package init"},
		{"a package-level variable's initializer", `var _ = func() bool {
	go loop() // GO
	return true
}()`, "a package-level variable's initializer"},
		{"a Once field of a package-level singleton", `var Default = &M{}
func (m *M) start() { m.once.Do(func() {
	go loop() // GO
}) }
func (t *T) Reap() { Default.start() }`, "m.once, a sync.Once of the package-level Default"},
		{"a Once in an array of package-level ones", `var reapers [2]struct{ once sync.Once }
func (t *T) Reap() { reapers[1].once.Do(func() {
	go loop() // GO
}) }`, "a sync.Once of the package-level reapers"},
		{"a Once reached through a local alias of a package-level map", `var reapers = map[int]*M{}
func (t *T) Reap() {
	r := reapers[1]
	r.once.Do(func() {
		go loop() // GO
	})
}`, "a sync.Once of the package-level reapers (through r := reapers[])"},

		{"a Once field of the task", `func (t *T) Reap() { t.once.Do(func() {
	go loop() // GO
}) }`, ""},
		{"a local Once", `func (t *T) Reap() {
	var once sync.Once
	once.Do(func() {
		go loop() // GO
	})
}`, ""},
		{"a Once field of the task reached through a local alias", `func (t *T) Reap() {
	m := t.m
	m.once.Do(func() {
		go loop() // GO
	})
}`, ""},
		{"a local Once shadowing a package-level one", `var once sync.Once
func (t *T) Reap() {
	var once sync.Once
	once.Do(func() {
		go loop() // GO
	})
}`, ""},
		{"sync.OnceFunc kept in a field of the task", `func New() *T {
	t := &T{}
	t.start = sync.OnceFunc(func() {
		go loop() // GO
	})
	return t
}`, ""},
		{"a goroutine per call", `func (t *T) Wait() {
	go loop() // GO
}`, ""},
		{"a function called per task", `func startLoop() {
	go loop() // GO
}
func (t *T) Reap() { startLoop() }`, ""},
		{"a function called under a package-level Once and per task", `var once sync.Once
func startLoop() {
	go loop() // GO
}
func (t *T) Reap() { once.Do(startLoop) }
func (t *T) Wait() { startLoop() }`, ""},
		{"a function called from nowhere in its package", `func StartLoop() {
	go loop() // GO
}`, ""},
		{"a method of a package-level singleton, with no Once", `var Default = &M{}
func (m *M) watch() {
	go loop() // GO
}
func (t *T) Reap() { Default.watch() }`, ""},
		{"a Once field of a type used as a singleton and per task", `var Default = &M{}
func (m *M) start() { m.once.Do(func() {
	go loop() // GO
}) }
func (t *T) Reap() { Default.start() }
func (t *T) Wait() { t.m.start() }`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := head + c.src + "\n"
			file := filepath.Join(dir, "p.go")
			if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			line := 0
			for i, l := range strings.Split(src, "\n") {
				if strings.HasSuffix(l, "// GO") {
					line = i + 1
				}
			}
			got := onceSite(file, line)
			switch {
			case c.want == "" && got != "":
				t.Errorf("onceSite = %q, want not once per process", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("onceSite = %q, want once per process, %q", got, c.want)
			}
		})
	}
	// No source, no line: not once per process.
	if got := onceSite(filepath.Join(t.TempDir(), "gone.go"), 3); got != "" {
		t.Errorf("onceSite of a missing file = %q, want \"\"", got)
	}
}

// busyHelper finds a process-wide helper outside every bubble that is
// running or waiting to run (settleHelpers waits for it before a verdict
// stands), and nothing else: not one that is blocked, not a goroutine of a
// bubble, not one whose go statement may run again.
func TestBusyHelper(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.go")
	src := "package p\n\nfunc reaper() {}\n\nfunc init() {\n\tgo reaper()\n}\n\nfunc Each() {\n\tgo reaper()\n}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	g := func(header, spawner string, line int) string {
		return fmt.Sprintf("goroutine 9 [%s]:\nexample.com/p.reaper()\n\t%s:3 +0x1\ncreated by example.com/p.%s in goroutine 1\n\t%s:%d +0x2\n\n",
			header, file, spawner, file, line)
	}
	for _, c := range []struct {
		dump string
		want bool
	}{
		{g("runnable", "init.0", 6), true},
		{g("running", "init.0", 6), true},
		{g("chan receive", "init.0", 6), false},
		{g("runnable, synctest bubble 3", "init.0", 6), false},
		{g("runnable", "Each", 10), false},
		{g("chan receive", "init.0", 6) + g("runnable", "init.0", 6), true},
	} {
		if got := busyHelper([]byte(c.dump), true); got != c.want {
			t.Errorf("busyHelper = %v, want %v, of:\n%s", got, c.want, c.dump)
		}
		// Blocked or not, a helper at init is one, in a bubble not.
		want := !strings.Contains(c.dump, "bubble") || strings.Count(c.dump, "goroutine 9") > 1
		if got := busyHelper([]byte(c.dump), false); got != (want && !strings.Contains(c.dump, "p.Each in")) {
			t.Errorf("busyHelper(any) = %v, of:\n%s", got, c.dump)
		}
	}
}

// A goroutine the standard library started under a package-level Once
// (os/signal's loop, once signal.Notify was called) is no process-wide
// helper of the task's, and no failing verdict waits for it.
func TestStdGoroutineIsNoHelper(t *testing.T) {
	for fn, want := range map[string]bool{
		"os/signal.Notify.func1":    true,
		"runtime.gcenable":          true,
		"example.com/p.init.0":      false,
		"github.com/x/y.(*T).start": false,
		"main.main":                 false,
		"":                          false,
	} {
		if got := stdPackage(fn); got != want {
			t.Errorf("stdPackage(%q) = %v, want %v", fn, got, want)
		}
	}
	// The line of signal.Notify's go statement, under its Once.
	file := filepath.Join(runtime.GOROOT(), "src/os/signal/signal.go")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, "go watchSignalLoop()") {
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatalf("%s has no go statement of watchSignalLoop", file)
	}
	dump := fmt.Sprintf("goroutine 9 [runnable]:\nos/signal.loop()\n\t%s:21 +0x1\ncreated by os/signal.Notify.func1.1 in goroutine 1\n\t%s:%d +0x2\n\n",
		filepath.Join(runtime.GOROOT(), "src/os/signal/signal_unix.go"), file, line)
	gs := parseDump([]byte(dump))
	if len(gs) != 1 {
		t.Fatalf("parsed %d goroutines, want 1:\n%s", len(gs), dump)
	}
	if file, _ := spawnSite(gs[0]); file != "" {
		t.Errorf("os/signal's loop has a spawn site to judge (%s): the standard library's goroutines are no helper of the task's", file)
	}
	if busyHelper([]byte(dump), true) {
		t.Errorf("os/signal's loop counted as a busy process-wide helper:\n%s", dump)
	}
}

// The scenario's own main sleeping (winding down) inside a bubble
// function of the user's test package is no sleeper of the task's; a
// task's call that sleeps under the harness's invoke is.
func TestTaskSleeper(t *testing.T) {
	main := parseDump([]byte("goroutine 7 [sleep (durable)]:\ntime.Sleep(0x3b9aca00)\n\t/usr/local/go/src/runtime/time.go:363 +0x1\n" +
		"github.com/reaptest/reaptest/harness.(*run).main(0xc000001)\n\t/src/harness/run.go:420 +0x2\n" +
		"example.com/check.Bubble.func4.1()\n\t/src/check/bubble.go:12 +0x3\n\n"))
	kill := parseDump([]byte("goroutine 9 [sleep (durable)]:\ntime.Sleep(0xf4240)\n\t/usr/local/go/src/runtime/time.go:363 +0x1\n" +
		"example.com/task.(*T).Kill(0xc000002)\n\t/src/task/task.go:42 +0x2\n" +
		"github.com/reaptest/reaptest/harness.(*run).invoke(0xc000001)\n\t/src/harness/run.go:600 +0x3\n\n"))
	if len(main) != 1 || len(kill) != 1 {
		t.Fatalf("parsed %d and %d goroutines, want 1 each", len(main), len(kill))
	}
	if taskSleeper(main[0]) {
		t.Errorf("the scenario's main winding down counted as the task's sleeper")
	}
	if !taskSleeper(kill[0]) {
		t.Errorf("a Kill sleeping in the task's code did not count as the task's sleeper")
	}
}
