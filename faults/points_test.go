package faults

import (
	"reflect"
	"sync"
	"testing"

	"github.com/reaptest/reaptest/harness/autopoint"
)

// Sites as an instrumented file of example.com/rt registers them.
var testSites = autopoint.Register("example.com/rt", "task.go", "10:2 Lock", "12:2 close", "20:3 Lock")

// Automatic hits count per site and fire at the planned hit, with the
// site's name in the note; hits at other sites do not count for it.
func TestPointsHit(t *testing.T) {
	var log noteLog
	p := NewPoints([]PointFault{{Name: "task.go:20 Lock", Hit: 9, Yields: 2}, {Name: "task.go:12 close", Yields: 1}}, log.note)
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
	p := NewPoints([]PointFault{{Name: "reap:checked", Hit: 2, Yields: 1}, {Name: "task.go:10 Lock", Hit: 2, Yields: 3}}, log.note)
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
	p := NewPoints([]PointFault{{Name: "task.go:12 close", Hit: 50, Yields: 1}}, log.note)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { p.Hit(testSites + 1) })
	}
	wg.Wait()
	if got, want := log.all(), []string{": point task.go:12 close #50: yield 1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("notes = %q, want %q", got, want)
	}
}

// A census keeps, per point, the most hits in one scenario.
func TestCensus(t *testing.T) {
	var c Census
	a := NewPoints(nil, nil)
	a.Point("x")
	a.Hit(testSites + 2)
	b := NewPoints(nil, nil)
	for range 9 {
		b.Hit(testSites + 2)
	}
	b.Point("x")
	b.Point("x")
	b.Point("a")
	c.Add(a)
	c.Add(b)
	c.Add(nil)
	want := []PointHits{{Name: "a", Hits: 1}, {Name: "x", Hits: 2}, {Name: "task.go:20 Lock", Hits: 9, Auto: true, ID: testSites + 2}}
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
		faults []PointFault
	}{
		{"none planned", nil},
		{"planned elsewhere", []PointFault{{Name: "task.go:12 close", Hit: 1, Yields: 16}}},
		{"planned here, other hit", []PointFault{{Name: "task.go:10 Lock", Hit: 1 << 30, Yields: 16}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := NewPoints(bc.faults, nil)
			for b.Loop() {
				p.Hit(testSites)
			}
		})
	}
}
