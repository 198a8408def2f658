package harness

// DumpCount returns how many whole-process goroutine dumps the watchdog
// and the judges have taken so far, for benchmarks and tests.
func DumpCount() int64 { return dumpCount.Load() }
