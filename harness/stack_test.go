package harness

import (
	"os"
	"strings"
	"testing"
)

// The golden dump was taken from a stalled bubble: a Delete holding a mutex
// while it waits on a channel, a Reap blocked on that mutex, a goroutine on
// a channel from outside the bubble, sleepers and a select.
func loadDump(t *testing.T) []*goroutine {
	t.Helper()
	dump, err := os.ReadFile("testdata/bubble.dump")
	if err != nil {
		t.Fatal(err)
	}
	return parseDump(dump)
}

func byID(gs []*goroutine, id int64) *goroutine {
	for _, g := range gs {
		if g.id == id {
			return g
		}
	}
	return nil
}

// Every goroutine of the dump is found, with its state, durability and bubble.
func TestParseDumpHeaders(t *testing.T) {
	gs := loadDump(t)
	if len(gs) != 10 {
		t.Fatalf("parsed %d goroutines, want 10", len(gs))
	}
	cases := []struct {
		id      int64
		state   string
		durable bool
		bubble  int64
	}{
		{1, "chan receive", false, 0},
		{7, "synctest.Run", true, 1},
		{11, "chan receive", true, 1},
		{12, "sync.Mutex.Lock", false, 1},
		{13, "chan receive", false, 1},
		{15, "select", true, 1},
	}
	for _, c := range cases {
		g := byID(gs, c.id)
		if g == nil {
			t.Errorf("goroutine %d not parsed", c.id)
			continue
		}
		if g.state != c.state || g.durable != c.durable || g.bubble != c.bubble {
			t.Errorf("goroutine %d = state %q durable %v bubble %d, want %q %v %d",
				c.id, g.state, g.durable, g.bubble, c.state, c.durable, c.bubble)
		}
	}
}

// Frames, their files and lines, and the creating goroutine are parsed; the
// implementation's frames are told from the standard library's.
func TestParseDumpFrames(t *testing.T) {
	g := byID(loadDump(t), 12)
	if g.creator != 10 {
		t.Errorf("creator = %d, want 10", g.creator)
	}
	if len(g.frames) != 5 {
		t.Fatalf("frames = %v, want 5", g.frames)
	}
	if f := g.frames[4]; f.fn != "exp.(*task).Reap" || f.file != "/tmp/exp/x_test.go" || f.line != 4 {
		t.Errorf("innermost implementation frame = %+v", f)
	}
	impl := g.implFrames()
	if len(impl) != 1 || impl[0].fn != "exp.(*task).Reap" {
		t.Errorf("implFrames = %v, want only exp.(*task).Reap", impl)
	}
	if got := g.blockedAt(); got != "sync.Mutex.Lock in exp.(*task).Reap (exp/x_test.go:4)" {
		t.Errorf("blockedAt = %q", got)
	}
}

// A header with a wait duration and no bubble still parses.
func TestParseHeaderVariants(t *testing.T) {
	g := parseHeader("goroutine 42 [chan send, 3 minutes]:")
	if g == nil || g.id != 42 || g.state != "chan send" || g.durable || g.bubble != 0 {
		t.Fatalf("parseHeader = %+v", g)
	}
	if parseHeader("goroutine x [running]:") != nil {
		t.Error("a header with a bad id parsed")
	}
}

// The stalled bubble of the dump is recognised as stalled; a bubble with a
// running goroutine or with every goroutine durably blocked is not.
func TestStallSignature(t *testing.T) {
	var bubble []*goroutine
	for _, g := range loadDump(t) {
		if g.bubble == 1 && g.state != "synctest.Run" {
			bubble = append(bubble, g)
		}
	}
	if _, stalled := stallSignature(bubble); !stalled {
		t.Error("the dump's bubble (a goroutine on sync.Mutex.Lock, the rest blocked) is not seen as stalled")
	}
	running := append([]*goroutine{{id: 99, state: "runnable"}}, bubble...)
	if _, stalled := stallSignature(running); stalled {
		t.Error("a bubble with a runnable goroutine is seen as stalled")
	}
	durable := []*goroutine{{id: 1, state: "chan receive", durable: true}, {id: 2, state: "sleep", durable: true}}
	if _, stalled := stallSignature(durable); stalled {
		t.Error("a durably blocked bubble (synctest itself moves it on) is seen as stalled")
	}
}

// The evidence for a panic starts at the panicking frame of the
// implementation, without the harness's recovery frames.
func TestTrimStack(t *testing.T) {
	stack := []byte(`goroutine 7 [running, synctest bubble 3]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
github.com/reaptest/reaptest/harness.(*run).invoke.func1()
	/work/harness/run.go:603 +0x70
panic({0x6ce820?, 0x745cf0?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
example.com/task.(*Task).Reap(0x1, {0x2, 0x3})
	/src/task/task.go:36 +0xcd
github.com/reaptest/reaptest/harness.(*run).reap.func1()
	/work/harness/run.go:512 +0x24
`)
	got := trimStack(stack)
	if !strings.Contains(got, "example.com/task.(*Task).Reap") || !strings.Contains(got, "/src/task/task.go:36") {
		t.Errorf("trimStack lost the panicking frame:\n%s", got)
	}
	if strings.Contains(got, "invoke") || strings.Contains(got, "debug.Stack") {
		t.Errorf("trimStack kept the harness's frames:\n%s", got)
	}
}
