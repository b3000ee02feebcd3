//go:build ignore

// entc generates the ent client and the GraphQL schema of the entities
// (graph/ent.graphqls) from ent/schema. Run through `go generate ./...`
// from the module root, before gqlgen, which reads what this writes.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphqls"),
		entgql.WithWhereInputs(true),
		entgql.WithRelaySpec(true),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "segretariato/ent",
		Hooks:   []gen.Hook{selectSkippedEdgeKeys},
		Templates: []*gen.Template{
			gen.MustParse(gen.NewTemplate("driver").ParseFiles("./ent/template/driver.tmpl")),
			gen.MustParse(gen.NewTemplate("fields").ParseFiles("./ent/template/fields.tmpl")),
		},
		Features: []gen.Feature{
			gen.FeatureModifier,
			gen.FeatureGlobalID,
			gen.FeatureUpsert,
			gen.FeatureIntercept,
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureVersionedMigration,
		},
	}, entc.Extensions(ex))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// selectSkippedEdgeKeys lets entgql's field collection select only the
// columns a query asks for when it asks for an edge whose GraphQL field
// is written by hand (entgql.Skip(entgql.SkipType)) from the foreign key
// the record holds, such as a contact's mainNeed or a referral's service,
// read from the reference data's cache (graph): entgql takes such a field
// for an unknown one and selects every column, for every row of a page.
// Each is written as a case of the collection's switch that selects the
// key, after entgql's own cases; a collection without the switch's
// fallback is an error (entgql's template changed, look again).
func selectSkippedEdgeKeys(next gen.Generator) gen.Generator {
	// An edge's GraphQL name, as entgql names it (main_need → mainNeed).
	camel := gen.Funcs["camel"].(func(string) string)
	return gen.GenerateFunc(func(g *gen.Graph) error {
		if err := next.Generate(g); err != nil {
			return err
		}
		path := filepath.Join(g.Config.Target, "gql_collection.go")
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range g.Nodes {
			var cases strings.Builder
			for _, e := range n.Edges {
				var ant entgql.Annotation
				if !e.Unique || e.Field() == nil || ant.Decode(e.Annotations[ant.Name()]) != nil || !ant.Skip.Is(entgql.SkipType) {
					continue
				}
				col := n.Package() + "." + e.Field().Constant()
				fmt.Fprintf(&cases, "case %q:\n\tif _, ok := fieldSeen[%s]; !ok {\n\t\tselectedFields = append(selectedFields, %s)\n\t\tfieldSeen[%s] = struct{}{}\n\t}\n",
					camel(e.Name), col, col, col)
			}
			if cases.Len() == 0 {
				continue
			}
			start := bytes.Index(src, []byte(fmt.Sprintf("func (_q *%s) collectField(", n.QueryName())))
			if start < 0 {
				return fmt.Errorf("%s: no collectField of %s", path, n.QueryName())
			}
			at := bytes.Index(src[start:], []byte("\t\tcase \"__typename\":"))
			if at < 0 {
				return fmt.Errorf("%s: collectField of %s has no __typename case", path, n.QueryName())
			}
			at += start
			src = append(src[:at:at], append([]byte(cases.String()), src[at:]...)...)
		}
		if src, err = format.Source(src); err != nil {
			return err
		}
		return os.WriteFile(path, src, 0o644)
	})
}
