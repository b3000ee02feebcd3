package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"segretariato/internal/intakerule"
)

// ErasedCitizenMixin gives a contact what the figures of the social demand
// read of its citizen once the citizen is erased (internal/dsr): the age
// band at the contact's date, the citizenship and the district. Erasure
// copies them from the citizen onto each of its contacts and removes them
// from the citizen, so that the figures stay the same while the citizen's
// record no longer holds a birth date, a citizenship or a district. They
// are null on every other contact, and not in the API.
type ErasedCitizenMixin struct{ mixin.Schema }

// Fields of the mixin.
func (ErasedCitizenMixin) Fields() []ent.Field {
	skip := entgql.Skip()
	return []ent.Field{
		// erased_age_band is an AGE_BAND key (0-17, …, 85+, UNKNOWN).
		field.String("erased_age_band").Optional().Nillable().MaxLen(8).Annotations(skip),
		field.String("erased_citizenship").Optional().Nillable().MaxLen(2).Annotations(skip),
		// erased_district is the district as the citizen's record spelt it;
		// erased_district_key its case-folded form, used to group.
		field.String("erased_district").Optional().Nillable().MaxLen(intakerule.MaxDistrict).Annotations(skip),
		field.String("erased_district_key").Optional().Nillable().MaxLen(intakerule.MaxDistrict).Annotations(skip),
	}
}
