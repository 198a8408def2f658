package moby

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/hook"
	"github.com/reaptest/reaptest/internal/instrument"
	"github.com/reaptest/reaptest/suites"
)

// containerPkg is moby's package whose synchronization operations the
// instrumented build makes fault points.
const containerPkg = "github.com/docker/docker/container"

// envInside makes TestInsideContainerPackage, run again as the
// instrumented test binary, run its check.
const envInside = "MOBY_EXAMPLE_INSIDE"

// With automatic fault points inside moby's container package — every
// lock, unlock, channel operation and goroutine start of container.State,
// which the harness may delay — the fixed variant still passes, and the
// check reaches points in state.go. The test builds the instrumented test
// binary (internal/instrument, cached across runs) and runs the check in
// it.
func TestInsideContainerPackage(t *testing.T) {
	if os.Getenv(envInside) != "" {
		var cov harness.Coverage
		f := harness.Check(t.Name(), suites.Bubble(t), fixed,
			daemon(harness.Corpus(""), harness.Logf(t.Logf), harness.OnExplored(func(c harness.Coverage) { cov = c }))...)
		if f != nil {
			t.Fatal("\n" + f.Error())
		}
		inState := 0
		for _, s := range hook.Sites() {
			if s.Pkg == containerPkg && s.File == "state.go" {
				inState++
			}
		}
		if inState == 0 || cov.SitesReached == 0 {
			t.Fatalf("no automatic fault point in %s's state.go (%d) or none reached: %s", containerPkg, inState, cov)
		}
		t.Logf("inside %s: %d sync points in state.go; %s", containerPkg, inState, cov)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin, err := instrument.Build(ctx, instrument.Config{TaskPkg: "github.com/reaptest/reaptest/examples/moby", Packages: []string{containerPkg}})
	if err != nil {
		t.Fatal(err)
	}
	if !containsPkg(bin.Packages, containerPkg) {
		t.Fatalf("the instrumented build left %s out: instrumented %v; left as they were: %v", containerPkg, bin.Packages, bin.Unrewritten)
	}
	t.Logf("instrumented %s: %d sites in %v (cached: %v, %s)", bin.Path, bin.Sites, bin.Packages, bin.Cached, bin.Took.Round(time.Millisecond))
	cmd := exec.CommandContext(ctx, bin.Path, append([]string{"-test.run=^TestInsideContainerPackage$", "-test.count=1", "-test.v"}, bin.Args...)...)
	cmd.Env = append(os.Environ(), envInside+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the check inside %s failed (%v):\n%s", containerPkg, err, out)
	}
	if !strings.Contains(string(out), "sync points in state.go") {
		t.Fatalf("the instrumented child says nothing of %s:\n%s", containerPkg, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "inside "+containerPkg) || strings.Contains(l, "reaptest: ") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

func containsPkg(pkgs []string, p string) bool {
	for _, q := range pkgs {
		if q == p {
			return true
		}
	}
	return false
}
