// Package consent keeps a citizen's consent to pass their data to other
// organisations (the gate of external referrals, internal/referral) as a
// history: every consent given and every withdrawal is one ConsentEvent,
// never changed nor deleted, so a withdrawal does not overwrite the record
// of what was given (GDPR art. 7(1): the controller must be able to show
// the consent it relied on).
//
// The citizen's current consent is its latest entry when that is a GIVEN
// one not expired. The citizen's privacyConsent, consentAt, consentScope
// and consentExpiresAt fields mirror the latest entry and are how the API
// records consent: a mutation that sets them appends an entry (the hook
// below, on every path that writes citizens through ent), and
// withdrawConsent appends a withdrawal. A consent or withdrawal dated in
// the future, or before the citizen's latest entry, is refused.
package consent

import (
	"context"
	"time"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/consentevent"
	"segretariato/ent/hook"
	"segretariato/internal/access/system"
	"segretariato/internal/apperr"
	"segretariato/internal/auth"
)

// Status is a citizen's current consent, as the history says it.
type Status string

// The statuses.
const (
	None      Status = "NONE"      // never given
	Given     Status = "GIVEN"     // given and not expired
	Expired   Status = "EXPIRED"   // given, and expired
	Withdrawn Status = "WITHDRAWN" // withdrawn
)

// skew is how far ahead of the server's clock a date may be: a client
// whose clock is a little ahead is not refused, and no consent opens the
// gate in advance by more than that.
const skew = time.Minute

// Latest returns the citizen's latest entry, nil with none. It reads with
// ctx, so only what the viewer may see.
func Latest(ctx context.Context, c *ent.Client, citizenID int) (*ent.ConsentEvent, error) {
	e, err := c.ConsentEvent.Query().Where(consentevent.CitizenID(citizenID)).
		Order(ent.Desc(consentevent.FieldAt), ent.Desc(consentevent.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return e, err
}

// StatusOf is the status the latest entry gives at now.
func StatusOf(latest *ent.ConsentEvent, now time.Time) Status {
	switch {
	case latest == nil:
		return None
	case latest.Kind == consentevent.KindWITHDRAWN:
		return Withdrawn
	case latest.ExpiresAt != nil && !latest.ExpiresAt.After(now):
		return Expired
	}
	return Given
}

// Current is the citizen's consent status at now.
func Current(ctx context.Context, c *ent.Client, citizenID int, now time.Time) (Status, error) {
	latest, err := Latest(ctx, c, citizenID)
	return StatusOf(latest, now), err
}

// History is the citizen's entries, oldest first.
func History(ctx context.Context, c *ent.Client, citizenID int) ([]*ent.ConsentEvent, error) {
	return c.ConsentEvent.Query().Where(consentevent.CitizenID(citizenID)).
		Order(ent.Asc(consentevent.FieldAt), ent.Asc(consentevent.FieldID)).All(ctx)
}

// Withdraw records the withdrawal of a citizen's consent at at (now when
// nil), on the citizen read at version (CONFLICT when stale). A citizen
// whose latest entry is not a consent given (expired or not) has nothing
// to withdraw: INVALID.
func Withdraw(ctx context.Context, c *ent.Client, citizenID, version int, at *time.Time) (*ent.Citizen, error) {
	cit, err := c.Citizen.Get(ctx, citizenID)
	if ent.IsNotFound(err) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "citizenID", Message: "not found"}
	}
	if err != nil {
		return nil, err
	}
	if cit.Version != version {
		return nil, apperr.New(apperr.Conflict, "the record was changed since it was read; read it again and retry")
	}
	if !cit.PrivacyConsent && cit.PseudonymisedAt == nil { // an erased one is refused by its hook: ERASED
		return nil, apperr.OnField("citizenID", "the citizen has no consent to withdraw")
	}
	up := c.Citizen.UpdateOneID(citizenID).Where(citizen.Version(version)).AddVersion(1).SetPrivacyConsent(false)
	if at != nil {
		up.SetConsentAt(*at) // the withdrawal's date (the hook reads it so)
	}
	cit, err = up.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.Conflict, "the record was changed since it was read; read it again and retry")
	}
	return cit, err
}

// CitizenHook appends to the consent history whatever a citizen mutation
// says of consent, and keeps the citizen's consent fields the mirror of
// the history's latest entry. It returns INVALID for a date in the future
// or before the latest entry, an expiry not after the consent, and consent
// details without consent.
func CitizenHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.CitizenFunc(func(ctx context.Context, m *ent.CitizenMutation) (ent.Value, error) {
			if !touches(m) {
				return next.Mutate(ctx, m)
			}
			if m.Op().Is(ent.OpUpdate) {
				return nil, apperr.New(apperr.Invalid, "consent is recorded one citizen at a time")
			}
			entry, err := plan(ctx, m, time.Now().UTC())
			if err != nil {
				return nil, err
			}
			if entry != nil && m.Op().Is(ent.OpUpdateOne) {
				// Before the update: the erasure's own withdrawal must be
				// written while the citizen is not yet erased.
				id, _ := m.ID()
				if err := entry.SetCitizenID(id).Exec(ctx); err != nil {
					return nil, err
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil || entry == nil || !m.Op().Is(ent.OpCreate) {
				return v, err
			}
			cit, ok := v.(*ent.Citizen)
			if !ok {
				return v, err
			}
			return v, entry.SetCitizenID(cit.ID).Exec(ctx)
		})
	}, ent.OpCreate|ent.OpUpdateOne|ent.OpUpdate)
}

var consentFields = []string{citizen.FieldPrivacyConsent, citizen.FieldConsentAt, citizen.FieldConsentScope, citizen.FieldConsentExpiresAt}

func touches(m *ent.CitizenMutation) bool {
	for _, f := range consentFields {
		if _, set := m.Field(f); set || m.FieldCleared(f) {
			return true
		}
	}
	return false
}

// state is what a citizen's consent fields say.
type state struct {
	given   bool
	at      *time.Time
	scope   string
	expires *time.Time
}

// plan works out the citizen's consent after the mutation, sets the
// mirror fields, and returns the entry to append (nil when nothing
// changes), without its citizen.
func plan(ctx context.Context, m *ent.CitizenMutation, now time.Time) (*ent.ConsentEventCreate, error) {
	var old state
	if m.Op().Is(ent.OpUpdateOne) {
		var err error
		if old.given, err = m.OldPrivacyConsent(ctx); err != nil {
			return nil, err
		}
		if old.at, err = m.OldConsentAt(ctx); err != nil {
			return nil, err
		}
		if old.scope, err = m.OldConsentScope(ctx); err != nil {
			return nil, err
		}
		if old.expires, err = m.OldConsentExpiresAt(ctx); err != nil {
			return nil, err
		}
	}
	given, set := m.PrivacyConsent()
	if !set {
		given = old.given
	}
	at, atSet := m.ConsentAt()
	scope, scopeSet := m.ConsentScope()
	expires, expiresSet := m.ConsentExpiresAt()
	if at.After(now.Add(skew)) {
		return nil, apperr.OnField("consentAt", "is in the future")
	}

	if !given {
		mirror(m, state{})
		if !old.given {
			if atSet || (scopeSet && scope != "") || expiresSet {
				return nil, apperr.OnField("privacyConsent", "consent details need privacyConsent: true")
			}
			return nil, nil
		}
		when := now
		if atSet {
			when = at.UTC()
		}
		if err := notBeforeLatest(ctx, m, when); err != nil {
			return nil, err
		}
		return newEntry(ctx, m, consentevent.KindWITHDRAWN, when, "", nil), nil
	}

	next := state{given: true, at: old.at, scope: old.scope, expires: old.expires}
	if !old.given || m.ConsentAtCleared() {
		next = state{given: true}
	}
	if atSet {
		t := at.UTC()
		next.at = &t
	}
	if next.at == nil {
		next.at = &now
	}
	if scopeSet {
		next.scope = scope
	} else if m.FieldCleared(citizen.FieldConsentScope) {
		next.scope = ""
	}
	if expiresSet {
		t := expires.UTC()
		next.expires = &t
	} else if m.ConsentExpiresAtCleared() {
		next.expires = nil
	}
	if atSet && next.expires != nil && !next.expires.After(*next.at) {
		return nil, apperr.OnField("consentExpiresAt", "must be after consentAt")
	}
	mirror(m, next)
	if old.given && sameTime(old.at, next.at) && old.scope == next.scope && sameTime(old.expires, next.expires) {
		return nil, nil // restated as it was
	}
	if err := notBeforeLatest(ctx, m, *next.at); err != nil {
		return nil, err
	}
	return newEntry(ctx, m, consentevent.KindGIVEN, *next.at, next.scope, next.expires), nil
}

// mirror sets the citizen's consent fields to st (each reset first, so a
// field is never both set and cleared).
func mirror(m *ent.CitizenMutation, st state) {
	m.ResetPrivacyConsent()
	m.SetPrivacyConsent(st.given)
	m.ResetConsentAt()
	if st.at != nil {
		m.SetConsentAt(*st.at)
	} else {
		m.ClearConsentAt()
	}
	m.ResetConsentScope()
	if st.scope != "" {
		m.SetConsentScope(st.scope)
	} else {
		m.ClearConsentScope()
	}
	m.ResetConsentExpiresAt()
	if st.expires != nil {
		m.SetConsentExpiresAt(*st.expires)
	} else {
		m.ClearConsentExpiresAt()
	}
}

// notBeforeLatest refuses an entry dated before the citizen's latest one:
// the history's order is the order of its dates.
func notBeforeLatest(ctx context.Context, m *ent.CitizenMutation, at time.Time) error {
	id, ok := m.ID()
	if !ok {
		return nil // a new citizen has no history
	}
	// The hook's own read, in the system context: the citizen's mutation
	// was allowed already, and the read is not audited.
	latest, err := Latest(system.Context(ctx), m.Client(), id)
	if err != nil || latest == nil {
		return err
	}
	if at.Before(latest.At) {
		return apperr.OnField("consentAt", "is before the citizen's latest consent entry")
	}
	return nil
}

func newEntry(ctx context.Context, m *ent.CitizenMutation, kind consentevent.Kind, at time.Time, scope string, expires *time.Time) *ent.ConsentEventCreate {
	e := m.Client().ConsentEvent.Create().SetKind(kind).SetAt(at).SetScope(scope).SetNillableExpiresAt(expires)
	if v := auth.FromContext(ctx); v != nil {
		e.SetRecordedByID(v.OperatorID)
	}
	return e
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
