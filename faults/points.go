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
	hits []pointHits // guarded by mu; passes so far, by point name (few names: a slice beats a map)
}

type pointHits struct {
	name string
	n    int
}

// NewPoints returns an injector for faults; note, if not nil, hears every
// fault that fires.
func NewPoints(faults []PointFault, note Note) *Points {
	return &Points{faults: faults, note: note}
}

// Point records a pass through the fault point name and yields the
// processor as many times as the plan's matching faults say.
func (p *Points) Point(name string) {
	p.mu.Lock()
	hit := 0
	for i := range p.hits {
		if p.hits[i].name == name {
			p.hits[i].n++
			hit = p.hits[i].n
			break
		}
	}
	if hit == 0 {
		p.hits = append(p.hits, pointHits{name, 1})
		hit = 1
	}
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
	for _, h := range p.hits {
		names = append(names, h.name)
	}
	sort.Strings(names)
	return names
}
