package instrument

import (
	"go/token"
	"go/types"
	"sort"
	"strings"
)

// harnessPath is the package that defines the Task interface.
const harnessPath = "github.com/reaptest/reaptest/harness"

// taskTypePackages returns the packages among the roots (the factory's
// package, or the test package and what its tests import) and those they
// import directly that lie outside the main module, the standard library and reaptest,
// and define a type implementing harness.Task: a named type T, or *T,
// with Reap, Wait and Delete. A factory in the user's module that returns
// such a type (return dep.NewTask(...)) puts the exit path under test in
// that package, which is then instrumented as if named by Instrument.
// What it cannot read (no export data, a package that does not load) it
// passes over: this only adds packages.
func taskTypePackages(roots []string, byPath map[string]*listed) []string {
	hp := byPath[harnessPath]
	if hp == nil || hp.Export == "" {
		return nil
	}
	ex := exports{}
	for path, p := range byPath {
		ex[path] = p.Export
	}
	imp := ex.importer(token.NewFileSet())(nil)
	harness, err := imp.Import(harnessPath)
	if err != nil {
		return nil
	}
	obj := harness.Scope().Lookup("Task")
	if obj == nil {
		return nil
	}
	task, ok := obj.Type().Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range roots {
		rp := byPath[r]
		if rp == nil {
			continue
		}
		// A root itself (a test file's import) or what it imports.
		for _, path := range append([]string{r}, rp.Imports...) {
			if m, ok := rp.ImportMap[path]; ok {
				path = m
			}
			p := byPath[path]
			if seen[path] || p == nil || p.Standard || p.Module != nil && p.Module.Main || path == "github.com/reaptest/reaptest" || strings.HasPrefix(path, "github.com/reaptest/reaptest/") {
				continue
			}
			seen[path] = true
			if definesTask(imp, path, task) {
				out = append(out, path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// definesTask reports whether the package path defines a type that
// implements task, itself or through a pointer.
func definesTask(imp types.Importer, path string, task *types.Interface) bool {
	pkg, err := imp.Import(path)
	if err != nil {
		return false
	}
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		named, ok := tn.Type().(*types.Named)
		if !ok || named.TypeParams().Len() > 0 || types.IsInterface(named) {
			continue
		}
		if types.Implements(named, task) || types.Implements(types.NewPointer(named), task) {
			return true
		}
	}
	return false
}
