package access

import (
	"context"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/consentevent"
	"segretariato/ent/privacy"
)

// ConsentEventPolicy guards the consent history: read by those who may
// see the citizen, appended to by those who may change it (the citizen's
// consent fields and withdrawConsent, internal/consent), never changed
// nor deleted.
func ConsentEventPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.ConsentEventQueryRuleFunc(func(ctx context.Context, q *ent.ConsentEventQuery) error {
			return personQuery(ctx, func(op int) { q.Where(consentevent.HasCitizenWith(CitizenScope(op))) })
		})},
		Mutation: privacy.MutationPolicy{privacy.ConsentEventMutationRuleFunc(func(ctx context.Context, m *ent.ConsentEventMutation) error {
			if !m.Op().Is(ent.OpCreate) {
				return privacy.Denyf("the consent history is append-only")
			}
			return personMutation(ctx, m, func(ctx context.Context, op int) (bool, error) {
				cid, set := m.CitizenID()
				if !set {
					return false, nil
				}
				return m.Client().Citizen.Query().Where(citizen.ID(cid), CitizenScope(op)).Exist(ctx)
			})
		})},
	}
}
