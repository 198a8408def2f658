package sim

import (
	"reflect"
	"sync"
	"testing"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/harness/autopoint"
)

// Sites as an instrumented file of example.com/rt registers them.
var testSites = autopoint.Register("example.com/rt", "task.go", "10:2 Lock", "12:2 close", "20:3 Lock")

// Automatic hits count per site and fire at the planned hit, with the
// site's name in the note; hits at other sites do not count for it.
func TestPointsHit(t *testing.T) {
	var log noteLog
	p := NewPoints([]faults.PointFault{{Name: "task.go:20 Lock", Hit: 9, Yields: 2}, {Name: "task.go:12 close", Yields: 1}}, log.note)
	for range 12 {
		p.Hit(testSites + 2)
		p.Hit(testSites + 0)
	}
	p.Hit(testSites + 1)
	want := []string{": point task.go:20 Lock #9: yield 2", ": point task.go:12 close #1: yield 1"}
	if got := log.all(); !reflect.DeepEqual(got, want) {
		t.Errorf("notes = %q, want %q", got, want)
	}
	if got, want := p.Names(), []string{"task.go:10 Lock", "task.go:12 close", "task.go:20 Lock"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	// An id no site has is ignored, not a crash.
	p.Hit(1 << 30)
}

// Hand-placed and automatic points mix: each counts its own hits, a
// fault names either.
func TestPointsMixed(t *testing.T) {
	var log noteLog
	p := NewPoints([]faults.PointFault{{Name: "reap:checked", Hit: 2, Yields: 1}, {Name: "task.go:10 Lock", Hit: 2, Yields: 3}}, log.note)
	p.Point("reap:checked")
	p.Hit(testSites)
	p.Hit(testSites)
	p.Point("reap:checked")
	want := []string{": point task.go:10 Lock #2: yield 3", ": point reap:checked #2: yield 1"}
	if got := log.all(); !reflect.DeepEqual(got, want) {
		t.Errorf("notes = %q, want %q", got, want)
	}
}

// Concurrent automatic hits are each counted once.
func TestPointsHitConcurrent(t *testing.T) {
	var log noteLog
	p := NewPoints([]faults.PointFault{{Name: "task.go:12 close", Hit: 50, Yields: 1}}, log.note)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { p.Hit(testSites + 1) })
	}
	wg.Wait()
	if got, want := log.all(), []string{": point task.go:12 close #50: yield 1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("notes = %q, want %q", got, want)
	}
}

// A census keeps, per point, the most hits in one scenario, and which
// points a planned fault fired at: one reached at the fault's hit, or at
// any hit for every hit; not one reached fewer times than the fault's hit.
func TestCensus(t *testing.T) {
	var c Census
	a := NewPoints([]faults.PointFault{{Name: "task.go:20 Lock", Hit: 0, Yields: 1}, {Name: "x", Hit: 2, Yields: 1}}, nil)
	a.Point("x")
	a.Hit(testSites + 2)
	b := NewPoints([]faults.PointFault{{Name: "x", Hit: 2, Yields: 1}, {Name: "a", Hit: 3, Yields: 1}, {Name: "never", Hit: 1, Yields: 1}}, nil)
	for range 9 {
		b.Hit(testSites + 2)
	}
	b.Point("x")
	b.Point("x")
	b.Point("a")
	c.Add(a)
	c.Add(b)
	c.Add(nil)
	want := []PointHits{{Name: "a", Hits: 1}, {Name: "x", Hits: 2, Faulted: true}, {Name: "task.go:20 Lock", Hits: 9, Auto: true, ID: testSites + 2, Faulted: true}}
	if got := c.Points(); !reflect.DeepEqual(got, want) {
		t.Errorf("Points() = %+v, want %+v", got, want)
	}
	if c.Scenarios != 3 {
		t.Errorf("Scenarios = %d, want 3", c.Scenarios)
	}
}

// A hit with no fault planned: the hot path of every synchronization
// operation of instrumented code (issue 11: at most 0.2µs).
func BenchmarkPointsHit(b *testing.B) {
	for _, bc := range []struct {
		name   string
		faults []faults.PointFault
	}{
		{"none planned", nil},
		{"planned elsewhere", []faults.PointFault{{Name: "task.go:12 close", Hit: 1, Yields: 16}}},
		{"planned here, other hit", []faults.PointFault{{Name: "task.go:10 Lock", Hit: 1 << 30, Yields: 16}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := NewPoints(bc.faults, nil)
			for b.Loop() {
				p.Hit(testSites)
			}
		})
	}
}

// pointNotes runs the calls through Points and returns the notes made.
func pointNotes(planned []faults.PointFault, calls ...string) ([]string, *Points) {
	var log noteLog
	p := NewPoints(planned, log.note)
	for _, name := range calls {
		p.Point(name)
	}
	return log.all(), p
}

// Points count passes per name and fire only on the matching Hit; Hit 0
// matches every pass, and faults on the same pass add up.
func TestPoints(t *testing.T) {
	tests := []struct {
		name   string
		faults []faults.PointFault
		calls  []string
		want   []string
	}{
		{
			// No faults, no notes.
			name:  "no faults",
			calls: []string{"a", "a"},
		},
		{
			// Hit 2 fires on the second pass only.
			name:   "hit 2",
			faults: []faults.PointFault{{Name: "a", Hit: 2, Yields: 3}},
			calls:  []string{"a", "a", "a"},
			want:   []string{": point a #2: yield 3"},
		},
		{
			// Hits are counted per name: passes of b do not count for a.
			name:   "per name",
			faults: []faults.PointFault{{Name: "a", Hit: 2, Yields: 1}},
			calls:  []string{"b", "a", "b", "b", "a"},
			want:   []string{": point a #2: yield 1"},
		},
		{
			// Hit 0 fires on every pass.
			name:   "hit 0",
			faults: []faults.PointFault{{Name: "a", Hit: 0, Yields: 4}},
			calls:  []string{"a", "b", "a"},
			want:   []string{": point a #1: yield 4", ": point a #2: yield 4"},
		},
		{
			// Faults matching one pass add their yields.
			name:   "sum",
			faults: []faults.PointFault{{Name: "a", Hit: 0, Yields: 1}, {Name: "a", Hit: 1, Yields: 16}},
			calls:  []string{"a", "a"},
			want:   []string{": point a #1: yield 17", ": point a #2: yield 1"},
		},
		{
			// A Hit beyond the passes never fires.
			name:   "hit not reached",
			faults: []faults.PointFault{{Name: "a", Hit: 3, Yields: 1}},
			calls:  []string{"a", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := pointNotes(tt.faults, tt.calls...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("notes = %q, want %q", got, tt.want)
			}
		})
	}
}

// Names lists every point passed, fired or not, sorted and once each.
func TestPointsNames(t *testing.T) {
	_, p := pointNotes([]faults.PointFault{{Name: "m", Hit: 1, Yields: 1}}, "z", "m", "a", "z", "m")
	if got, want := p.Names(), []string{"a", "m", "z"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	if got := NewPoints(nil, nil).Names(); len(got) != 0 {
		t.Errorf("Names() with no passes = %q, want none", got)
	}
}

// A nil note is allowed; the fault still yields.
func TestPointsNilNote(t *testing.T) {
	p := NewPoints([]faults.PointFault{{Name: "a", Hit: 0, Yields: 2}}, nil)
	p.Point("a")
	if got := p.Names(); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("Names() = %q, want [a]", got)
	}
}

// Concurrent passes are each counted once: the Hit-th fires exactly once.
func TestPointsConcurrent(t *testing.T) {
	var log noteLog
	p := NewPoints([]faults.PointFault{{Name: "x", Hit: 50, Yields: 1}}, log.note)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { p.Point("x") })
	}
	wg.Wait()
	if got, want := log.all(), []string{": point x #50: yield 1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("notes = %q, want %q", got, want)
	}
}
