//go:build !linux

package suites

// goTestSiblings would count the other test binaries go test runs beside
// this one; only Linux's /proc tells, elsewhere it is 0 (see
// defaultChildren).
func goTestSiblings() int { return 0 }
