package scenarios

import (
	"time"

	"pgregory.net/rapid"

	"github.com/reaptest/reaptest/faults"
)

// maxSleeps is the most sleeps one scenario draws: harness keeps each at
// most a quarter of the grace its bounds allow.
const maxSleeps = 3

// pointSleeps are the sleeps a fault at a point may draw, shortest first
// (rapid shrinks toward it); Shape.MaxSleep cuts the list.
var pointSleeps = []time.Duration{time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}

// sleepDraw draws, for a fault at one hit of a point where Shape.SleepAt
// allows it, whether the pass sleeps instead of yielding (three faults in
// four: two fair coins, both false for a yield, so shrinking goes toward
// the yield) and how long.
//
// A yield lets in only what can run at the same instant: a window with
// no blocking operation inside (a flag set under a lock, a signal, the
// flag cleared) holds no virtual time, so a delivery or a call due even a
// millisecond later never lands in it. A sleep there lets in whatever is
// due before it ends. Sleeps are drawn at one hit only, never at every
// hit of a point (a loop would add them up), and at most three a
// scenario, so a call is slowed by at most 3·MaxSleep, which the harness
// keeps inside the grace its bounds allow. Measured on containerd
// #10589's shape (harness BenchmarkWindowFindRate, 20,000 examples):
// sleeps of 1..10ms one fault in two found it in 0.165% of scenarios;
// 1..20ms, 0.205%; 1..20ms three in four, 0.28%.
type sleepDraw struct {
	at    map[string]bool
	sleep *rapid.Generator[bool]
	dur   *rapid.Generator[time.Duration]
}

func newSleepDraw(s Shape) *sleepDraw {
	var durs []time.Duration
	for _, d := range pointSleeps {
		if d <= s.MaxSleep {
			durs = append(durs, d)
		}
	}
	if s.SleepAt == nil || len(durs) == 0 {
		return nil
	}
	d := &sleepDraw{at: map[string]bool{}, sleep: rapid.Bool(), dur: rapid.SampledFrom(durs)}
	for _, p := range s.Points {
		if s.SleepAt(p) {
			d.at[p] = true
		}
	}
	if len(d.at) == 0 {
		return nil
	}
	return d
}

// draw makes f a sleep if its point allows one and the draw says so, and
// reports whether it did.
func (d *sleepDraw) draw(t *rapid.T, f *faults.PointFault) bool {
	if d == nil || f.Hit == 0 || !d.at[f.Name] {
		return false
	}
	if a, b := d.sleep.Draw(t, "point.sleep?"), d.sleep.Draw(t, "point.sleep?"); !a && !b {
		return false // a yield
	}
	f.Sleep = d.dur.Draw(t, "point.sleep")
	return true
}
