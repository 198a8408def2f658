package instrument

import (
	"slices"
	"testing"
)

func mainPkg(path string, deps ...string) *listed {
	p := &listed{ImportPath: path, GoFiles: []string{"a.go"}, Deps: deps}
	p.Module = &struct {
		Path      string
		Version   string
		Main      bool
		Dir       string
		GoMod     string
		GoVersion string
		Replace   *struct{ Path, Version string }
	}{Path: "example.com/m", Main: true}
	return p
}

// The task's package and the main module packages it imports are
// instrumented; the standard library, other modules and reaptest's own
// packages only when named (reaptest's harness never).
func TestSelectPackages(t *testing.T) {
	dep := &listed{ImportPath: "other.org/dep", GoFiles: []string{"a.go"}}
	byPath := map[string]*listed{
		"example.com/m":                          mainPkg("example.com/m", "example.com/m/task", "example.com/m/util", "sync", "other.org/dep", "github.com/reaptest/reaptest/harness", "github.com/reaptest/reaptest/scenarios"),
		"example.com/m/task":                     mainPkg("example.com/m/task", "example.com/m/util", "sync", "other.org/dep", "github.com/reaptest/reaptest/harness"),
		"example.com/m/util":                     mainPkg("example.com/m/util", "sync"),
		"example.com/m/unused":                   mainPkg("example.com/m/unused"),
		"sync":                                   {ImportPath: "sync", Standard: true, GoFiles: []string{"a.go"}},
		"other.org/dep":                          dep,
		"github.com/reaptest/reaptest/harness":   mainPkg("github.com/reaptest/reaptest/harness"),
		"github.com/reaptest/reaptest/scenarios": mainPkg("github.com/reaptest/reaptest/scenarios"),
	}
	byPath["example.com/m"].TestImports = []string{"example.com/m/task", "testing"}
	paths := func(ps []*listed) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ImportPath)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string
	}{
		{"task package", Config{TaskPkg: "example.com/m/task"}, []string{"example.com/m/task", "example.com/m/util"}},
		{"named dependency", Config{TaskPkg: "example.com/m/task", Packages: []string{"other.org/dep", "sync", "github.com/reaptest/reaptest/harness"}}, []string{"example.com/m/task", "example.com/m/util", "other.org/dep"}},
		{"task in the test files", Config{TaskPkg: "example.com/m"}, []string{"example.com/m", "example.com/m/task", "example.com/m/util"}},
		{"task in the external test package", Config{TaskPkg: "example.com/m_test"}, []string{"example.com/m", "example.com/m/task", "example.com/m/util"}},
		{"reaptest's own package named", Config{TaskPkg: "example.com/m/task", Packages: []string{"github.com/reaptest/reaptest/scenarios"}}, []string{"example.com/m/task", "example.com/m/util", "github.com/reaptest/reaptest/scenarios"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, notes := selectPackages(tc.cfg, "example.com/m", byPath)
			if !slices.Equal(paths(got), tc.want) {
				t.Errorf("selected %q, want %q (notes %q)", paths(got), tc.want, notes)
			}
		})
	}
}

// The running binary's build flags carry over, REAPTEST_BUILDFLAGS after
// them.
func TestCarried(t *testing.T) {
	t.Setenv(EnvBuildFlags, "-tags=custom -coverpkg=./...")
	flags, env := carried(nil)
	if slices.Contains(flags, "-race=true") != raceOn {
		t.Errorf("flags %q: -race=true carried = %v, want %v (this binary's -race)", flags, !raceOn, raceOn)
	}
	if n := len(flags); n < 2 || flags[n-2] != "-tags=custom" || flags[n-1] != "-coverpkg=./..." {
		t.Errorf("flags %q do not end with REAPTEST_BUILDFLAGS's", flags)
	}
	if !slices.ContainsFunc(env, func(s string) bool { return len(s) > 7 && s[:7] == "GOARCH=" }) {
		t.Errorf("env %q lacks GOARCH", env)
	}
}
