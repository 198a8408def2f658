package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the test binary if a goroutine is still running after
// the tests, as every package's tests do.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
