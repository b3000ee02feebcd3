package dsr_test

import (
	"testing"
	"time"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/consentevent"
	"segretariato/ent/contact"
	"segretariato/ent/needcategory"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access"
	"segretariato/internal/apperr"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dsr"
	"segretariato/internal/rollup/rolluptest"
)

func TestRetentionPseudonymisesOnlyTheLongSilent(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		ctx := access.System(t.Context())
		c := db.Client
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		op := c.Operator.Create().SetEmail("sw@comune.example.it").SetName("SW").SetRole(schematype.RoleSocialWorker).SaveX(ctx)
		need := c.NeedCategory.Query().Where(needcategory.Code("ADM_INFO")).OnlyX(ctx)
		mk := func(code string, last time.Time) int {
			cit := c.Citizen.Create().SetFiscalCode(code).SetFirstName("Nome").SetLastName("Cognome").SetPhone("02 1234").
				SetCitizenship("AL").SetDistrict("Borgo Vico").
				SetPrivacyConsent(true).SetConsentAt(last).SetConsentScope("ASST Lariana").SaveX(ctx)
			c.Contact.Create().SetCitizen(cit).SetOperator(op).SetMainNeed(need).SetOccurredAt(last).
				SetChannel(schematype.ChannelPhone).SetRequester(schematype.RequesterSelf).SetTargetArea(schematype.TargetAreaAdults).
				SetResponses([]schematype.Response{schematype.ResponseInformation}).SetOutcome(schematype.OutcomeInformed).
				SetNotes("nota").ExecX(ctx)
			return cit.ID
		}
		old := mk("RCCGLI56B62Z129H", now.AddDate(-11, 0, 0))
		recent := mk("GLLGLI95D50A794S", now.AddDate(-2, 0, 0))

		n, err := dsr.Retain(ctx, c, 10, now, true)
		if err != nil || n != 1 {
			t.Fatalf("dry run: %d, %v; want 1", n, err)
		}
		if c.Citizen.GetX(ctx, old).PseudonymisedAt != nil {
			t.Fatal("the dry run wrote")
		}
		if n, err = dsr.Retain(ctx, c, 10, now, false); err != nil || n != 1 {
			t.Fatalf("retention: %d, %v; want 1", n, err)
		}
		gone := c.Citizen.GetX(ctx, old)
		if gone.FiscalCode != nil || gone.FirstName != "" || gone.Phone != "" || gone.PseudonymisedAt == nil ||
			gone.BirthDate != nil || gone.Citizenship != nil || gone.District != nil || gone.DistrictKey != nil ||
			gone.PrivacyConsent || gone.ConsentAt != nil || gone.ConsentScope != "" || gone.Sex == nil {
			t.Errorf("old citizen after retention: %+v", gone)
		}
		// The contact keeps what the figures read: RCCGLI56B62Z129H was born
		// on 22 February 1956, 59 at the contact (June 2015).
		kept := c.Contact.Query().Where(contact.CitizenID(old)).OnlyX(ctx)
		if kept.ErasedAgeBand == nil || *kept.ErasedAgeBand != "45-64" || kept.ErasedCitizenship == nil || *kept.ErasedCitizenship != "AL" ||
			kept.ErasedDistrict == nil || *kept.ErasedDistrict != "Borgo Vico" || kept.ErasedDistrictKey == nil || *kept.ErasedDistrictKey != "borgo vico" {
			t.Errorf("erased citizen's contact: %+v", kept)
		}
		// The consent history keeps what was given, and the withdrawal.
		var kinds []consentevent.Kind
		for _, e := range c.ConsentEvent.Query().Where(consentevent.CitizenID(old)).Order(ent.Asc(consentevent.FieldID)).AllX(ctx) {
			kinds = append(kinds, e.Kind)
		}
		if len(kinds) != 2 || kinds[0] != consentevent.KindGIVEN || kinds[1] != consentevent.KindWITHDRAWN {
			t.Errorf("consent history after retention: %v", kinds)
		}
		if _, err := c.Citizen.UpdateOneID(old).SetFirstName("Nome").Save(ctx); apperr.From(err).Code != apperr.Erased {
			t.Errorf("the retention's erased citizen was edited back: %v", err)
		}
		if c.Citizen.GetX(ctx, recent).PseudonymisedAt != nil {
			t.Error("a recent citizen was pseudonymised")
		}
		if notes := c.Citizen.Query().Where(citizen.ID(old)).QueryContacts().OnlyX(ctx).Notes; notes != "" {
			t.Errorf("notes kept: %q", notes)
		}
		if n, _ := dsr.Retain(ctx, c, 10, now, false); n != 0 {
			t.Errorf("a second run pseudonymised %d again", n)
		}
		if _, err := dsr.Retain(ctx, c, 0, now, false); err == nil {
			t.Error("a retention of 0 years was accepted")
		}
		rolluptest.Check(t, db, "retention")
	})
}
