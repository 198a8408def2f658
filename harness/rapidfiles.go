package harness

import (
	"flag"
	"os"
	"sync"
)

// reaptest keeps one corpus: the scenarios it saves under testdata/reaptest.
// rapid, which draws the scenarios, would keep a second one of its own,
// writing a fail file under testdata/rapid/<check> in the user's package
// for every failure it shrinks, and replaying those files before exploring
// on every later run, hidden from the reports. rapidFailFilesOff turns
// that off for the process, once, before the first exploration: rapid's
// -rapid.nofailfile flag, set unless the command line or RAPID_NOFAILFILE
// chose for it. rapid registers its flags on flag.CommandLine; a test
// binary without them (rapid not linked in) has nothing to turn off.
var rapidFailFilesOff = sync.OnceFunc(func() {
	if flagSet("rapid.nofailfile") {
		return
	}
	if _, ok := os.LookupEnv("RAPID_NOFAILFILE"); ok {
		return
	}
	if flag.Lookup("rapid.nofailfile") == nil {
		return
	}
	_ = flag.Set("rapid.nofailfile", "true")
})
