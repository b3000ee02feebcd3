// Command gqlgenrun is gqlgen's generate with one plugin of the project's:
// the fields of the API's objects are resolved one after another, not a
// goroutine each. `go generate ./...` runs it from the module root, with
// gqlgen.yml.
//
// gqlgen starts a goroutine for every field with a resolver or a method
// taking a context, in every row, and for every element of a list of
// objects: a page of 50 contacts with their citizen, main need, needs and
// referrals started about 450, whose stacks grew and were scheduled for
// fields that only read what the page's queries had already loaded (ent's
// eager loading, the reference-data cache, the per-request facts of the
// privacy rules), so concurrency bought nothing. So the objects' fields
// are resolved in order (the plugin below), and the generated lists call
// internal/inorder's MarshalSlice in place of gqlgen's concurrent one
// (rewrite, after generation: gqlgen has no setting for it). The query
// root keeps its concurrency: a dashboard asks several answers at once
// (BENCHMARKS.md).
//
// The same rewrite drops the deferred group every object's marshaller
// made, path included, for the fields of an @defer fragment: the schema
// has no @defer, so none was ever filled, and a page of 50 contacts made
// about 500 (some 2,000 allocations).
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"log"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"golang.org/x/tools/go/ast/astutil"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gqlgenrun: ")
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		log.Fatal(err)
	}
	if err := api.Generate(cfg, api.AddPlugin(inOrder{})); err != nil {
		log.Fatal(err)
	}
	if err := rewrite(cfg.Exec.Filename); err != nil {
		log.Fatal(err)
	}
}

// rewrite rewrites the generated file's calls of
// graphql.MarshalSliceConcurrently into calls of inorder.MarshalSlice,
// which has the same signature, and its unused deferred groups
// (unusedDeferred). None of either found is an error: gqlgen changed how
// it marshals lists or objects, and this step must be looked at again.
func rewrite(filename string) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, nil, parser.ParseComments)
	if err != nil {
		return err
	}
	if inOrderLists(f) == 0 {
		return fmt.Errorf("%s: no call of graphql.MarshalSliceConcurrently to rewrite", filename)
	}
	if unusedDeferred(f) == 0 {
		return fmt.Errorf("%s: no deferred group to drop", filename)
	}
	astutil.AddImport(fset, f, "segretariato/internal/inorder")
	var buf bytes.Buffer
	if err := format.Node(&buf, fset, f); err != nil {
		return err
	}
	return os.WriteFile(filename, buf.Bytes(), 0o644)
}

// inOrder resolves the fields of every object but the query root in order.
type inOrder struct{}

func (inOrder) Name() string { return "inorder" }

func (inOrder) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if o.Name != "Query" {
			o.DisableConcurrency = true
		}
	}
	return nil
}

// inOrderLists replaces the calls of graphql.MarshalSliceConcurrently
// with calls of inorder.MarshalSlice. It returns how many it replaced.
func inOrderLists(f *ast.File) int {
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		if call, ok := node.(*ast.CallExpr); ok && isCall(call, "graphql", "MarshalSliceConcurrently") {
			call.Fun = &ast.SelectorExpr{X: ast.NewIdent("inorder"), Sel: ast.NewIdent("MarshalSlice")}
			n++
		}
		return true
	})
	return n
}

// unusedDeferred replaces `deferred := graphql.NewDeferredGroup(ctx)`
// with an empty graphql.DeferredGroup in the functions that only ask how
// many defers it holds and hand it on (three uses of the name: no field
// of theirs is deferrable). It returns how many it replaced.
func unusedDeferred(f *ast.File) int {
	n := 0
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		var init *ast.AssignStmt
		uses := 0
		ast.Inspect(fn.Body, func(node ast.Node) bool {
			switch x := node.(type) {
			case *ast.Ident:
				if x.Name == "deferred" {
					uses++
				}
			case *ast.AssignStmt:
				if len(x.Lhs) == 1 && len(x.Rhs) == 1 {
					if id, ok := x.Lhs[0].(*ast.Ident); ok && id.Name == "deferred" && isCall(x.Rhs[0], "graphql", "NewDeferredGroup") {
						init = x
					}
				}
			}
			return true
		})
		if init != nil && uses == 3 {
			init.Rhs[0] = &ast.CompositeLit{Type: &ast.SelectorExpr{X: ast.NewIdent("graphql"), Sel: ast.NewIdent("DeferredGroup")}}
			n++
		}
	}
	return n
}

func isCall(e ast.Expr, pkg, name string) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg && sel.Sel.Name == name
}
