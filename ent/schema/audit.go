package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEvent records who read or changed which personal record, when and
// from where. It is append-only: no API changes or deletes it, and the
// database refuses UPDATE and DELETE on its table (internal/database).
type AuditEvent struct{ ent.Schema }

// Fields of AuditEvent.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Time("at").Default(now).Immutable().
			Annotations(entgql.OrderField("AT")),
		// operator_id is nil for the system's own work (import from the
		// command line, retention) and for the command line's operator
		// commands (role COMMAND_LINE).
		field.Int("operator_id").Optional().Nillable().Immutable(),
		field.String("operator_email").Optional().Immutable(),
		field.String("role").Optional().Immutable(),
		// action: READ, CREATE, UPDATE, DELETE, EXPORT, ERASE, SHARE, IMPORT, …
		field.String("action").Immutable(),
		// entity is the ent type name (Citizen, Contact, Referral, …).
		field.String("entity").Immutable(),
		field.Int("entity_id").Optional().Nillable().Immutable(),
		field.String("request_id").Optional().Immutable(),
		field.String("client_addr").Optional().Immutable(),
		field.String("detail").Optional().Immutable().MaxLen(500),
		// A READ event is one per request: records lists what it showed,
		// by entity ("Citizen:1,2 Contact:3"), and citizens the people
		// those records are about (ids; a bigint[] on PostgreSQL, with a
		// GIN index, "{1,2}" text on SQLite), for "who looked at this
		// citizen" (internal/audit).
		field.Text("records").Optional().Immutable().
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("citizens").Optional().Immutable().
			SchemaType(map[string]string{dialect.Postgres: "bigint[]"}).
			Annotations(entgql.Skip()),
	}
}

// Indexes of AuditEvent: "who looked at this citizen" (the record's
// entity and id, and the citizens of a READ) and "what did this operator
// do".
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("entity", "entity_id", "at"),
		index.Fields("operator_id", "at"),
		index.Fields("citizens").Annotations(entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"})),
	}
}

// Annotations of AuditEvent: readable as a connection, never writable
// through the API.
func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
	}
}
