package harness_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Package harness imports harness/autopoint, which it does not call, so
// that go mod vendor in a module that uses reaptest copies autopoint:
// the instrumented build compiles that module's packages rewritten to
// import it, from the vendor directory when there is one.
func TestHarnessImportsAutopoint(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to list the package's imports: %v", err)
	}
	out, err := exec.Command(goCmd, "list", "-f", `{{join .Imports " "}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if !strings.Contains(" "+strings.TrimSpace(string(out))+" ", " github.com/reaptest/reaptest/harness/autopoint ") {
		t.Errorf("package harness imports %s; want harness/autopoint among them", out)
	}
}
