package sim

import (
	"sync/atomic"

	"github.com/reaptest/reaptest/internal/hook"
)

// Fired calls f with the name of every planned fault that fired so far:
// its point was passed at its hit (at least once for a fault at every
// hit). A point with two faults that fired is named twice.
func (p *Points) Fired(f func(name string)) {
	for _, a := range p.autoFs {
		if n := atomic.LoadUint32(&p.auto[a.id]); n > 0 && n >= a.hit {
			f(hook.Name(a.id))
		}
	}
	if len(p.hand) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.hand {
		for _, passed := range p.hits {
			if passed.name == h.Name && passed.n > 0 && passed.n >= h.Hit {
				f(h.Name)
			}
		}
	}
}
