#!/bin/bash -eu
# compile_go_fuzzer (go114-fuzz-build) builds a libFuzzer binary around a
# function func(data []byte) int in a non-test file of the package:
# reaptest's suites.FuzzBytes gives one (fuzz.go). compile_native_go_fuzzer
# would rewrite a FuzzX(f *testing.F) to its own F type, which
# suites.FuzzTask does not take: use compile_go_fuzzer.
cd "$SRC/reaptest/examples/clusterfuzzlite"
compile_go_fuzzer github.com/reaptest/reaptest/examples/clusterfuzzlite LibFuzzReference fuzz_reference
