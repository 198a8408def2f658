package harness

import (
	"syscall"
	"testing"
	"time"

	"github.com/reaptest/reaptest/scenarios"
)

// judgeBenchHistory is a passing history of the size the harness draws:
// four clients, a duplicated exit, the teardown; Waits and a Delete that
// overlap the Reaps.
func judgeBenchHistory() []*callRecord {
	return []*callRecord{
		ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(5*msec, 8).exits(0).rec(),
		ctCall("client2", 1, scenarios.Kill).sig(syscall.SIGTERM).signalled(syscall.SIGTERM).began(0, 2).ended(0, 3).rec(),
		ctCall("client3", 1, scenarios.Delete).ctx(ctTimeout(time.Second)).began(msec, 4).ended(5*msec, 10).exits(0).rec(),
		ctCall("monitor", 1, scenarios.Reap).reaps(0).began(5*msec, 5).ended(5*msec, 7).rec(),
		ctCall("monitor", 2, scenarios.Reap).reaps(137).began(5*msec, 6).ended(5*msec, 9).rec(),
		ctCall("client4", 1, scenarios.Wait).ctx(ctCancel(2*msec)).began(2*msec, 11).ended(5*msec, 12).exits(0).rec(),
		ctCall("client2", 2, scenarios.Wait).began(6*msec, 13).ended(6*msec, 14).exits(0).rec(),
		ctCall("client1", 2, scenarios.Delete).began(7*msec, 15).ended(7*msec, 16).exits(0).rec(),
		ctCall("client4", 2, scenarios.Kill).sig(syscall.SIGKILL).began(8*msec, 17).ended(8*msec, 18).rec(),
		ctCall("teardown", 1, scenarios.Delete).teardown().ctx(ctTimeout(10*time.Second)).
			began(time.Second, 19).ended(time.Second, 20).exits(0).rec(),
	}
}

// BenchmarkJudge is the judge's cost for one scenario's verdict.
func BenchmarkJudge(b *testing.B) {
	cfg := newConfig(nil)
	calls := judgeBenchHistory()
	if vs := evaluate(cfg, calls, Pid, time.Minute); len(vs) > 0 {
		b.Fatalf("the history should pass: %v", vs)
	}
	b.ReportAllocs()
	for b.Loop() {
		evaluate(cfg, calls, Pid, time.Minute)
	}
}
