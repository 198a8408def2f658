package harness_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
)

// Every form of the type name the godoc gives finds the same calls; a name
// that is only part of another type's does not.
func TestScenarioFromDumpTypeNames(t *testing.T) {
	dump, err := os.ReadFile("../suites/testdata/walkthrough/daemon-sigquit.dump")
	if err != nil {
		t.Fatal(err)
	}
	want, err := harness.ScenarioFromDump(dump, "(*lockWhileWaiting)")
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Actors) == 0 {
		t.Fatalf("no clients from the dump:\n%s", want)
	}
	for _, name := range []string{"lockWhileWaiting", "*lockWhileWaiting", "catalog.(*lockWhileWaiting)",
		"github.com/reaptest/reaptest/suites/catalog.(*lockWhileWaiting)", "catalog.lockWhileWaiting", "suites/catalog.(*lockWhileWaiting)"} {
		got, err := harness.ScenarioFromDump(dump, name)
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if got.String() != want.String() {
			t.Errorf("%q: got\n%s\nwant\n%s", name, got, want)
		}
	}
	for _, name := range []string{"WhileWaiting", "other.(*lockWhileWaiting)", "(*lockWhile)"} {
		if _, err := harness.ScenarioFromDump(dump, name); err == nil {
			t.Errorf("%q matched", name)
		}
	}
}

// A dump of thousands of blocked calls becomes a scenario of at most
// MaxDumpCalls clients, and DumpNote says what was left out.
func TestScenarioFromDumpCapsClients(t *testing.T) {
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, "goroutine %d [chan receive]:\nexample.com/rt.(*Task).Wait(0xc000010000, {0x0, 0x0})\n\t/src/rt/task.go:42 +0x1d\n\n", i+1)
	}
	sc, err := harness.ScenarioFromDump([]byte(b.String()), "rt.(*Task)")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Actors) != harness.MaxDumpCalls {
		t.Errorf("%d clients, want %d", len(sc.Actors), harness.MaxDumpCalls)
	}
	if note := harness.DumpNote([]byte(b.String()), "rt.(*Task)"); !strings.Contains(note, "2000 calls") {
		t.Errorf("note %q does not say how many calls the dump had", note)
	}
}

// A goroutine blocked in the task's Wait called by its own Delete is a
// client's Delete: the outermost of the type's methods is the call made.
func TestScenarioFromDumpOutermostCall(t *testing.T) {
	dump := `goroutine 6 [chan send]:
example.com/rt.(*Task).Reap(0x1dbbb327b90, {0x7, 0x0})
	/src/rt/task.go:78 +0xf6
created by main.main in goroutine 1
	/src/rt/cmd/hang/main.go:21 +0xac

goroutine 20 [sync.Mutex.Lock]:
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:46
example.com/rt.(*Task).Wait(0x1dbbb327b90, {0x593b38, 0x6f6880})
	/src/rt/task.go:84 +0x53
example.com/rt.(*Task).Delete(...)
	/src/rt/task.go:102
created by main.main in goroutine 1
	/src/rt/cmd/hang/main.go:23 +0x116

goroutine 21 [sync.Mutex.Lock]:
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:46
example.com/rt.(*Task).Wait(0x1dbbb327b90, {0x593b38, 0x6f6880})
	/src/rt/task.go:84 +0x53
created by main.main in goroutine 1
	/src/rt/cmd/hang/main.go:24 +0x116
`
	sc, err := harness.ScenarioFromDump([]byte(dump), "(*Task)")
	if err != nil {
		t.Fatal(err)
	}
	want := "process exit=0 status=0 sigterm=exit:0\nmonitor reap after=0 status=real\nclient1: delete ctx=background\nclient2: wait ctx=background\n"
	if got := sc.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
