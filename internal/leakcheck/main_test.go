package leakcheck

import "testing"

// TestMain checks this package's own tests with VerifyTestMain.
func TestMain(m *testing.M) { VerifyTestMain(m) }
