package sim

import (
	"fmt"
	"sort"
	"sync"

	"github.com/reaptest/reaptest/faults"
)

// Fails injects the failures of a plan at fail points. Its Fail method is
// what the harness hands an implementation as harness.Env.Fail.
type Fails struct {
	faults []faults.FailFault
	note   Note

	mu       sync.Mutex
	hits     []pointHits // guarded by mu; passes so far, by fail point name
	disarmed bool        // guarded by mu; no failure is injected any more
}

// NewFails returns an injector for the planned failures; note, if not nil, hears every
// failure it injects.
func NewFails(planned []faults.FailFault, note Note) *Fails {
	return &Fails{faults: planned, note: note}
}

// Fail records a pass through the fail point name and returns an error
// wrapping [faults.ErrInjected] if the plan fails this pass, or nil.
func (f *Fails) Fail(name string) error {
	f.mu.Lock()
	hit := countHit(&f.hits, name)
	disarmed := f.disarmed
	f.mu.Unlock()
	if disarmed {
		return nil
	}
	for _, ff := range f.faults {
		if ff.Name == name && (ff.Hit == 0 || ff.Hit == hit) {
			if f.note != nil {
				f.note("", fmt.Sprintf("fail %s #%d: injected failure", name, hit))
			}
			return fmt.Errorf("fail point %s, pass %d: %w", name, hit, faults.ErrInjected)
		}
	}
	return nil
}

// Disarm stops injecting failures: every later Fail returns nil. The
// harness disarms at teardown, where the fault has cleared and a Delete
// must be able to succeed.
func (f *Fails) Disarm() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.disarmed = true
}

// Names returns the names of the fail points passed so far, sorted.
func (f *Fails) Names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	names := make([]string, 0, len(f.hits))
	for _, h := range f.hits {
		names = append(names, h.name)
	}
	sort.Strings(names)
	return names
}
