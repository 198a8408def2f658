package suites

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/scenarios"
)

// A progress record decodes to the scenario it was made from: every
// generated and named scenario, with points, fail points and kills.
func TestProgressRecordRoundTrip(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, sc scenarios.Scenario) {
		rec := appendRecord(nil, sc)
		if n := int(binary.BigEndian.Uint16(rec)); n != len(rec)-2 {
			t.Fatalf("the record says it holds %d bytes, it holds %d", n, len(rec)-2)
		}
		got, err := decodeRecord(rec[2:])
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
	if _, err := decodeRecord([]byte{1, 2, 3}); err == nil {
		t.Error("a malformed record decoded")
	}
	// A scenario too large to record is an empty record: counted, never
	// decoded as another.
	huge := scenarios.Named()[0].Scenario
	huge.Points = []faults.PointFault{{Name: strings.Repeat("x", 0x10000), Hit: 1, Yields: 1}}
	if rec := appendRecord(nil, huge); len(rec) != 2 || rec[0] != 0 || rec[1] != 0 {
		t.Errorf("a record of a scenario over 64 KiB is % x..., want an empty record", rec[:min(len(rec), 8)])
	}
	if _, err := decodeRecord(nil); err == nil {
		t.Error("an empty record decoded")
	}
}

// The progress file keeps the last records and their count, mapped or
// written with pwrite, across the ring's wrap-around; the parent reads
// them back from the file, as it does once the child is dead. A record
// being written when the child died (its slot changed, the count not yet
// raised) is not read, and the ones before it still are.
func TestProgressRing(t *testing.T) {
	var scs []scenarios.Scenario
	shape := scenarios.Shape{MaxActors: 4, MaxCalls: 3, Kill: true, Points: []string{"reap:checked"}}
	rapid.Check(t, func(t *rapid.T) { scs = append(scs, scenarios.Gen(shape).Draw(t, "scenario")) })
	for _, mapped := range []bool{true, false} {
		t.Run(fmt.Sprintf("mapped=%v", mapped), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "progress")
			ring, err := createRing(path)
			if err != nil {
				t.Fatal(err)
			}
			defer ring.f.Close()
			if mapped && ring.mem == nil {
				t.Fatal("the progress file was not mapped")
			}
			if !mapped {
				ring.mem = nil
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if m := readMark(f); m != (progressMark{}) {
				t.Fatalf("a new progress file reads %+v, want no record and no heartbeat", m)
			}
			for n := range 2*ringSlots + 3 {
				ring.add(appendRecord(nil, scs[n]))
				m := readMark(f)
				if m.count != uint64(n+1) {
					t.Fatalf("after %d records the header counts %d", n+1, m.count)
				}
				want := scs[max(0, n+1-lastKept) : n+1]
				recs := lastRecords(f, m.count, lastKept)
				if len(recs) != len(want) {
					t.Fatalf("after %d records, %d read back, want %d", n+1, len(recs), len(want))
				}
				for i, rec := range recs {
					if got, err := decodeRecord(rec); err != nil || got.String() != want[i].String() {
						t.Fatalf("after %d records, record %d read back as %v:\n%s\nwant\n%s", n+1, i, err, got, want[i])
					}
				}
			}
			ring.beat()
			ring.beat()
			if m := readMark(f); m.beats != 2 {
				t.Errorf("after 2 heartbeats the header says %d", m.beats)
			}
			// The child dies while it writes the next record: the slot is
			// half new, the count old.
			count := readMark(f).count
			off := ringHeader + int64(count%ringSlots)*ringSlot
			if _, err := ring.f.WriteAt([]byte{0xff, 0xff, 1, 2, 3}, off); err != nil {
				t.Fatal(err)
			}
			recs := lastRecords(f, readMark(f).count, lastKept)
			if len(recs) != lastKept {
				t.Fatalf("%d records read back after a write cut short, want %d", len(recs), lastKept)
			}
			if got, err := decodeRecord(recs[lastKept-1]); err != nil || got.String() != scs[count-1].String() {
				t.Errorf("the last record read back after a write cut short is %v:\n%s\nwant\n%s", err, got, scs[count-1])
			}
		})
	}
}

// The record covers every field of a scenario: a field added to
// scenarios.Scenario (or faults.Plan) must be added to appendRecord and
// decodeRecord, and here.
func TestProgressRecordCoversEveryField(t *testing.T) {
	covered := []string{"Plan", "Plan.Exit", "Plan.Exit.After", "Plan.Exit.Status", "Plan.Signal", "Plan.Signal.IgnoreTerm",
		"Plan.Signal.ExitAfter", "Plan.Deliveries", "Plan.Deliveries.After", "Plan.Deliveries.Status", "Plan.Points",
		"Plan.Points.Name", "Plan.Points.Hit", "Plan.Points.Yields", "Plan.Points.Sleep", "Plan.Fails", "Plan.Fails.Name", "Plan.Fails.Hit",
		"Actors", "Actors.Calls", "Actors.Calls.Op", "Actors.Calls.Delay", "Actors.Calls.Ctx", "Actors.Calls.Ctx.Kind",
		"Actors.Calls.Ctx.After", "Actors.Calls.Signal", "Procs", "First", "First.Reap", "First.N", "ChildFirst", "ChildFirst.Name", "ChildFirst.Hit"}
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
// it in its progress file: the compact record copied into the mapped ring
// ("mapped", what a child does), the same written with pwrite ("pwrite",
// where the file cannot be mapped), and beside them what the ring
// replaced: the record appended with one write per scenario ("append"),
// and the scenario's text appended ("text").
func BenchmarkProgressRecord(b *testing.B) {
	var scs []scenarios.Scenario
	shape := scenarios.Shape{MaxActors: 4, MaxCalls: 3, Kill: true, Points: []string{"reap:checked"}}
	rapid.Check(b, func(t *rapid.T) { scs = append(scs, scenarios.Gen(shape).Draw(t, "scenario")) })
	for _, mapped := range []bool{true, false} {
		name := map[bool]string{true: "mapped", false: "pwrite"}[mapped]
		b.Run(name, func(b *testing.B) {
			ring, err := createRing(filepath.Join(b.TempDir(), "progress"))
			if err != nil {
				b.Fatal(err)
			}
			defer ring.f.Close()
			if mapped && ring.mem == nil {
				b.Fatal("the progress file was not mapped")
			}
			if !mapped {
				ring.mem = nil
			}
			var buf []byte
			for i := 0; i < b.N; i++ {
				buf = appendRecord(buf[:0], scs[i%len(scs)])
				ring.add(buf)
			}
		})
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "progress"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.Run("append", func(b *testing.B) {
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

// The journal gives the parent the check the child began last and what
// it found for each it finished; an entry the child's death cut short is
// dropped, the ones before it kept.
func TestJournal(t *testing.T) {
	result := func(name string, pass bool) []byte {
		data, err := json.Marshal(childResult{Name: name, Pass: pass, Ran: 7})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	data := appendEntry(nil, journalBegin, []byte("TestX/lost-exit"))
	data = appendEntry(data, journalResult, result("TestX/lost-exit", true))
	data = appendEntry(data, journalBegin, []byte("TestX/explore"))
	whole := appendEntry(data, journalResult, result("TestX/explore", false))
	for _, tc := range []struct {
		name    string
		data    []byte
		results []string
	}{
		{"whole", whole, []string{"TestX/lost-exit", "TestX/explore"}},
		{"last entry cut short", whole[:len(whole)-3], []string{"TestX/lost-exit"}},
		{"last length cut short", whole[:len(data)+2], []string{"TestX/lost-exit"}},
	} {
		path := filepath.Join(t.TempDir(), "journal")
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		current, results := readJournal(path)
		if current != "TestX/explore" {
			t.Errorf("%s: the check begun last reads %q, want TestX/explore", tc.name, current)
		}
		var got []string
		for name, r := range results {
			if r.Name != name || r.Ran != 7 || r.Pass != (name == "TestX/lost-exit") {
				t.Errorf("%s: result %q reads %+v", tc.name, name, r)
			}
			got = append(got, name)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.results))
		if !slices.Equal(got, want) {
			t.Errorf("%s: results for %v, want %v", tc.name, got, want)
		}
	}
	if current, results := readJournal(filepath.Join(t.TempDir(), "none")); current != "" || len(results) != 0 {
		t.Errorf("a child that wrote no journal reads as %q, %v", current, results)
	}
}
