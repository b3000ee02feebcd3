package access

import (
	"context"
	"encoding/json"
	"strings"

	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/predicate"
	"segretariato/ent/referral"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/auth"
)

// The privacy rules filter the rows a social worker's query returns, but a
// where filter may still test fields of related rows: a contact the social
// worker recorded may belong to a citizen outside their cases, and a case
// shared with them shows no fiscal code. These guards narrow such filters
// so that they can only match what the social worker may read.

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

// CitizenFilterGuard: a social worker who filters citizens by fiscal code
// matches only the citizens they hold (the only ones whose code they read).
func CitizenFilterGuard(ctx context.Context, where any) []predicate.Citizen {
	op, ok := viewingSocialWorker(ctx)
	if !ok || !mentions(where, "fiscalCode") {
		return nil
	}
	return []predicate.Citizen{citizen.HolderID(op)}
}

// citizenReadable is a contact whose citizen (if any) the social worker may
// read, holding its fiscal code when the filter tests fiscal codes.
func citizenReadable(op int, fiscal bool) predicate.Contact {
	scope := CitizenScope(op)
	if fiscal {
		scope = citizen.HolderID(op)
	}
	return contact.Or(contact.CitizenIDIsNil(), contact.HasCitizenWith(scope))
}

// ContactFilterGuard: a social worker who filters contacts by their
// citizen matches only contacts whose citizen they may read.
func ContactFilterGuard(ctx context.Context, where any) []predicate.Contact {
	op, ok := viewingSocialWorker(ctx)
	if !ok || !mentions(where, "hasCitizen") {
		return nil
	}
	return []predicate.Contact{citizenReadable(op, mentions(where, "fiscalCode"))}
}

// ReferralFilterGuard: the same for referrals filtered through their
// contact's citizen.
func ReferralFilterGuard(ctx context.Context, where any) []predicate.Referral {
	op, ok := viewingSocialWorker(ctx)
	if !ok || !mentions(where, "hasCitizen") {
		return nil
	}
	return []predicate.Referral{referral.HasContactWith(citizenReadable(op, mentions(where, "fiscalCode")))}
}
