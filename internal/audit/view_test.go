package audit_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"wuzha/internal/audit"
	"wuzha/internal/content"
	"wuzha/internal/supervision"
)

// Every action the code records has a Chinese name. The test reads the
// source: an action given as a literal to audit.Record (or to a helper
// that passes it on) must be named; an action built as "prefix." + value
// must be one of the prefixes listed here, whose values are enumerated.
func TestEveryActionHasAChineseName(t *testing.T) {
	dynamic := map[string][]string{
		"warning.":       {string(content.Submit), string(content.Approve), string(content.Reject), string(content.Archive)},
		"rectification.": {"issue", supervision.Accept, supervision.Report, supervision.Return, supervision.Close, supervision.Extend, supervision.Approve, supervision.Reject},
	}
	actionLike := regexp.MustCompile(`^[a-z]+(\.[a-z_]+)+$`)
	namespaces := map[string]bool{}
	var literals []string // every action-like literal anywhere, checked once namespaces are known
	found := 0
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "node_modules" || d.Name() == "frontend" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil && actionLike.MatchString(s) {
						literals = append(literals, s)
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Record" || len(n.Args) < 3 {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "audit" {
					return true
				}
				found++
				switch a := n.Args[2].(type) {
				case *ast.BasicLit:
					s, _ := strconv.Unquote(a.Value)
					namespaces[strings.SplitN(s, ".", 2)[0]] = true
					if _, ok := audit.Actions[s]; !ok {
						t.Errorf("%s: action %q has no Chinese name in audit.Actions", path, s)
					}
				case *ast.BinaryExpr:
					lit, ok := a.X.(*ast.BasicLit)
					prefix, _ := strconv.Unquote(lit.Value)
					if !ok || dynamic[prefix] == nil {
						t.Errorf("%s: an action built as %q + … is not enumerated in this test", path, prefix)
					}
					namespaces[strings.TrimSuffix(prefix, ".")] = true
				case *ast.Ident:
					// a variable: its values are literals, checked below
				default:
					t.Errorf("%s: an action given as %T cannot be checked", path, a)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 30 {
		t.Fatalf("found only %d audit.Record calls; is the walk reading the source?", found)
	}
	for prefix, values := range dynamic {
		for _, v := range values {
			if _, ok := audit.Actions[prefix+v]; !ok {
				t.Errorf("action %q has no Chinese name", prefix+v)
			}
		}
	}
	for _, s := range literals {
		if namespaces[strings.SplitN(s, ".", 2)[0]] {
			if _, ok := audit.Actions[s]; !ok && !strings.HasSuffix(s, ".") {
				t.Errorf("action-like literal %q in an audited namespace has no Chinese name (if it is not an action, rename it)", s)
			}
		}
	}
	for a, n := range audit.Actions {
		if n == "" || strings.ContainsAny(n, "._") {
			t.Errorf("action %q has no readable name: %q", a, n)
		}
	}
}

func TestDetailLinesAreChinese(t *testing.T) {
	lines := audit.DetailLines(`{"username":"kc_ed","role":"editor","area_code":"330802","unit_id":null,"disabled":true,"old":{"target_rate":0.9,"pass_score":60},"period":"2026Q4"}`)
	got := map[string]string{}
	for _, l := range lines {
		got[l.Label] = l.Value
	}
	want := map[string]string{"用户名": "kc_ed", "角色": "宣传编辑", "区域代码": "330802", "停用": "是", "修改前": "目标知晓率：90%，及格分：60", "考核期": "2026年第4季度"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, lines)
		}
	}
	if _, ok := got["成员单位编号"]; ok {
		t.Errorf("a null value makes a line: %v", lines)
	}
	if lines[0].Label != "用户名" || lines[1].Label != "角色" {
		t.Errorf("lines are not in the order written: %v", lines)
	}
	if l := audit.DetailLines(`not json`); len(l) != 1 || l[0].Value != "not json" {
		t.Errorf("non-JSON detail: %v", l)
	}
}

func TestPeriodName(t *testing.T) {
	for in, want := range map[string]string{"2026Q4": "2026年第4季度", "2026-11": "2026年11月", "2026-03": "2026年3月", "2026Q5": "2026Q5", "x": "x"} {
		if got := audit.PeriodName(in); got != want {
			t.Errorf("PeriodName(%q) = %q, want %q", in, got, want)
		}
	}
}
