package sim

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/faults"
)

// Fails count passes per name, fail only the matching Hit (every pass for
// Hit 0) with an error wrapping faults.ErrInjected, note each failure, and stop
// failing once disarmed.
func TestFails(t *testing.T) {
	var notes []string
	f := NewFails([]faults.FailFault{{Name: "rm", Hit: 2}, {Name: "rpc", Hit: 0}}, func(who, what string) { notes = append(notes, what) })
	var got []string
	for _, name := range []string{"rm", "rm", "rm", "rpc", "rpc", "other"} {
		err := f.Fail(name)
		if err != nil && !errors.Is(err, faults.ErrInjected) {
			t.Errorf("Fail(%q) = %v: does not wrap faults.ErrInjected", name, err)
		}
		got = append(got, fmt.Sprintf("%s:%v", name, err != nil))
	}
	if want := "rm:false rm:true rm:false rpc:true rpc:true other:false"; strings.Join(got, " ") != want {
		t.Errorf("failures = %s, want %s", strings.Join(got, " "), want)
	}
	if err := f.Fail("rm"); err != nil {
		t.Errorf("pass 4 of rm failed: %v", err)
	}
	wantNotes := "fail rm #2: injected failure|fail rpc #1: injected failure|fail rpc #2: injected failure"
	if strings.Join(notes, "|") != wantNotes {
		t.Errorf("notes = %q, want %q", strings.Join(notes, "|"), wantNotes)
	}
	f.Disarm()
	if err := f.Fail("rpc"); err != nil {
		t.Errorf("Fail after Disarm = %v, want nil", err)
	}
	if got := strings.Join(f.Names(), ","); got != "other,rm,rpc" {
		t.Errorf("Names() = %s, want other,rm,rpc", got)
	}
	if err := NewFails(nil, nil).Fail("x"); err != nil {
		t.Errorf("Fail with no plan = %v", err)
	}
}
