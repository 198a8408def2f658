package suites

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// FuzzReference is the fuzz target of the catalog's reference: under
// plain go test its seeds run as regression tests, each in the isolated
// child with automatic fault points, and pass.
func FuzzReference(f *testing.F) { FuzzTask(f, catalog.NewReference) }

// doubleClose is check-then-act's double close, as the fuzz target found
// it: two deliveries, a yield between Reap's check and its close.
const doubleClose = `schedule procs=1
process exit=50ms status=0 sigterm=exit:0
monitor reap after=200ms status=real
monitor reap after=200ms status=real
point reap:checked hit=1 yield=16
`

// A failing input becomes a normal report: minimized, saved to the fuzz
// target's corpus, with the command that replays the file; a later input
// failing the same way gets that report and a note with its own
// scenario, and saves nothing.
func TestFuzzFailureReport(t *testing.T) {
	dir := t.TempDir()
	fz := &fuzzer{name: "FuzzX", newTask: catalog.NewCheckThenAct, opts: []harness.Option{harness.Isolate(false)},
		corpus: filepath.Join(dir, "FuzzX"), repro: "go test ./x -run '^FuzzX$'"}
	sc, err := scenarios.Parse(doubleClose)
	if err != nil {
		t.Fatal(err)
	}
	f := fz.run(t, sc, "")
	if f == nil {
		t.Fatal("check-then-act's double close passed")
	}
	if p := f.Primary(); p.Class != harness.ClassPanic || p.Clause != harness.ClauseNoPanic {
		t.Errorf("got %s [%s], want panic [no-panic]", p.Class, p.Clause)
	}
	if f.File == "" || !strings.HasPrefix(f.File, fz.corpus+string(filepath.Separator)) {
		t.Fatalf("saved to %q, want a file in %s", f.File, fz.corpus)
	}
	if want := "REAPTEST_REPLAY=" + f.File + " go test ./x -run '^FuzzX$'"; f.Command != want || !strings.Contains(f.Error(), want) {
		t.Errorf("command %q, want %q in the report", f.Command, want)
	}
	other := sc
	other.Actors = []scenarios.Actor{{Calls: []scenarios.Call{{Op: scenarios.Wait}}}}
	g := fz.run(t, other, "")
	if g == nil || !strings.Contains(g.Error(), "note: this input's scenario failed the same way (panic/no-panic)") || !strings.Contains(g.Error(), "client1: wait") {
		t.Fatalf("a second input failing alike: %v", g)
	}
	files, _ := filepath.Glob(filepath.Join(fz.corpus, "*.scenario"))
	if len(files) != 1 {
		t.Errorf("%d files in the corpus after two inputs failing alike, want 1: %v", len(files), files)
	}
}

// decode: a scenario file's text is that scenario; other bytes are
// rapid's draws, padded with zeros, so a short input decodes too.
func TestFuzzDecode(t *testing.T) {
	shape := scenarios.Shape{Points: []string{"reap:checked"}, Hits: []int{1}}
	file := "# reaptest counterexample: ...\n" + doubleClose
	sc, what := decode(t, shape, []byte(file))
	if what == "" || sc.String() != doubleClose {
		t.Errorf("a scenario file's text decoded to %q (%q), want:\n%s", sc.String(), what, doubleClose)
	}
	empty, _ := decode(t, shape, nil)
	zeros, _ := decode(t, shape, make([]byte, 64))
	if empty.String() != zeros.String() {
		t.Errorf("an empty input and zeros decoded to different scenarios:\n%s\n%s", empty, zeros)
	}
	a, _ := decode(t, shape, fuzzSeed(1))
	b, _ := decode(t, shape, fuzzSeed(2))
	if a.String() == b.String() {
		t.Errorf("two seeds decoded to the same scenario:\n%s", a)
	}
}
