package database

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The write gate is a rule the code keeps, checked here, not a convention:
// a store that writes on a bare *sql.DB takes a connection first and then
// waits for the gate holding it (issue #21; docs/storage.md, "Write latency
// and lock waits"). Every package under internal/ and cmd/ but this one
// (which builds the gate) is type-checked, its non-test files, and may not:
//
//   - call Exec, ExecContext, Begin or BeginTx on a *sql.DB or *sql.Conn, or
//     take one of them as a method value;
//   - call Query, QueryContext, QueryRow, QueryRowContext, Prepare or
//     PrepareContext there with a constant query that writes (isWrite: all
//     but a SELECT, as the gate judges it at run time);
//   - hand a *sql.DB or *sql.Conn to an interface that can write on it (one
//     with any of the four methods above: a store's own Execer or querier),
//     as an argument, an assignment, a returned value or a composite
//     literal's element.
//
// What it cannot see: a query whose text is known only at run time, a
// *sql.DB reached through reflection, a type parameter or an untyped `any`
// asserted back, and test files (tests write on bare handles to set up).
// The fix for each finding is database.Writer(db), database.On(ctx, db),
// database.InTx or database.Begin.
func TestEveryWriteQueuesAtTheGate(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks every package: not in -short")
	}
	if os.Getenv("UNYO_TEST_DATABASE") == "postgres" {
		t.Skip("the rule is the code's, not the dialect's: checked on the SQLite run")
	}
	const module = "github.com/unyo-ops/unyo"
	pkgs := listPackages(t, module+"/internal/...", module+"/cmd/...")
	fset := token.NewFileSet()
	imp := exportImporter(fset, pkgs)
	checked, root := 0, ""
	for _, p := range pkgs {
		if p.ImportPath == module+"/internal/database" {
			root = filepath.Dir(filepath.Dir(p.Dir)) + string(filepath.Separator)
		}
	}
	for _, p := range pkgs {
		if p.DepOnly || p.ImportPath == module+"/internal/database" {
			continue
		}
		files, err := parseFiles(fset, p.Dir, append(p.GoFiles, p.CgoFiles...))
		if err != nil {
			t.Fatal(err)
		}
		found, err := checkGateRule(fset, p.ImportPath, files, imp)
		if err != nil {
			t.Fatalf("%s: %v", p.ImportPath, err)
		}
		for _, f := range found {
			t.Errorf("%s", strings.TrimPrefix(f, root))
		}
		checked++
	}
	// A listing that went wrong would check nothing and pass.
	if checked < 50 {
		t.Fatalf("checked %d packages, want every package under internal/ and cmd/ (over 100)", checked)
	}
}

// listedPackage is what `go list -json` says of a package.
type listedPackage struct {
	ImportPath string
	Dir        string
	Export     string
	GoFiles    []string
	CgoFiles   []string
	DepOnly    bool
	Error      *struct{ Err string }
}

// listPackages lists the packages patterns match and all their
// dependencies, each with its compiled export data (from the build cache,
// as go vet finds it), under the build tags this test runs with (GOFLAGS).
func listPackages(tb testing.TB, patterns ...string) []listedPackage {
	tb.Helper()
	args := append([]string{"list", "-e", "-export", "-deps", "-json=ImportPath,Dir,Export,GoFiles,CgoFiles,DepOnly,Error"}, patterns...)
	cmd := exec.Command(goTool(), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("go list: %v: %s", err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			tb.Fatalf("go list: %v", err)
		}
		if p.Error != nil {
			tb.Fatalf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// goTool is the go command running this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// exportImporter imports packages from the export data pkgs name.
func exportImporter(fset *token.FileSet, pkgs []listedPackage) types.Importer {
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(f)
	})
}

func parseFiles(fset *token.FileSet, dir string, names []string) ([]*ast.File, error) {
	var files []*ast.File
	for _, n := range names {
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// gateWrites are the methods of *sql.DB and *sql.Conn that write, or begin
// a transaction, whatever the query.
var gateWrites = []string{"Exec", "ExecContext", "Begin", "BeginTx"}

// gateQueries are those that write when their query does: the index of
// the query among the arguments.
var gateQueries = map[string]int{
	"Query": 0, "QueryRow": 0, "Prepare": 0,
	"QueryContext": 1, "QueryRowContext": 1, "PrepareContext": 1,
}

// checkGateRule type-checks one package's files and returns where they
// write past the gate, each as "file:line:col: what".
func checkGateRule(fset *token.FileSet, path string, files []*ast.File, imp types.Importer) ([]string, error) {
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	var typeErrs []error
	conf := types.Config{Importer: imp, FakeImportC: true, Error: func(err error) { typeErrs = append(typeErrs, err) }}
	if _, err := conf.Check(path, fset, files, info); err != nil && !allCgo(typeErrs, files) {
		// Unchecked, a package would pass whatever it did.
		return nil, fmt.Errorf("cannot type-check: %w", errors.Join(typeErrs...))
	}
	c := &gateChecker{fset: fset, info: info}
	for _, f := range files {
		c.file(f)
	}
	sort.Strings(c.found)
	return c.found, nil
}

// allCgo reports whether every type error is about cgo's C package, which
// FakeImportC leaves unchecked (a package with `import "C"`).
func allCgo(errs []error, files []*ast.File) bool {
	usesC := false
	for _, f := range files {
		for _, im := range f.Imports {
			usesC = usesC || im.Path.Value == `"C"`
		}
	}
	if !usesC {
		return false
	}
	for _, err := range errs {
		if !strings.Contains(err.Error(), "C.") && !strings.Contains(err.Error(), "_Ctype_") {
			return false
		}
	}
	return true
}

type gateChecker struct {
	fset  *token.FileSet
	info  *types.Info
	found []string
}

func (c *gateChecker) report(n ast.Node, format string, args ...any) {
	c.found = append(c.found, c.fset.Position(n.Pos()).String()+": "+fmt.Sprintf(format, args...))
}

// file walks f keeping the signature of the function each return is in.
func (c *gateChecker) file(f *ast.File) {
	var sigs []*types.Signature
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			if top := stack[len(stack)-1]; isFunc(top) {
				sigs = sigs[:len(sigs)-1]
			}
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.FuncDecl:
			sig, _ := c.info.Defs[n.Name].Type().(*types.Signature)
			sigs = append(sigs, sig)
		case *ast.FuncLit:
			sig, _ := c.info.Types[n].Type.(*types.Signature)
			sigs = append(sigs, sig)
		case *ast.SelectorExpr:
			c.selector(n)
		case *ast.CallExpr:
			c.call(n)
		case *ast.AssignStmt:
			if n.Tok == token.ASSIGN && len(n.Lhs) == len(n.Rhs) {
				for i, r := range n.Rhs {
					c.into(r, c.info.Types[n.Lhs[i]].Type)
				}
			}
		case *ast.ValueSpec:
			if n.Type != nil {
				for _, v := range n.Values {
					c.into(v, c.info.Types[n.Type].Type)
				}
			}
		case *ast.ReturnStmt:
			if len(sigs) > 0 && sigs[len(sigs)-1] != nil {
				res := sigs[len(sigs)-1].Results()
				if res.Len() == len(n.Results) {
					for i, r := range n.Results {
						c.into(r, res.At(i).Type())
					}
				}
			}
		case *ast.CompositeLit:
			c.composite(n)
		case *ast.SendStmt:
			if ch, ok := c.info.Types[n.Chan].Type.Underlying().(*types.Chan); ok {
				c.into(n.Value, ch.Elem())
			}
		}
		return true
	})
}

func isFunc(n ast.Node) bool {
	switch n.(type) {
	case *ast.FuncDecl, *ast.FuncLit:
		return true
	}
	return false
}

// selector finds a writing method of a bare handle, called or taken.
func (c *gateChecker) selector(sel *ast.SelectorExpr) {
	s, ok := c.info.Selections[sel]
	if !ok || s.Kind() != types.MethodVal {
		return
	}
	if h := bareHandle(methodRecv(s)); h != "" && slices.Contains(gateWrites, sel.Sel.Name) {
		c.report(sel, "%s on a bare %s bypasses the write gate (use database.Writer, On, InTx or Begin)", sel.Sel.Name, h)
	}
}

// call finds a query that writes on a bare handle, and a bare handle
// passed as an argument that can write on it.
func (c *gateChecker) call(call *ast.CallExpr) {
	if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
		if s, ok := c.info.Selections[sel]; ok && s.Kind() == types.MethodVal {
			if i, ok := gateQueries[sel.Sel.Name]; ok && i < len(call.Args) {
				if h := bareHandle(methodRecv(s)); h != "" {
					if q, ok := constString(c.info.Types[call.Args[i]]); ok && isWrite(q) {
						c.report(call, "%s writing on a bare %s bypasses the write gate (use database.Writer or On)", sel.Sel.Name, h)
					}
				}
			}
		}
	}
	fun := c.info.Types[call.Fun]
	if fun.IsType() { // a conversion
		if len(call.Args) == 1 {
			c.into(call.Args[0], fun.Type)
		}
		return
	}
	sig, ok := fun.Type.(*types.Signature)
	if !ok {
		return
	}
	params := sig.Params()
	for i, a := range call.Args {
		switch {
		case sig.Variadic() && i >= params.Len()-1:
			last := params.At(params.Len() - 1).Type()
			if call.Ellipsis.IsValid() {
				c.into(a, last)
			} else if sl, ok := last.Underlying().(*types.Slice); ok {
				c.into(a, sl.Elem())
			}
		case i < params.Len():
			c.into(a, params.At(i).Type())
		}
	}
}

// composite checks each element of a literal against the type it fills.
func (c *gateChecker) composite(lit *ast.CompositeLit) {
	t := c.info.Types[lit].Type
	if t == nil {
		return
	}
	for i, e := range lit.Elts {
		kv, _ := e.(*ast.KeyValueExpr)
		switch u := t.Underlying().(type) {
		case *types.Struct:
			switch {
			case kv != nil:
				if id, ok := kv.Key.(*ast.Ident); ok {
					for f := range u.Fields() {
						if f.Name() == id.Name {
							c.into(kv.Value, f.Type())
						}
					}
				}
			case i < u.NumFields():
				c.into(e, u.Field(i).Type())
			}
		case *types.Slice:
			c.into(value(e, kv), u.Elem())
		case *types.Array:
			c.into(value(e, kv), u.Elem())
		case *types.Map:
			if kv != nil {
				c.into(kv.Key, u.Key())
				c.into(kv.Value, u.Elem())
			}
		}
	}
}

func value(e ast.Expr, kv *ast.KeyValueExpr) ast.Expr {
	if kv != nil {
		return kv.Value
	}
	return e
}

// into reports e, a bare handle, going into a value of type to that can
// write on it: an interface with a writing method.
func (c *gateChecker) into(e ast.Expr, to types.Type) {
	if to == nil {
		return
	}
	h := bareHandle(c.info.Types[e].Type)
	if h == "" || !types.IsInterface(to) {
		return
	}
	for _, name := range gateWrites {
		if obj, _, _ := types.LookupFieldOrMethod(to, false, nil, name); obj != nil {
			c.report(e, "a bare %s given as %s, which can %s on it past the write gate (give database.Writer(db) or database.On(ctx, db))", h, types.TypeString(to, nil), name)
			return
		}
	}
}

// methodRecv is the receiver the selected method is declared on: the
// *sql.DB of a store that embeds one, too.
func methodRecv(s *types.Selection) types.Type {
	return s.Obj().(*types.Func).Signature().Recv().Type()
}

// bareHandle names t if it is a *sql.DB or *sql.Conn (or one not taken by
// pointer), else "".
func bareHandle(t types.Type) string {
	if t == nil {
		return ""
	}
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "database/sql" {
		return ""
	}
	switch n.Obj().Name() {
	case "DB", "Conn":
		return "*sql." + n.Obj().Name()
	}
	return ""
}

func constString(tv types.TypeAndValue) (string, bool) {
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}
