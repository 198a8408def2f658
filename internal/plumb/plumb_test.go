package plumb_test

import (
	"strings"
	"testing"

	"github.com/reaptest/reaptest/internal/plumb"
)

// panicOf returns what f panics with, as a string, or "" if it returns.
func panicOf(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
			if msg == "" {
				msg = "non-string panic"
			}
		}
	}()
	f()
	return ""
}

type option struct{ name string }

// TestGet checks, in order (the handed-over value is process-wide and
// nothing in this test binary sets it first): Get before Set says harness
// did not hand anything over; after Set, Get with the same types returns
// the functions handed over; Get with other types names both.
func TestGet(t *testing.T) {
	if msg := panicOf(func() { plumb.Get[option, int, error]() }); !strings.Contains(msg, "has not called plumb.Set") {
		t.Fatalf("Get before Set panicked with %q, want it to say plumb.Set was not called", msg)
	}
	plumb.Set(plumb.Harness[option, int, error]{
		Heartbeat:     func(func()) option { return option{"beat"} },
		ReplayCommand: func(cmd, path string) string { return path + " " + cmd },
	})
	h := plumb.Get[option, int, error]()
	if got := h.Heartbeat(nil); got.name != "beat" {
		t.Errorf("Get().Heartbeat(nil) = %v, want the function Set was given (option{beat})", got)
	}
	if got := h.ReplayCommand("go test", "f"); got != "f go test" {
		t.Errorf("Get().ReplayCommand = %q, want %q", got, "f go test")
	}
	msg := panicOf(func() { plumb.Get[option, string, error]() })
	if !strings.Contains(msg, "plumb.Harness[github.com/reaptest/reaptest/internal/plumb_test.option,int,error]") ||
		!strings.Contains(msg, "plumb.Harness[github.com/reaptest/reaptest/internal/plumb_test.option,string,error]") {
		t.Errorf("Get with other types panicked with %q, want both types named", msg)
	}
}
