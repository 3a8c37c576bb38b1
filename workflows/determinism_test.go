package workflows_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestWorkflowCodeIsDeterministic guards the rules replay depends on: no wall clock,
// randomness, I/O, native goroutines, channels or selects, and no iteration over
// maps (whose order changes run to run) in the workflow package's code.
// It reads the source, so a violation fails CI before any history breaks.
func TestWorkflowCodeIsDeterministic(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbiddenImports := map[string]string{
		"math/rand": "randomness", "math/rand/v2": "randomness", "crypto/rand": "randomness",
		"net/http": "I/O", "os": "I/O", "io/ioutil": "I/O", "gorm.io/gorm": "database access",
		"sync": "native synchronisation", "log/slog": "logging outside workflow.GetLogger",
	}
	forbiddenCalls := map[string]string{
		"time.Now": "use workflow.Now", "time.Sleep": "use workflow.Sleep", "time.After": "use workflow.NewTimer",
		"time.Tick": "use workflow.NewTimer", "time.NewTimer": "use workflow.NewTimer", "time.Since": "use workflow.Now",
		"time.Until": "use workflow.Now",
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if why, bad := forbiddenImports[path]; bad {
				t.Errorf("%s: imports %s (%s) in workflow code", fset.Position(imp.Pos()), path, why)
			}
		}
		maps := mapNames(f)
		// "determinism:ok" on the line above a range marks a reviewed exception,
		// such as collecting keys to sort them.
		allowed := map[int]bool{}
		for _, cg := range f.Comments {
			if strings.Contains(cg.Text(), "determinism:ok") {
				allowed[fset.Position(cg.End()).Line+1] = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				t.Errorf("%s: go statement; use workflow.Go", fset.Position(n.Pos()))
			case *ast.SelectStmt:
				t.Errorf("%s: select; use workflow.NewSelector", fset.Position(n.Pos()))
			case *ast.ChanType:
				t.Errorf("%s: native channel; use workflow.Channel", fset.Position(n.Pos()))
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok {
					if why, bad := forbiddenCalls[id.Name+"."+n.Sel.Name]; bad {
						t.Errorf("%s: %s.%s: %s", fset.Position(n.Pos()), id.Name, n.Sel.Name, why)
					}
				}
			case *ast.RangeStmt:
				if name := rangedName(n.X); name != "" && maps[name] && !allowed[fset.Position(n.Pos()).Line] {
					t.Errorf("%s: range over map %s; iterate sorted keys", fset.Position(n.Pos()), name)
				}
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no workflow source files found")
	}
}

// mapNames collects the names of variables, parameters and struct fields declared
// with a map type in f. Without full type checking this is a close approximation:
// workflow code keeps its maps in named fields and variables.
func mapNames(f *ast.File) map[string]bool {
	names := map[string]bool{}
	add := func(idents []*ast.Ident, typ ast.Expr) {
		if _, ok := typ.(*ast.MapType); ok {
			for _, id := range idents {
				names[id.Name] = true
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			add(n.Names, n.Type)
		case *ast.ValueSpec:
			add(n.Names, n.Type)
			for i, v := range n.Values {
				if i < len(n.Names) {
					add([]*ast.Ident{n.Names[i]}, literalType(v))
				}
			}
		case *ast.AssignStmt:
			for i, v := range n.Rhs {
				if id, ok := n.Lhs[min(i, len(n.Lhs)-1)].(*ast.Ident); ok {
					add([]*ast.Ident{id}, literalType(v))
				}
			}
		}
		return true
	})
	return names
}

func literalType(e ast.Expr) ast.Expr {
	switch v := e.(type) {
	case *ast.CompositeLit:
		return v.Type
	case *ast.CallExpr:
		if id, ok := v.Fun.(*ast.Ident); ok && id.Name == "make" && len(v.Args) > 0 {
			return v.Args[0]
		}
	}
	return nil
}

func rangedName(e ast.Expr) string {
	switch v := e.(type) {
	case *ast.Ident:
		return v.Name
	case *ast.SelectorExpr:
		return v.Sel.Name
	}
	return ""
}
