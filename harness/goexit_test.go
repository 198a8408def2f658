package harness_test

import "runtime"

func runtime_Goexit() { runtime.Goexit() }
