// Package schema is the data model of the Segretariato sociale: the ent
// schemas of operators, citizens, contacts (intake cards), the need
// taxonomy, the services of the territory, referrals, trainings, opening
// sessions and satisfaction surveys. Everything under ent/ except this
// folder and ent/entc.go is generated from it.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// TimeMixin gives every entity its creation and last-update timestamps,
// set by the server and never by a client.
type TimeMixin struct{ mixin.Schema }

// Fields of the mixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(now).
			Immutable().
			Annotations(
				entgql.OrderField("CREATED_AT"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.Time("updated_at").
			Default(now).
			UpdateDefault(now).
			Annotations(
				entgql.OrderField("UPDATED_AT"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
	}
}

// personal marks a field that only the coordinator and the social worker
// holding the case may read (the @personal directive, internal/access).
var personal = entgql.Directives(entgql.NewDirective("personal"))

// now is UTC: times are stored in UTC on both databases, and turned into
// Europe/Rome local dates only when a figure is bucketed by period.
func now() time.Time { return time.Now().UTC() }
