package hook

import (
	"testing"
	"testing/synctest"
)

// Sites get their shortest unambiguous names, which change when a later
// file makes them ambiguous; Lookup finds a site by its current name.
func TestRegisterNames(t *testing.T) {
	base := Register("example.com/rt", "/src/rt/task.go", "42:2 close", "37:3 Unlock", "50:4 Lock", "50:20 Lock")
	if got := Name(base); got != "task.go:42 close" {
		t.Errorf("Name(base) = %q, want %q", got, "task.go:42 close")
	}
	if got := Name(base + 2); got != "task.go:50:4 Lock" {
		t.Errorf("two Locks on one line: Name = %q, want the column in it", got)
	}
	other := Register("example.com/other", "task.go", "1:1 send")
	if got := Name(other); got != "other/task.go:1 send" {
		t.Errorf("same file name in another package: Name = %q, want it qualified", got)
	}
	if got := Name(base); got != "rt/task.go:42 close" {
		t.Errorf("after the clash: Name(base) = %q, want %q", got, "rt/task.go:42 close")
	}
	if id, ok := Lookup("rt/task.go:37 Unlock"); !ok || id != base+1 {
		t.Errorf("Lookup = %d, %v; want %d, true", id, ok, base+1)
	}
	if _, ok := Lookup("task.go:37 Unlock"); ok {
		t.Errorf("Lookup of a name made ambiguous by the second file found a site, want none")
	}
	if got := Name(other + 1); got != "" {
		t.Errorf("Name of an unregistered id = %q, want \"\"", got)
	}
	if n, s := Count(), Sites(); n != int(other)+1 || len(s) != n || s[base].Line != 42 || s[base].Op != "close" || s[base].File != "task.go" {
		t.Errorf("Count() = %d, Sites() = %v; want %d sites, the first task.go:42 close", n, s, other+1)
	}
}

// Set returns the hook it replaced, and Active holds the one installed.
func TestSet(t *testing.T) {
	if Active.Load() != nil {
		t.Fatal("a hook is installed before any Set")
	}
	var hits []uint32
	if old := Set(func(id uint32) { hits = append(hits, id) }); old != nil {
		t.Fatal("Set returned a hook before any was installed")
	}
	if h := Active.Load(); h == nil {
		t.Fatal("Active is nil after Set")
	} else {
		(*h)(3)
	}
	if old := Set(nil); old == nil {
		t.Fatal("Set(nil) returned nil, want the hook it removed")
	} else {
		old(4)
	}
	if Active.Load() != nil || len(hits) != 2 || hits[0] != 3 || hits[1] != 4 {
		t.Errorf("after Set(nil): Active = %v, hits %v; want nil, [3 4]", Active.Load(), hits)
	}
}

// Bubble is 0 outside a synctest bubble.
func TestBubbleOutside(t *testing.T) {
	if b := Bubble(); b != 0 || InBubble() {
		t.Errorf("Bubble() = %d outside any bubble, want 0", b)
	}
}

// Bubble is the bubble's id inside one, the same for its goroutines.
func TestBubbleInside(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := Bubble()
		if b == 0 || !InBubble() {
			t.Fatalf("Bubble() = %d inside a bubble, want its id", b)
		}
		got := make(chan int64)
		go func() { got <- Bubble() }()
		if g := <-got; g != b {
			t.Errorf("a goroutine of the bubble: Bubble() = %d, want %d", g, b)
		}
	})
}
