package harness_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The README's clause table (The contract) lists every clause a report can
// name — each constant Clause* of package harness — and no other.
func TestReadmeClauseTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## The contract\n")
	section, _, _ = strings.Cut(section, "\n## ")
	_, table, ok2 := strings.Cut(section, "| clause | kind | what it requires |")
	table, _, _ = strings.Cut(table, "\n\n")
	if !ok || !ok2 {
		t.Fatal("README.md: no clause table under ## The contract")
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)`").FindAllStringSubmatch(table, -1) {
		documented = append(documented, m[1])
	}
	clauses := clauseConstants(t)
	if len(clauses) < 20 {
		t.Fatalf("found %d Clause constants in package harness, want the contract's 10 clauses and more: %v", len(clauses), clauses)
	}
	slices.Sort(documented)
	for _, c := range clauses {
		if _, found := slices.BinarySearch(documented, c); !found {
			t.Errorf("clause %q (a constant of package harness) is not in README.md's clause table", c)
		}
	}
	for _, d := range documented {
		if !slices.Contains(clauses, d) {
			t.Errorf("README.md's clause table lists %q, which no Clause constant of package harness names", d)
		}
	}
}

// A violation names its clause by a constant, so that the README's table
// (TestReadmeClauseTable) sees every clause a report can name.
func TestClausesAreConstants(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`Clause:\s*"`)
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if loc := literal.FindIndex(src); loc != nil {
			t.Errorf("%s:%d: a violation's clause is a string literal, not a Clause constant", name, 1+strings.Count(string(src[:loc[0]]), "\n"))
		}
	}
}

// clauseConstants returns the values of the string constants named
// Clause* declared in package harness's non-test files, sorted.
func clauseConstants(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Clause") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, v)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
