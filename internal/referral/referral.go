// Package referral moves the citizens the desk refers on (invii) through
// their states, and keeps the consent rule of external referrals.
//
// A referral's status moves PROPOSED → ACCEPTED or DECLINED, ACCEPTED →
// COMPLETED, and any open status (PROPOSED, ACCEPTED) → CANCELLED; every
// move records its date on the referral and one ReferralEvent. A referral
// to any service but the municipality's own professional social service is
// external: it passes the citizen's data to another organisation, so an
// identified citizen's consent history must say the consent is given and
// not expired (internal/consent), unless the operator explicitly overrides
// it (recorded on the referral and in its first event).
//
// The functions use the transactional client of the context when there is
// one (ent.FromContext), so they join the GraphQL mutation's transaction.
package referral

import (
	"context"
	"time"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/referral"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/apperr"
	"segretariato/internal/consent"
)

// transitions lists, for each status, the statuses it may move to.
var transitions = map[schematype.ReferralStatus][]schematype.ReferralStatus{
	schematype.ReferralStatusProposed: {schematype.ReferralStatusAccepted, schematype.ReferralStatusDeclined, schematype.ReferralStatusCancelled},
	schematype.ReferralStatusAccepted: {schematype.ReferralStatusCompleted, schematype.ReferralStatusCancelled},
}

// CanMove reports whether a referral may move from one status to another.
func CanMove(from, to schematype.ReferralStatus) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// IsOpen reports whether a referral in this status still waits for a step.
func IsOpen(s schematype.ReferralStatus) bool { return len(transitions[s]) > 0 }

func client(ctx context.Context, fallback *ent.Client) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return fallback
}

// Service creates and moves referrals.
type Service struct {
	Client *ent.Client
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Create refers a contact on to a service, as operatorID. It returns
// NOT_FOUND when the contact or service does not exist, INVALID when the
// service is inactive, and FORBIDDEN when an external referral of an
// identified citizen lacks recorded, unexpired consent and override is not
// set.
func (s *Service) Create(ctx context.Context, operatorID int, in ent.CreateReferralInput, override bool) (*ent.Referral, error) {
	c := client(ctx, s.Client)
	con, err := c.Contact.Get(ctx, in.ContactID)
	if err != nil {
		return nil, notFound(err, "contactID")
	}
	svc, err := c.Service.Get(ctx, in.ServiceID)
	if err != nil {
		return nil, notFound(err, "serviceID")
	}
	if !svc.Active {
		return nil, apperr.OnField("serviceID", "the service is no longer active")
	}
	now := s.now()
	usedOverride := false
	if !svc.Internal && con.CitizenID != nil {
		ok, err := HasConsent(ctx, c, *con.CitizenID, now)
		if err != nil {
			return nil, err
		}
		if !ok {
			if !override {
				return nil, apperr.New(apperr.Forbidden, "an external referral needs the citizen's recorded, unexpired consent")
			}
			usedOverride = true
		}
	}
	r, err := c.Referral.Create().
		SetInput(in).
		SetStatus(schematype.ReferralStatusProposed).
		SetProposedAt(now).
		SetConsentOverride(usedOverride).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	reason := ""
	if usedOverride {
		reason = "external referral without recorded consent: operator override"
	}
	if err := c.ReferralEvent.Create().
		SetReferral(r).SetToStatus(schematype.ReferralStatusProposed).SetAt(now).
		SetOperatorID(operatorID).SetReason(reason).
		Exec(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// HasConsent reports whether the citizen's consent history says the
// consent is given and not expired at now (internal/consent): its latest
// entry is a consent given, and not expired; a withdrawal or expiry closes
// the gate. It reads with ctx: a citizen the viewer may not see is
// NOT_FOUND.
func HasConsent(ctx context.Context, c *ent.Client, citizenID int, now time.Time) (bool, error) {
	if _, err := c.Citizen.Query().Where(citizen.ID(citizenID)).OnlyID(ctx); err != nil {
		return false, notFound(err, "contactID")
	}
	st, err := consent.Current(ctx, c, citizenID, now)
	return st == consent.Given, err
}

// Move is one requested step of a referral.
type Move struct {
	Version       int // the version the client read; a stale one gets CONFLICT
	To            schematype.ReferralStatus
	At            *time.Time // when the step happened; now when nil
	Reason        string
	Successful    *bool                     // COMPLETED only
	FailureReason *schematype.FailureReason // COMPLETED and not successful only
}

// Move moves a referral to another status as operatorID and records the
// step. It returns NOT_FOUND for an unknown referral, INVALID for a move
// the states do not allow (naming both), for a date before the previous
// step or in the future, or for an outcome that does not fit the step.
func (s *Service) Move(ctx context.Context, operatorID, id int, mv Move) (*ent.Referral, error) {
	c := client(ctx, s.Client)
	r, err := c.Referral.Get(ctx, id)
	if err != nil {
		return nil, notFound(err, "id")
	}
	if r.Version != mv.Version {
		return nil, apperr.New(apperr.Conflict, "the referral was changed since it was read; read it again and retry")
	}
	if !CanMove(r.Status, mv.To) {
		return nil, apperr.OnField("to", "a referral cannot move from %s to %s", r.Status, mv.To)
	}
	now := s.now()
	at := now
	if mv.At != nil {
		at = mv.At.UTC()
	}
	if at.Before(last(r)) {
		return nil, apperr.OnField("at", "is before the referral's previous step")
	}
	if at.After(now.Add(time.Minute)) {
		return nil, apperr.OnField("at", "is in the future")
	}
	from := r.Status
	up := c.Referral.UpdateOne(r).Where(referral.Version(mv.Version)).AddVersion(1).SetStatus(mv.To)
	if f := StepField(mv.To); f != "" {
		if err := up.Mutation().SetField(f, at); err != nil {
			return nil, err
		}
	}
	if mv.To == schematype.ReferralStatusCompleted {
		if mv.Successful == nil {
			return nil, apperr.OnField("successful", "say whether the referral succeeded")
		}
		up.SetSuccessful(*mv.Successful)
		if *mv.Successful && mv.FailureReason != nil {
			return nil, apperr.OnField("failureReason", "a successful referral has no failure reason")
		}
		if !*mv.Successful {
			if mv.FailureReason == nil {
				return nil, apperr.OnField("failureReason", "say why the referral did not succeed")
			}
			up.SetFailureReason(*mv.FailureReason)
		}
	}
	if mv.To != schematype.ReferralStatusCompleted && (mv.Successful != nil || mv.FailureReason != nil) {
		return nil, apperr.OnField("successful", "only a completed referral has an outcome")
	}
	r, err = up.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.Conflict, "the referral was changed since it was read; read it again and retry")
	}
	if err != nil {
		return nil, err
	}
	if err := c.ReferralEvent.Create().
		SetReferral(r).SetFromStatus(from).SetToStatus(mv.To).SetAt(at).
		SetOperatorID(operatorID).SetReason(mv.Reason).
		Exec(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// last is the date of the referral's latest step.
func last(r *ent.Referral) time.Time {
	t := r.ProposedAt
	for _, p := range []*time.Time{r.AcceptedAt, r.DeclinedAt, r.CompletedAt, r.CancelledAt} {
		if p != nil && p.After(t) {
			t = *p
		}
	}
	return t
}

func notFound(err error, field string) error {
	if ent.IsNotFound(err) {
		return &apperr.Error{Code: apperr.NotFound, Field: field, Message: "not found"}
	}
	return err
}
