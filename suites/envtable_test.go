package suites

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/internal/instrument"
)

// envName is a REAPTEST_ variable's name wherever it is written.
var envName = regexp.MustCompile(`REAPTEST_[A-Z0-9_]+`)

// envRow is a row of the README's table of environment variables: the
// variable (with its value's form after it) and its constant.
var envRow = regexp.MustCompile("(?m)^\\| `(REAPTEST_[A-Z0-9_]+)[^`]*` \\| `(Env[A-Za-z]+)` \\|")

// The README's table of environment variables lists exactly the exported
// Env constants of this package, each with its value; instrument's
// constants, which the instrumented build reads, have this package's
// values; every REAPTEST_ variable named in the module (Go files, tests
// included, Markdown, the Makefile, .ci) is the value of a constant
// somewhere; and no call reads or sets one by a string literal.
func TestEnvTable(t *testing.T) {
	exported := map[string]string{} // value -> name
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pkgs["suites"].Files {
		for name, v := range constStrings(f) {
			if ast.IsExported(name) && strings.HasPrefix(v, "REAPTEST_") {
				exported[v] = name
			}
		}
	}
	if len(exported) < 10 {
		t.Errorf("found %d exported REAPTEST_ constants in package suites (%v), want the 10 the README lists at least", len(exported), exported)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range envTableDrift(string(readme), exported) {
		t.Error("README.md: " + e)
	}
	for _, c := range [][2]string{{EnvAutoPoints, instrument.EnvAutopoints}, {EnvBuildFlags, instrument.EnvBuildFlags}, {EnvCacheSize, instrument.EnvCacheSize}} {
		if c[0] != c[1] {
			t.Errorf("suites says %s, internal/instrument reads %s", c[0], c[1])
		}
	}
	declared, problems, err := envNames("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	for _, v := range []string{EnvReplay, EnvIsolate, EnvAutoPoints} {
		if !declared[v] {
			t.Errorf("the walk over the module did not find %s declared: it checks nothing", v)
		}
	}
}

// The checks catch what they are for: a variable missing from the
// README's table, a row of no constant, a row naming the wrong constant,
// a variable with no constant, a literal read; and say nothing of a
// module that keeps the rules.
func TestEnvTableCatchesDrift(t *testing.T) {
	// v spells the variables of the fixtures: written out here, they would
	// be names of this module with no constant.
	v := func(s string) string { return strings.ReplaceAll(s, "RT_", "REAPTEST"+"_") }
	exported := map[string]string{v("RT_A"): "EnvA", v("RT_B"): "EnvB"}
	good := "| variable | constant | |\n|---|---|---|\n| `RT_A=<n>` | `EnvA` | a |\n| `RT_B` | `EnvB` | b |\n"
	if got := envTableDrift(v(good), exported); len(got) != 0 {
		t.Errorf("a table that agrees: %q, want nothing", got)
	}
	bad := "| `RT_A=<n>` | `EnvB` | a |\n| `RT_C` | `EnvC` | c |\n"
	got := strings.Join(envTableDrift(v(bad), exported), "\n")
	for _, want := range []string{"no row for RT_B (suites.EnvB)", "RT_A names the constant EnvB, want EnvA", "lists RT_C (EnvC), which is no exported constant"} {
		if !strings.Contains(got, v(want)) {
			t.Errorf("a table that drifted: %q, want it to say %q", got, v(want))
		}
	}

	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v(text)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ok.go", "package p\n\nimport \"os\"\n\nconst envA = \"RT_A\"\n\nvar _ = os.Getenv(envA)\n")
	write("README.md", "Set `RT_A=1`.\n")
	if _, problems, err := envNames(dir); err != nil || len(problems) != 0 {
		t.Errorf("a module that keeps the rules: %q, %v; want nothing", problems, err)
	}
	write("bad.go", "package p\n\nimport \"os\"\n\nvar _ = os.Getenv(\"RT_A\")\n")
	write("Makefile", "run:\n\tRT_Z=1 go test\n")
	_, problems, err := envNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	got = strings.Join(problems, "\n")
	for _, want := range []string{`Getenv("RT_A"): name the variable with a constant`, "RT_Z, named in " + filepath.Join(dir, "Makefile") + ", is the value of no constant"} {
		if !strings.Contains(got, v(want)) {
			t.Errorf("a module that breaks them: %q, want it to say %q", got, v(want))
		}
	}
}

// envTableDrift compares the README's table of environment variables
// with exported (value -> constant name) and says where they differ.
func envTableDrift(readme string, exported map[string]string) []string {
	var out []string
	table := map[string]string{}
	for _, m := range envRow.FindAllStringSubmatch(readme, -1) {
		if _, dup := table[m[1]]; dup {
			out = append(out, fmt.Sprintf("%s has two rows in the table of environment variables", m[1]))
		}
		table[m[1]] = m[2]
	}
	for v, name := range exported {
		if got, ok := table[v]; !ok {
			out = append(out, fmt.Sprintf("the table of environment variables has no row for %s (suites.%s)", v, name))
		} else if got != name {
			out = append(out, fmt.Sprintf("the table's row for %s names the constant %s, want %s", v, got, name))
		}
	}
	for v, name := range table {
		if _, ok := exported[v]; !ok {
			out = append(out, fmt.Sprintf("the table of environment variables lists %s (%s), which is no exported constant of package suites", v, name))
		}
	}
	sort.Strings(out)
	return out
}

// envNames walks the tree at root (but .git and testdata directories):
// it returns the REAPTEST_ variables declared as the value of a constant
// in its Go files, and the problems: a variable named somewhere (Go
// files, Markdown, a Makefile, .ci) that no constant declares, and a
// call to Getenv, LookupEnv, Setenv or Unsetenv with a literal name.
func envNames(root string) (declared map[string]bool, problems []string, err error) {
	declared = map[string]bool{}
	mentioned := map[string][]string{} // name -> files
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if !strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, ".md") && name != "Makefile" && filepath.Base(filepath.Dir(path)) != ".ci" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range envName.FindAllString(string(data), -1) {
			if !slices.Contains(mentioned[n], path) {
				mentioned[n] = append(mentioned[n], path)
			}
		}
		if !strings.HasSuffix(name, ".go") || !strings.Contains(string(data), "REAPTEST_") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, data, 0)
		if err != nil {
			return err
		}
		for _, v := range constStrings(f) {
			if envName.FindString(v) == v {
				declared[v] = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !slices.Contains([]string{"Getenv", "LookupEnv", "Setenv", "Unsetenv"}, sel.Sel.Name) {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && strings.Contains(lit.Value, "REAPTEST_") {
				problems = append(problems, fmt.Sprintf("%s: %s(%s): name the variable with a constant", fset.Position(call.Pos()), sel.Sel.Name, lit.Value))
			}
			return true
		})
		return nil
	})
	for n, files := range mentioned {
		if !declared[n] {
			problems = append(problems, fmt.Sprintf("%s, named in %s, is the value of no constant: give it one (exported in package suites, and in the README's table, if users set it)", n, strings.Join(files, ", ")))
		}
	}
	sort.Strings(problems)
	return declared, problems, err
}

// constStrings returns the string constants declared in f, at package
// level or in functions, by name.
func constStrings(f *ast.File) map[string]string {
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		g, ok := n.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			return true
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if v, err := strconv.Unquote(lit.Value); err == nil {
						out[name.Name] = v
					}
				}
			}
		}
		return true
	})
	return out
}
