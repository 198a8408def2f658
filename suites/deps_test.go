package suites

import (
	"os/exec"
	"strings"
	"testing"
)

// A go test user imports suites, harness and scenarios and never builds
// Ginkgo or Gomega: go resolves modules lazily, so one that no imported
// package needs is not downloaded either. The Ginkgo entry points are in
// suites/specs, which does import it.
func TestGoTestUsersNeedNoGinkgo(t *testing.T) {
	base := "github.com/reaptest/reaptest/"
	deps := func(pkgs ...string) []string {
		t.Helper()
		out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", strings.Join(pkgs, " "), err, out)
		}
		return strings.Fields(string(out))
	}
	for _, p := range deps(base+"suites", base+"harness", base+"scenarios", base+"faults", base+"suites/catalog") {
		if strings.HasPrefix(p, "github.com/onsi/") {
			t.Errorf("a go test user's build needs %s", p)
		}
	}
	// The check sees Ginkgo where it is: in specs.
	found := false
	for _, p := range deps(base + "suites/specs") {
		found = found || p == "github.com/onsi/ginkgo/v2"
	}
	if !found {
		t.Errorf("go list -deps %ssuites/specs does not list github.com/onsi/ginkgo/v2: the check above cannot see Ginkgo", base)
	}
}
