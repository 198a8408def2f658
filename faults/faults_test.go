package faults

import (
	"fmt"
	"testing"
	"time"
)

// Ctx.Done and Ctx.String for each kind.
func TestCtx(t *testing.T) {
	tests := []struct {
		ctx  Ctx
		done time.Duration
		str  string
	}{
		{Ctx{Kind: Background}, Never, "background"},                                              // never ends
		{Ctx{Kind: Timeout, After: 10 * time.Millisecond}, 10 * time.Millisecond, "timeout:10ms"}, // ends at its deadline
		{Ctx{Kind: CancelAfter, After: 5 * time.Millisecond}, 5 * time.Millisecond, "cancel:5ms"}, // ends when cancelled
		{Ctx{Kind: Cancelled}, 0, "cancelled"},                                                    // ended before the call
		{Ctx{}, Never, "background"},                                                              // the zero Ctx is background
	}
	for _, tt := range tests {
		if got := tt.ctx.Done(); got != tt.done {
			t.Errorf("%+v.Done() = %v, want %v", tt.ctx, got, tt.done)
		}
		if got := tt.ctx.String(); got != tt.str {
			t.Errorf("%+v.String() = %q, want %q", tt.ctx, got, tt.str)
		}
	}
}

// Plan.String in scenario notation.
func TestPlanString(t *testing.T) {
	tests := []struct {
		name string
		plan Plan
		want string
		lost bool
	}{
		{
			// A lost exit: no deliveries, said as "monitor lost".
			name: "lost",
			plan: Plan{Exit: ExitPlan{After: Never, Status: 0}, Signal: SignalPlan{IgnoreTerm: true}},
			want: "process exit=never status=0 sigterm=ignore\nmonitor lost\n",
			lost: true,
		},
		{
			// Deliveries, real and synthetic 137, and point faults.
			name: "deliveries",
			plan: Plan{
				Exit:       ExitPlan{After: time.Millisecond, Status: 1},
				Signal:     SignalPlan{ExitAfter: 10 * time.Millisecond},
				Deliveries: []Delivery{{After: 0, Status: StatusReal}, {After: 5 * time.Millisecond, Status: 137}},
				Points:     []PointFault{{Name: "wait.locked", Hit: 0, Yields: 4}, {Name: "reap.close", Hit: 2, Yields: 1}},
			},
			want: "process exit=1ms status=1 sigterm=exit:10ms\n" +
				"monitor reap after=0 status=real\n" +
				"monitor reap after=5ms status=137\n" +
				"point wait.locked hit=* yield=4\n" +
				"point reap.close hit=2 yield=1\n",
		},
		{
			// Injected failures, one line each, after the points.
			name: "fails",
			plan: Plan{
				Exit:       ExitPlan{After: 0},
				Deliveries: []Delivery{{Status: StatusReal}},
				Fails:      []FailFault{{Name: "delete:remove", Hit: 1}, {Name: "shim rpc", Hit: 0}},
			},
			want: "process exit=0 status=0 sigterm=exit:0\n" +
				"monitor reap after=0 status=real\n" +
				"fail delete:remove hit=1\n" +
				"fail \"shim rpc\" hit=*\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.plan.String(); got != tt.want {
				t.Errorf("String() =\n%s\nwant\n%s", got, tt.want)
			}
			if got := tt.plan.Lost(); got != tt.lost {
				t.Errorf("Lost() = %v, want %v", got, tt.lost)
			}
		})
	}
}

// Example of a plan in scenario notation.
func ExamplePlan_String() {
	p := Plan{
		Exit:       ExitPlan{After: 3 * time.Millisecond, Status: 0},
		Deliveries: []Delivery{{Status: StatusReal}, {Status: 137}},
	}
	fmt.Print(p)
	// Output:
	// process exit=3ms status=0 sigterm=exit:0
	// monitor reap after=0 status=real
	// monitor reap after=0 status=137
}
