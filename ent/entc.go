//go:build ignore

// entc generates the ent client and the GraphQL schema of the entities
// (graph/ent.graphqls) from ent/schema. Run through `go generate ./...`
// from the module root, before gqlgen, which reads what this writes.
package main

import (
	"log"

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
