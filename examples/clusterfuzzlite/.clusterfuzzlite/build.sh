#!/bin/bash -eu
# One line per fuzz target: the package, the FuzzX function, the name of
# the fuzzer binary. compile_native_go_fuzzer builds a native Go fuzz
# target (func FuzzX(f *testing.F)) as a libFuzzer binary.
# The binary is not a go test binary: reaptest cannot start its isolated
# child there, and runs each input in the fuzzer's process (libFuzzer
# isolates crashes itself), with hand-placed points only. See the main
# README, Fuzzing: go-118-fuzz-build replaces the testing package the
# target's file imports, which suites.FuzzTask's *testing.F must match.
compile_native_go_fuzzer example.com/exitpath FuzzExitPath fuzz_exit_path
