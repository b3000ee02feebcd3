// Package dsr serves the data subject's rights of the GDPR on a citizen's
// records: access (art. 15: everything held, as one JSON document) and
// erasure (art. 17) by pseudonymisation, which removes the identity but
// keeps the contacts, so the statistics of the social demand do not
// change. It also runs the retention rule: citizens with no contact for a
// configured number of years are pseudonymised.
package dsr

import (
	"context"
	"fmt"
	"time"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/referral"
	"segretariato/ent/referralevent"
	"segretariato/internal/access/system"
	"segretariato/internal/audit"
	"segretariato/internal/consent"
	"segretariato/internal/dimension"
)

// maxTrail bounds the access log an export carries.
const maxTrail = 10000

// Export returns everything the service holds about a citizen: the
// citizen record, its contacts with needs, informed-about services, notes
// and referrals with their history, its consent history, and who read or
// changed them (the latest maxTrail events). It records an EXPORT audit
// event. It returns a NotFound error for an
// unknown (or not visible) citizen.
func Export(ctx context.Context, c *ent.Client, id int) (map[string]any, error) {
	cit, err := c.Citizen.Query().Where(citizen.ID(id)).WithHolder().WithSharedWith().Only(ctx)
	if err != nil {
		return nil, err
	}
	contacts, err := cit.QueryContacts().
		WithNeeds().WithMainNeed().WithInformedAbout().WithOperator().
		WithReferrals(func(q *ent.ReferralQuery) { q.WithService().WithEvents() }).
		Order(ent.Asc(contact.FieldOccurredAt)).All(ctx)
	if err != nil {
		return nil, err
	}
	history, err := consent.History(ctx, c, id)
	if err != nil {
		return nil, err
	}
	trail, err := audit.CitizenTrail(ctx, c, id, maxTrail)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{
		"exportedAt":     time.Now().UTC(),
		"citizen":        cit,
		"contacts":       contacts,
		"consentHistory": history,
		"accessLog":      trail,
	}
	if err := audit.Record(ctx, c, audit.Export, "Citizen", &id, "data subject access (GDPR art. 15)"); err != nil {
		return nil, err
	}
	return doc, nil
}

// Erase pseudonymises a citizen: names, fiscal code, contact details,
// birth date, citizenship and district are removed from the citizen, the
// notes from its contacts and referrals, and its consent is withdrawn (the
// consent history stays: it shows the consent its referrals relied on).
// What the figures of the social demand read of the citizen is copied
// onto each of its contacts first (the age band at the contact, the
// citizenship, the district), so no figure changes; the citizen keeps its
// sex. From then on the citizen, its contacts and referrals are never
// changed again (internal/intake). It records an ERASE audit event and
// returns the pseudonymised citizen. It is idempotent: an erased citizen
// is returned as it is.
func Erase(ctx context.Context, c *ent.Client, id int, now time.Time) (*ent.Citizen, error) {
	cit, err := c.Citizen.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cit.PseudonymisedAt != nil {
		return cit, nil
	}
	// The contacts and referrals first: once the citizen is erased they
	// cannot be changed.
	contacts, err := c.Contact.Query().Where(contact.CitizenID(id)).
		Select(contact.FieldID, contact.FieldOccurredAt).All(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(contacts))
	for i, k := range contacts {
		ids[i] = k.ID
	}
	if len(ids) > 0 {
		if err := c.Referral.Update().Where(referral.ContactIDIn(ids...)).ClearNotes().Exec(ctx); err != nil {
			return nil, fmt.Errorf("clearing the referrals' notes: %w", err)
		}
		// The referrals' history stays (statuses and dates: the funnel counts
		// them) but its free-text reasons, which can name the person, go. The
		// history is append-only for everyone else: only the erasure, as the
		// service, may clear them.
		if err := c.ReferralEvent.Update().
			Where(referralevent.HasReferralWith(referral.ContactIDIn(ids...)), referralevent.ReasonNEQ("")).
			ClearReason().Exec(system.Context(ctx)); err != nil {
			return nil, fmt.Errorf("clearing the referral steps' reasons: %w", err)
		}
	}
	bands := map[string][]int{} // age band → contacts
	for _, k := range contacts {
		b := dimension.AgeBandAt(cit.BirthDate, k.OccurredAt)
		bands[b] = append(bands[b], k.ID)
	}
	for band, ids := range bands {
		err := c.Contact.Update().Where(contact.IDIn(ids...)).
			ClearNotes().
			SetErasedAgeBand(band).
			SetNillableErasedCitizenship(cit.Citizenship).
			SetNillableErasedDistrict(cit.District).
			SetNillableErasedDistrictKey(cit.DistrictKey).
			Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("keeping the contacts' figures: %w", err)
		}
	}
	cit, err = c.Citizen.UpdateOneID(id).
		ClearFiscalCode().ClearFirstName().ClearLastName().
		ClearPhone().ClearEmail().ClearAddress().
		ClearBirthDate().ClearCitizenship().ClearDistrict().ClearDistrictKey().
		SetPrivacyConsent(false). // appends the withdrawal (internal/consent)
		SetPseudonymisedAt(now.UTC()).
		AddVersion(1).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Erase, "Citizen", &id, "pseudonymised (GDPR art. 17)"); err != nil {
		return nil, err
	}
	return cit, nil
}

// Retain pseudonymises the citizens whose last contact (or, with none,
// whose record) is older than years before now, and returns how many. With
// dryRun it only counts them.
func Retain(ctx context.Context, c *ent.Client, years int, now time.Time, dryRun bool) (int, error) {
	if years < 1 {
		return 0, fmt.Errorf("the retention period must be at least one year")
	}
	cutoff := now.AddDate(-years, 0, 0)
	ids, err := c.Citizen.Query().Where(
		citizen.PseudonymisedAtIsNil(),
		citizen.Not(citizen.HasContactsWith(contact.OccurredAtGTE(cutoff))),
		citizen.Or(citizen.HasContacts(), citizen.CreatedAtLT(cutoff)),
	).IDs(ctx)
	if err != nil || dryRun {
		return len(ids), err
	}
	for _, id := range ids {
		if _, err := Erase(ctx, c, id, now); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
