package harness_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// Calls and deliveries the scenario starts at the same virtual instant
// begin in one order, run after run: synctest wakes a bubble's timers due
// at the same instant in a random order, so the harness orders its own
// wake-ups itself (clients in order, after the deliveries), and a saved
// scenario replays the way it failed. Each is released once the one
// before it has begun, so the order holds on more processors too.
func TestSameInstantOrder(t *testing.T) {
	for _, procs := range []int{1, 4} {
		t.Run(fmt.Sprintf("procs=%d", procs), func(t *testing.T) { sameInstantOrder(t, procs) })
	}
}

func sameInstantOrder(t *testing.T, procs int) {
	sc, err := scenarios.Parse(`process exit=0 status=0
monitor reap after=5ms status=real
monitor reap after=5ms status=137
client1: wait ctx=background after=5ms
client2: wait ctx=background after=5ms
client3: delete ctx=background after=5ms
`)
	if err != nil {
		t.Fatal(err)
	}
	orders := map[string]int{}
	for range 100 {
		res := harness.Run(bubble(t), catalog.NewReference, sc, harness.Procs(procs))
		var begun []string
		for _, e := range res.Timeline {
			if e.Mark == harness.MarkBegins && e.Who != "teardown" {
				begun = append(begun, e.Call)
			}
		}
		orders[strings.Join(begun, ", ")]++
	}
	if len(orders) != 1 {
		t.Errorf("the calls began in %d orders over 100 runs, want 1: %v", len(orders), orders)
	}
	for o := range orders {
		if want := "monitor Reap#1, monitor Reap#2, client1 Wait#1, client2 Wait#1, client3 Delete#1"; o != want {
			t.Errorf("order %q, want %q", o, want)
		}
	}
}
