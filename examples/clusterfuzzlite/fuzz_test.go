package exitfuzz

import (
	"strings"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites"
	"github.com/reaptest/reaptest/suites/catalog"
)

// FuzzReference is the go test fuzz target of the same check: in
// process (Isolate(false)), as the libFuzzer binary runs it, so that an
// input decodes to the same scenario here and there, and its seeds are
// every scenario file LibFuzzReference saved under
// testdata/reaptest/FuzzReference/.
//
//	go test -run '^FuzzReference$' -fuzz '^FuzzReference$' -fuzztime 60s .
func FuzzReference(f *testing.F) {
	suites.FuzzTask(f, catalog.NewReference, harness.Isolate(false))
}

// The libFuzzer entry point takes any bytes, and a correct task passes:
// no panic, 0.
func TestLibFuzzReference(t *testing.T) {
	inputs := [][]byte{nil, make([]byte, 64), []byte("an input of a few bytes"), []byte(strings.Repeat("\xff\x01", 300)),
		[]byte("schedule procs=1\nprocess exit=0 status=0 sigterm=exit:0\nmonitor reap after=0 status=real\nclient1: wait ctx=background\n")}
	for i := range 40 {
		inputs = append(inputs, []byte{byte(i), byte(i * 7), byte(i * 13)})
	}
	for _, in := range inputs {
		if got := LibFuzzReference(in); got != 0 {
			t.Errorf("LibFuzzReference(%q) = %d, want 0", in, got)
		}
	}
}

// doubleClose is check-then-act's double close: two deliveries, a yield
// between Reap's check and its close.
const doubleClose = `schedule procs=1
process exit=50ms status=0 sigterm=exit:0
monitor reap after=200ms status=real
monitor reap after=200ms status=real
point reap:checked hit=1 yield=16
`

// A buggy task fails: the error is reaptest's report, with the command
// that replays the file it saved through the go test fuzz target of the
// same name in this package.
func TestFuzzBytesCatches(t *testing.T) {
	dir := t.TempDir()
	check := suites.FuzzBytes("FuzzCheckThenAct", catalog.NewCheckThenAct, harness.Corpus(dir))
	err := check([]byte(doubleClose))
	if err == nil {
		t.Fatal("check-then-act's double close passed")
	}
	for _, want := range []string{"reaptest: panic [no-panic]", "close of closed channel", "REAPTEST_REPLAY=" + dir,
		"go test github.com/reaptest/reaptest/examples/clusterfuzzlite -count=1 -run '^FuzzCheckThenAct$'"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no %q in the report:\n%s", want, err)
		}
	}
	if err := check([]byte("an input of a few bytes")); err != nil && !strings.Contains(err.Error(), "note: this input's scenario failed the same way") {
		t.Errorf("another input failed otherwise than the first:\n%s", err)
	}
}
