package suites

import (
	"os"
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

// What README.md says a go test user downloads: go mod tidy in a user's
// module that imports suites keeps Ginkgo, Gomega and golang.org/x/tools
// (the tests of reaptest's packages need them: go mod why names suites),
// while the user's test build compiles none of Ginkgo's packages.
func TestTidyKeepsGinkgo(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "`go mod tidy` in your module\nstill downloads Ginkgo, Gomega and golang.org/x/tools") {
		t.Error("README.md no longer says what go mod tidy downloads for a go test user: update this test with it")
	}
	dir := moduleFrom(t, "example.com/notchecked", "testdata/notchecked", nil) // runs go mod tidy
	for _, m := range []string{"github.com/onsi/ginkgo/v2", "github.com/onsi/gomega", "golang.org/x/tools"} {
		out, ok := goCmd(t, dir, "mod", "why", "-m", m)
		if !ok || strings.Contains(out, "does not need") || !strings.Contains(out, "github.com/reaptest/reaptest/suites") {
			t.Errorf("go mod why -m %s in a go test user's module: want it needed through reaptest's suites, as README.md says:\n%s", m, out)
		}
	}
	out, ok := goCmd(t, dir, "list", "-deps", "-test", ".")
	if !ok {
		t.Fatalf("go list -deps -test:\n%s", out)
	}
	for _, p := range strings.Fields(out) {
		if strings.HasPrefix(p, "github.com/onsi/") {
			t.Errorf("a go test user's test build compiles %s", p)
		}
	}
}
