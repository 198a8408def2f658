package faults

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
)

// Points injects the delays of a plan at fault points. Its Point method is
// what the harness hands an implementation as harness.Env.Point.
type Points struct {
	faults []PointFault
	note   Note

	mu   sync.Mutex
	hits map[string]int // guarded by mu; passes so far, by point name
}

// NewPoints returns an injector for faults; note, if not nil, hears every
// fault that fires.
func NewPoints(faults []PointFault, note Note) *Points {
	return &Points{faults: faults, note: note, hits: make(map[string]int)}
}

// Point records a pass through the fault point name and yields the
// processor as many times as the plan's matching faults say.
func (p *Points) Point(name string) {
	p.mu.Lock()
	p.hits[name]++
	hit := p.hits[name]
	p.mu.Unlock()
	yields := 0
	for _, f := range p.faults {
		if f.Name == name && (f.Hit == 0 || f.Hit == hit) {
			yields += f.Yields
		}
	}
	if yields == 0 {
		return
	}
	if p.note != nil {
		p.note("", fmt.Sprintf("point %s #%d: yield %d", name, hit, yields))
	}
	for range yields {
		runtime.Gosched()
	}
}

// Names returns the names of the fault points passed so far, sorted.
func (p *Points) Names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, 0, len(p.hits))
	for n := range p.hits {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
