// Package nopolicy is a made-up ent schema for the test that every
// entity has a privacy policy: Pet has one, Owner has none.
package nopolicy

import (
	"entgo.io/ent"
	"entgo.io/ent/privacy"
	"entgo.io/ent/schema/field"
)

// Pet has a policy.
type Pet struct{ ent.Schema }

func (Pet) Fields() []ent.Field { return []ent.Field{field.String("name")} }

func (Pet) Policy() ent.Policy { return privacy.Policy{} }

// Owner has none: ent lets everyone read and write it.
type Owner struct{ ent.Schema }

func (Owner) Fields() []ent.Field { return []ent.Field{field.String("name")} }
