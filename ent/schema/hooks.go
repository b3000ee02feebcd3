package schema

import (
	"entgo.io/ent"

	"segretariato/internal/intake"
)

// Hooks of Citizen: fiscal code, birth date and sex, district (internal/intake).
func (Citizen) Hooks() []ent.Hook { return []ent.Hook{intake.CitizenHook()} }

// Hooks of Contact: anonymous fields, responses, main need (internal/intake).
func (Contact) Hooks() []ent.Hook { return []ent.Hook{intake.ContactHook()} }
