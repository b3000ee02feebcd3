package access

import (
	"context"
	"encoding/json"
	"strings"

	"segretariato/ent/contact"
	"segretariato/ent/predicate"
	"segretariato/ent/referral"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/auth"
)

// The privacy rules filter the rows a social worker's query returns, but a
// where filter may still test fields of related rows: a contact the social
// worker recorded may belong to a citizen outside their cases. These
// guards narrow such filters so that they can only match citizens the
// social worker may see. (Fields they may not read at all, such as fiscal
// codes, cannot be filtered on by them anywhere: see filterguard.go.)

// mentions reports whether a where input names a filter key anywhere,
// nested ones included.
func mentions(where any, key string) bool {
	b, err := json.Marshal(where)
	return err == nil && strings.Contains(string(b), `"`+key)
}

func viewingSocialWorker(ctx context.Context) (int, bool) {
	v := auth.FromContext(ctx)
	if v == nil || v.Role != schematype.RoleSocialWorker {
		return 0, false
	}
	return v.OperatorID, true
}

// citizenReadable is a contact whose citizen (if any) the social worker
// may see.
func citizenReadable(op int) predicate.Contact {
	return contact.Or(contact.CitizenIDIsNil(), contact.HasCitizenWith(CitizenScope(op)))
}

// filtersByCitizen reports whether a where input tests a contact's
// citizen: through the edge (hasCitizen, hasCitizenWith) or through its
// foreign key (citizenID, citizenIDIn, citizenIDIsNil, …), which reads
// null for a citizen the viewer may not see (foreignkeys.go) and so may
// not be probed either.
func filtersByCitizen(where any) bool {
	return mentions(where, "hasCitizen") || mentions(where, "citizenID")
}

// ContactFilterGuard: a social worker who filters contacts by their
// citizen matches only contacts whose citizen they may see.
func ContactFilterGuard(ctx context.Context, where any) []predicate.Contact {
	op, ok := viewingSocialWorker(ctx)
	if !ok || !filtersByCitizen(where) {
		return nil
	}
	return []predicate.Contact{citizenReadable(op)}
}

// ReferralFilterGuard: the same for referrals filtered through their
// contact's citizen.
func ReferralFilterGuard(ctx context.Context, where any) []predicate.Referral {
	op, ok := viewingSocialWorker(ctx)
	if !ok || !filtersByCitizen(where) {
		return nil
	}
	return []predicate.Referral{referral.HasContactWith(citizenReadable(op))}
}
