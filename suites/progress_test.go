package suites

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/reaptest/reaptest/scenarios"
)

// A progress record decodes to the scenario it was made from: every
// generated and named scenario, with points, fail points and kills.
func TestProgressRecordRoundTrip(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, sc scenarios.Scenario) {
		recs := records(appendRecord(nil, sc))
		if len(recs) != 1 {
			t.Fatalf("%d records, want 1", len(recs))
		}
		got, err := decodeRecord(recs[0])
		if err != nil || got.String() != sc.String() {
			t.Fatalf("decoded %v:\n%s\nwant\n%s", err, got, sc)
		}
	}
	for _, n := range scenarios.Named() {
		check(t, n.Scenario)
	}
	shape := scenarios.Shape{MaxActors: 4, MaxCalls: 3, Kill: true,
		Points: []string{"reap:checked", "task.go:42 close"}, Hits: []int{3, 9}, Fails: []string{"rm"}}
	rapid.Check(t, func(t *rapid.T) {
		sc := scenarios.Gen(shape).Draw(t, "scenario")
		sc.Procs = rapid.IntRange(0, 4).Draw(t, "procs")
		check(t, sc)
	})
	// A record cut short is dropped, not misread.
	two := appendRecord(appendRecord(nil, scenarios.Named()[0].Scenario), scenarios.Named()[1].Scenario)
	if n := len(records(two[:len(two)-1])); n != 1 {
		t.Errorf("%d records from a file whose last record is cut short, want 1", n)
	}
	if _, err := decodeRecord([]byte{1, 2, 3}); err == nil {
		t.Error("a malformed record decoded")
	}
}

// The record covers every field of a scenario: a field added to
// scenarios.Scenario (or faults.Plan) must be added to appendRecord and
// decodeRecord, and here.
func TestProgressRecordCoversEveryField(t *testing.T) {
	covered := []string{"Plan", "Plan.Exit", "Plan.Exit.After", "Plan.Exit.Status", "Plan.Signal", "Plan.Signal.IgnoreTerm",
		"Plan.Signal.ExitAfter", "Plan.Deliveries", "Plan.Deliveries.After", "Plan.Deliveries.Status", "Plan.Points",
		"Plan.Points.Name", "Plan.Points.Hit", "Plan.Points.Yields", "Plan.Fails", "Plan.Fails.Name", "Plan.Fails.Hit",
		"Actors", "Actors.Calls", "Actors.Calls.Op", "Actors.Calls.Delay", "Actors.Calls.Ctx", "Actors.Calls.Ctx.Kind",
		"Actors.Calls.Ctx.After", "Actors.Calls.Signal", "Procs"}
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := strings.TrimPrefix(prefix+"."+f.Name, ".")
			if !slices.Contains(covered, name) {
				t.Errorf("the progress record does not cover %s", name)
			}
			walk(name, f.Type)
		}
	}
	walk("", reflect.TypeOf(scenarios.Scenario{}))
}

// BenchmarkProgressRecord measures what a child pays per scenario to record
// it in its progress file: the compact record and its write ("binary"),
// beside the scenario's text and its write, which it replaced ("text").
func BenchmarkProgressRecord(b *testing.B) {
	var scs []scenarios.Scenario
	shape := scenarios.Shape{MaxActors: 4, MaxCalls: 3, Kill: true, Points: []string{"reap:checked"}}
	rapid.Check(b, func(t *rapid.T) { scs = append(scs, scenarios.Gen(shape).Draw(t, "scenario")) })
	f, err := os.Create(filepath.Join(b.TempDir(), "progress"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.Run("binary", func(b *testing.B) {
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf = appendRecord(buf[:0], scs[i%len(scs)])
			_, _ = f.Write(buf)
		}
	})
	b.Run("text", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = f.WriteString(scs[i%len(scs)].String() + "\x1e\n")
		}
	})
}
