package access

import (
	"context"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/predicate"
	"segretariato/ent/privacy"
	"segretariato/ent/referral"
	"segretariato/ent/referralevent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access/system"
	"segretariato/internal/apperr"
	"segretariato/internal/auth"
	"segretariato/internal/sqlbind"
)

// The privacy rules the ent schema attaches to each entity. Every query
// and mutation is evaluated against them, on every path: root queries,
// node and nodes, edges, where filters, counts, and mutations including
// creates. What no rule allows is denied.
//
//	SOCIAL_WORKER  the citizens they hold or that are shared with them,
//	               those citizens' contacts and referrals, and the contacts
//	               they recorded; reference data read-only; creates
//	               contacts and referrals for citizens in that scope
//	COORDINATOR    everything of the service
//	ANALYST        reference data; no person-level record by any path
//	ADMIN          operators other than coordinators (operators.go),
//	               reference data, the audit trail; no citizen, contact
//	               or referral
//
// A social worker's query is filtered, so "not yours" and "does not
// exist" give the same answer; other roles are refused outright.

// System returns a context for the service's own checks and jobs (start-up
// reference data, imports, retention): the privacy rules let it through
// and its reads and writes are not recorded as an operator's.
func System(ctx context.Context) context.Context {
	return system.Context(ctx)
}

func viewer(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return nil, privacy.Denyf("no authenticated operator")
	}
	return v, nil
}

// CitizenScope is what a social worker may see of citizens: those they
// hold and those shared with them. The shares are read from their table
// alone (ent's edge predicate would join the operators too, a join more
// for PostgreSQL to plan in every statement of a social worker's).
func CitizenScope(op int) predicate.Citizen {
	return citizen.Or(citizen.HolderID(op), predicate.Citizen(func(s *sql.Selector) {
		shares := sql.Table(citizen.SharedWithTable)
		citizenCol, operatorCol := citizen.SharedWithPrimaryKey[0], citizen.SharedWithPrimaryKey[1]
		s.Where(sql.In(s.C(citizen.FieldID),
			sql.Select(shares.C(citizenCol)).From(shares).Where(sql.EQ(shares.C(operatorCol), op))))
	}))
}

// ContactScope is what a social worker may see of contacts.
func ContactScope(op int) predicate.Contact { return contactScope(op, nil) }

// contactScope is ContactScope, told the citizens the request has already
// been returned under CitizenScope (facts.visibleCitizens): their contacts
// match at once, without the look-up of their citizen, which PostgreSQL
// runs for every contact the social worker did not record (a citizen's
// history: most of them). The same contacts match either way.
func contactScope(op int, visible []int) predicate.Contact {
	ps := []predicate.Contact{contact.OperatorID(op)}
	if len(visible) > 0 {
		ps = append(ps, predicate.Contact(oneOf(contact.FieldCitizenID, visible)))
	}
	return contact.Or(append(ps, contact.HasCitizenWith(CitizenScope(op)))...)
}

// ReferralScope is what a social worker may see of referrals.
func ReferralScope(op int) predicate.Referral { return referralScope(op, nil) }

func referralScope(op int, visible []int) predicate.Referral {
	return referral.HasContactWith(contactScope(op, visible))
}

// oneOf is "the column is one of ids" with the ids as one argument
// (sqlbind.OneOf): one statement text whatever their number.
func oneOf(col string, ids []int) func(*sql.Selector) {
	return func(s *sql.Selector) {
		open, arg, end := sqlbind.OneOfParts(s.Dialect() == dialect.Postgres, ids)
		s.Where(sql.P(func(b *sql.Builder) { b.WriteString(s.C(col) + open).Arg(arg).WriteString(end) }))
	}
}

// personQuery allows the coordinator, filters a social worker's query with
// scope, and denies everyone else.
func personQuery(ctx context.Context, filter func(op int)) error {
	v, err := viewer(ctx)
	if err != nil {
		return err
	}
	switch v.Role {
	case schematype.RoleCoordinator:
		return privacy.Allow
	case schematype.RoleSocialWorker:
		filter(v.OperatorID)
		return privacy.Allow
	}
	return privacy.Denyf("role may not read person-level records")
}

// personMutation allows the coordinator, asks inScope for a social
// worker, and denies everyone else. A social worker may not run bulk
// updates or deletes.
func personMutation(ctx context.Context, m ent.Mutation, inScope func(ctx context.Context, op int) (bool, error)) error {
	v, err := viewer(ctx)
	if err != nil {
		return err
	}
	switch v.Role {
	case schematype.RoleCoordinator:
		return privacy.Allow
	case schematype.RoleSocialWorker:
		if m.Op().Is(ent.OpUpdate) || m.Op().Is(ent.OpDelete) {
			return privacy.Denyf("bulk changes are not allowed")
		}
		ok, err := inScope(System(ctx), v.OperatorID)
		if err != nil {
			return err
		}
		if ok {
			return privacy.Allow
		}
		return privacy.Denyf("record outside the operator's cases")
	}
	return privacy.Denyf("role may not change person-level records")
}

// CitizenPolicy guards citizens.
func CitizenPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.CitizenQueryRuleFunc(func(ctx context.Context, q *ent.CitizenQuery) error {
			return personQuery(ctx, func(op int) { q.Where(CitizenScope(op)) })
		})},
		Mutation: privacy.MutationPolicy{privacy.CitizenMutationRuleFunc(func(ctx context.Context, m *ent.CitizenMutation) error {
			return personMutation(ctx, m, func(ctx context.Context, op int) (bool, error) {
				if holder, set := m.HolderID(); set && holder != op {
					return false, nil // a social worker cannot give a case to someone else
				}
				if m.Op().Is(ent.OpCreate) {
					return true, nil
				}
				id, _ := m.ID()
				return m.Client().Citizen.Query().Where(citizen.ID(id), CitizenScope(op)).Exist(ctx)
			})
		})},
	}
}

// ContactPolicy guards contacts.
func ContactPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.ContactQueryRuleFunc(func(ctx context.Context, q *ent.ContactQuery) error {
			return personQuery(ctx, func(op int) { q.Where(contactScope(op, factsOf(ctx).visibleCitizens())) })
		})},
		Mutation: privacy.MutationPolicy{privacy.ContactMutationRuleFunc(func(ctx context.Context, m *ent.ContactMutation) error {
			return personMutation(ctx, m, func(ctx context.Context, op int) (bool, error) {
				if _, set := m.ContactRef(); set {
					// The old register's card id, the key of the coordinator's
					// imports: refused whatever its value, so that no answer
					// tells whether another's contact has it.
					return false, apperr.OnField("contactRef", "is set only by the coordinator (the card's id in the old register)")
				}
				if rec, set := m.OperatorID(); set && rec != op {
					return false, nil // one records only one's own contacts
				}
				if cid, set := m.CitizenID(); set {
					ok, err := m.Client().Citizen.Query().Where(citizen.ID(cid), CitizenScope(op)).Exist(ctx)
					if err != nil || !ok {
						return false, err
					}
				}
				if m.Op().Is(ent.OpCreate) {
					return true, nil
				}
				id, _ := m.ID()
				return m.Client().Contact.Query().Where(contact.ID(id), ContactScope(op)).Exist(ctx)
			})
		})},
	}
}

// ReferralPolicy guards referrals.
func ReferralPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.ReferralQueryRuleFunc(func(ctx context.Context, q *ent.ReferralQuery) error {
			return personQuery(ctx, func(op int) { q.Where(referralScope(op, factsOf(ctx).visibleCitizens())) })
		})},
		Mutation: privacy.MutationPolicy{privacy.ReferralMutationRuleFunc(func(ctx context.Context, m *ent.ReferralMutation) error {
			return personMutation(ctx, m, func(ctx context.Context, op int) (bool, error) {
				if cid, set := m.ContactID(); set {
					return m.Client().Contact.Query().Where(contact.ID(cid), ContactScope(op)).Exist(ctx)
				}
				id, _ := m.ID()
				return m.Client().Referral.Query().Where(referral.ID(id), ReferralScope(op)).Exist(ctx)
			})
		})},
	}
}

// ReferralEventPolicy guards the referrals' history: written only with a
// referral in scope, never changed.
func ReferralEventPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.ReferralEventQueryRuleFunc(func(ctx context.Context, q *ent.ReferralEventQuery) error {
			return personQuery(ctx, func(op int) {
				q.Where(referralevent.HasReferralWith(referralScope(op, factsOf(ctx).visibleCitizens())))
			})
		})},
		Mutation: privacy.MutationPolicy{privacy.ReferralEventMutationRuleFunc(func(ctx context.Context, m *ent.ReferralEventMutation) error {
			if !m.Op().Is(ent.OpCreate) {
				return privacy.Denyf("the referral history is append-only")
			}
			return personMutation(ctx, m, func(ctx context.Context, op int) (bool, error) {
				rid, set := m.ReferralID()
				if !set {
					return false, nil
				}
				return m.Client().Referral.Query().Where(referral.ID(rid), ReferralScope(op)).Exist(ctx)
			})
		})},
	}
}

// AuditPolicy: coordinators and admins read the trail; anyone's operation
// may append to it (the audit hook writes with the operator's context);
// nobody changes or deletes it.
func AuditPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.QueryRuleFunc(func(ctx context.Context, _ ent.Query) error {
			return allowRoles(ctx, schematype.RoleCoordinator, schematype.RoleAdmin)
		})},
		Mutation: privacy.MutationPolicy{privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
			if !m.Op().Is(ent.OpCreate) {
				return privacy.Denyf("the audit trail is append-only")
			}
			if _, err := viewer(ctx); err != nil {
				return err
			}
			return privacy.Allow
		})},
	}
}

// ReferencePolicy guards reference data (need taxonomy, services,
// trainings, locations, timetable, sessions, surveys): every operator
// reads it; the coordinator and the admin change it.
func ReferencePolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.QueryRuleFunc(anyOperator)},
		Mutation: privacy.MutationPolicy{privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
			return allowRoles(ctx, schematype.RoleCoordinator, schematype.RoleAdmin)
		})},
	}
}

// anyOperator lets every authenticated operator read.
func anyOperator(ctx context.Context, _ ent.Query) error {
	if _, err := viewer(ctx); err != nil {
		return err
	}
	return privacy.Allow
}

func allowRoles(ctx context.Context, roles ...schematype.Role) error {
	v, err := viewer(ctx)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if v.Role == r {
			return privacy.Allow
		}
	}
	return privacy.Denyf("role may not do this")
}
