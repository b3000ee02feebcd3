// Package segretariato is the backend of a municipality's Segretariato
// sociale. This file only holds the code generation steps, in their order:
// ent first (it writes graph/ent.graphqls and ent/migrate), then the
// migration file of any schema change (ent/migrate/migrations; it needs
// the local PostgreSQL, see the README's "Schema changes"), then gqlgen,
// then the printed schema that tools read (docs/schema.graphql).
package segretariato

//go:generate go run -mod=mod ./ent/entc.go
//go:generate go run -mod=mod ./internal/database/migrationgen
//go:generate go run -mod=mod ./internal/dimension/graphqlgen graph/schema/dimension.graphqls
//go:generate go run -mod=mod ./internal/gqlgenrun
//go:generate go run -mod=mod ./internal/printschema docs/schema.graphql
