package schema

import (
	"entgo.io/ent"

	"segretariato/internal/access"
	"segretariato/internal/consent"
	"segretariato/internal/intake"
)

// The rules of the intake card (internal/intake), on every write path.

// Hooks of Citizen: fiscal code, birth date and sex, district
// (internal/intake); erased citizens are never changed (internal/intake);
// then, on the normalised code, the pending matches (internal/access); the
// consent fields append to the consent history (internal/consent).
func (Citizen) Hooks() []ent.Hook {
	return []ent.Hook{intake.CitizenHook(), intake.ErasedCitizenHook(), access.MatchHook(), consent.CitizenHook()}
}

// Hooks of Contact: anonymous fields, responses, main need (internal/intake).
// The contacts of erased citizens are never changed, nor new ones linked
// to them (internal/intake).
func (Contact) Hooks() []ent.Hook {
	return []ent.Hook{intake.ContactHook(), intake.ErasedContactHook()}
}

// Hooks of Referral: none created or edited for an erased citizen
// (internal/intake).
func (Referral) Hooks() []ent.Hook { return []ent.Hook{intake.ErasedReferralHook()} }

// Hooks of ConsentEvent: none for an erased citizen but its erasure's
// (internal/intake).
func (ConsentEvent) Hooks() []ent.Hook { return []ent.Hook{intake.ErasedConsentHook()} }

// The privacy policies (internal/access): deny by default.

// Policy of Citizen.
func (Citizen) Policy() ent.Policy { return access.CitizenPolicy() }

// Policy of Contact.
func (Contact) Policy() ent.Policy { return access.ContactPolicy() }

// Policy of Referral.
func (Referral) Policy() ent.Policy { return access.ReferralPolicy() }

// Policy of ReferralEvent.
func (ReferralEvent) Policy() ent.Policy { return access.ReferralEventPolicy() }

// Policy of ConsentEvent.
func (ConsentEvent) Policy() ent.Policy { return access.ConsentEventPolicy() }

// Policy of AuditEvent.
func (AuditEvent) Policy() ent.Policy { return access.AuditPolicy() }

// Policy of Operator.
func (Operator) Policy() ent.Policy { return access.OperatorPolicy() }

// Policy of NeedCategory.
func (NeedCategory) Policy() ent.Policy { return access.ReferencePolicy() }

// Policy of Service.
func (Service) Policy() ent.Policy { return access.ReferencePolicy() }

// Policy of Training.
func (Training) Policy() ent.Policy { return access.ReferencePolicy() }

// Policy of TrainingPlan.
func (TrainingPlan) Policy() ent.Policy { return access.ReferencePolicy() }

// Policy of Location.
func (Location) Policy() ent.Policy { return access.ReferencePolicy() }

// Policy of OpeningHour.
func (OpeningHour) Policy() ent.Policy { return access.ReferencePolicy() }

// Policy of OpeningSession.
func (OpeningSession) Policy() ent.Policy { return access.ReferencePolicy() }

// Policy of TimetablePublication.
func (TimetablePublication) Policy() ent.Policy { return access.ReferencePolicy() }

// Policy of SatisfactionSurvey.
func (SatisfactionSurvey) Policy() ent.Policy { return access.ReferencePolicy() }

// Policy of SurveyResponse.
func (SurveyResponse) Policy() ent.Policy { return access.ReferencePolicy() }
