// Package exitfuzz is a reaptest check as a libFuzzer target, for
// ClusterFuzzLite and OSS-Fuzz (see README.md): LibFuzzReference is the
// function compile_go_fuzzer builds into a libFuzzer binary, and
// FuzzReference (fuzz_test.go) the go test fuzz target that decodes the
// same inputs to the same scenarios and replays what it saves.
package exitfuzz

import (
	"github.com/reaptest/reaptest/suites"
	"github.com/reaptest/reaptest/suites/catalog"
)

// checkReference checks the catalog's reference task (put your own
// task's constructor here) against one input. Its name is the go test
// fuzz target that replays what it saves.
var checkReference = suites.FuzzBytes("FuzzReference", catalog.NewReference)

// LibFuzzReference is the libFuzzer entry point:
//
//	compile_go_fuzzer github.com/reaptest/reaptest/examples/clusterfuzzlite LibFuzzReference fuzz_reference
//
// A failing input panics with reaptest's report, which libFuzzer prints
// and keeps the input of as a crash.
func LibFuzzReference(data []byte) int {
	if err := checkReference(data); err != nil {
		panic(err.Error())
	}
	return 0
}
