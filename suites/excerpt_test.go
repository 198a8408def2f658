package suites

import (
	"strings"
	"testing"
)

// A dying child's evidence starts at the line that says how it died,
// whole, after Ginkgo's progress marks if any; lines before a death it
// cannot place are kept as printed.
func TestExcerptStartsAtTheDeath(t *testing.T) {
	for _, tt := range []struct{ out, first string }{
		{"spec output\nSIGQUIT: quit\nPC=0x1 m=0\n", "SIGQUIT: quit"},
		{"spec output\nS••SIGQUIT: quit\nPC=0x1 m=0\n", "SIGQUIT: quit"},
		{"Starting\nS•panic: boom\n\ngoroutine 1 [running]:\n", "panic: boom"},
		{"Starting\nfatal error: concurrent map writes\n", "fatal error: concurrent map writes"},
		{"Starting the server\nexit status 3\n", "Starting the server"},
	} {
		got := excerpt(tt.out)
		if first, _, _ := strings.Cut(got, "\n"); first != tt.first {
			t.Errorf("excerpt(%q) begins %q, want %q", tt.out, first, tt.first)
		}
	}
}
