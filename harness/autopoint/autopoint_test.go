package autopoint

import (
	"testing"

	"github.com/reaptest/reaptest/internal/hook"
)

// Register delegates to the internal table (its naming is tested there),
// and P, V and Deferred call the hook installed, nothing when none is.
func TestRegisterAndHook(t *testing.T) {
	base := Register("example.com/rt", "/src/rt/task.go", "42:2 close", "37:3 Unlock", "50:4 Lock")
	if got := hook.Name(base); got != "task.go:42 close" {
		t.Errorf("hook.Name(Register's id) = %q, want %q", got, "task.go:42 close")
	}
	var seen []uint32
	old := hook.Set(func(id uint32) { seen = append(seen, id) })
	defer hook.Set(old)
	P(base)
	_ = V(base+1, 7)
	Deferred(base+2, func() {})
	if len(seen) != 3 || seen[0] != base || seen[1] != base+1 || seen[2] != base+2 {
		t.Errorf("hook saw %v, want [%d %d %d]", seen, base, base+1, base+2)
	}
	hook.Set(nil)
	P(base) // no hook: nothing happens
	if len(seen) != 3 {
		t.Errorf("P with no hook called a hook")
	}
}

func BenchmarkPNoHook(b *testing.B) {
	for range b.N {
		P(0)
	}
}

func TestDeferredClose(t *testing.T) {
	base := Register("example.com/dc", "dc.go", "3:2 close")
	var seen []uint32
	old := hook.Set(func(id uint32) { seen = append(seen, id) })
	defer hook.Set(old)
	ch := make(chan int)
	func() {
		defer DeferredClose(base, ch)
		if len(seen) != 0 {
			t.Errorf("the point was passed when the close was deferred")
		}
	}()
	if _, ok := <-ch; ok || len(seen) != 1 || seen[0] != base {
		t.Errorf("after the deferred close: channel open = %v, points %v; want closed, [%d]", ok, seen, base)
	}
}

func TestRange(t *testing.T) {
	base := Register("example.com/rg", "rg.go", "5:2 recv")
	hits := 0
	old := hook.Set(func(id uint32) {
		if id == base {
			hits++
		}
	})
	defer hook.Set(old)
	ch := make(chan int, 3)
	ch <- 1
	ch <- 2
	ch <- 3
	close(ch)
	var got []int
	for v := range Range(base, ch) {
		got = append(got, v)
	}
	if len(got) != 3 || got[0] != 1 || got[2] != 3 || hits != 4 {
		t.Errorf("got %v with %d points passed; want [1 2 3] and 4 (one per receive, the last sees the close)", got, hits)
	}
	ch2 := make(chan int, 2)
	ch2 <- 1
	ch2 <- 2
	for v := range Range(base, ch2) {
		if v == 1 {
			break
		}
	}
	if v := <-ch2; v != 2 {
		t.Errorf("after a break at the first value, the channel holds %d, want 2 (no receive ahead)", v)
	}
}

// Go returns f itself without go hooks, and with hooks that ask for it a
// wrapper that calls Begin first and passes arguments and results
// through, variadic ones included; Started calls the Started hook.
func TestGoHooks(t *testing.T) {
	add := func(a int, b ...int) int {
		for _, x := range b {
			a += x
		}
		return a
	}
	if got := Go(0, add)(1, 2, 3); got != 6 {
		t.Fatalf("Go without hooks: add(1, 2, 3) = %d, want 6", got)
	}
	var begun, started []uint32
	wrap := false
	prev := hook.SetGo(&hook.GoHooks{
		Wrap:    func(uint32) bool { return wrap },
		Begin:   func() { begun = append(begun, 0) },
		Started: func(id uint32) { started = append(started, id) },
	})
	defer hook.SetGo(prev)
	if got := Go(0, add)(1, 2); got != 3 || len(begun) != 0 {
		t.Fatalf("Go not wrapping: add(1, 2) = %d, Begin called %d times; want 3, 0", got, len(begun))
	}
	wrap = true
	if got := Go(0, add)(1, 2, 3, 4); got != 10 || len(begun) != 1 {
		t.Fatalf("Go wrapping: add(1, 2, 3, 4) = %d, Begin called %d times; want 10, 1", got, len(begun))
	}
	var nilFunc func()
	if Go(0, nilFunc) != nil {
		t.Fatal("Go wrapped a nil func: want it back as it is")
	}
	Started(7)
	if len(started) != 1 || started[0] != 7 {
		t.Fatalf("Started(7): the hook saw %v, want [7]", started)
	}
}
