package analytics_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/dimension"
)

func TestCaseload(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		f := newFx(t, db)
		ctx := context.Background()
		a := f.operator("a@example.it", schematype.RoleSocialWorker)
		b := f.operator("b@example.it", schematype.RoleSocialWorker)
		f.operator("d@example.it", schematype.RoleSocialWorker) // active, idle: listed with zeros
		if err := f.c.Operator.Create().SetEmail("c@example.it").SetName("Op c@example.it").
			SetRole(schematype.RoleSocialWorker).SetActive(false).Exec(f.ctx); err != nil {
			t.Fatal(err) // inactive and idle: not listed
		}
		e := f.operator("e@example.it", schematype.RoleCoordinator) // held a contact: listed
		c1 := f.citizen(citizenSpec{sex: "F"})
		c2 := f.citizen(citizenSpec{sex: "M"})

		k1 := f.contact(contactSpec{at: local(2025, 5, 2, 10, 0), operator: a, citizen: c1, outcome: schematype.OutcomeReferredExternal})
		f.contact(contactSpec{at: local(2025, 5, 3, 10, 0), operator: a, citizen: c1, outcome: schematype.OutcomeFollowUp})
		f.contact(contactSpec{at: local(2025, 5, 4, 10, 0), operator: a, citizen: c2, outcome: schematype.OutcomeFollowUp})
		f.contact(contactSpec{at: local(2025, 5, 5, 10, 0), operator: a, outcome: schematype.OutcomeFollowUp}) // anonymous
		f.contact(contactSpec{at: local(2025, 4, 30, 10, 0), operator: a, citizen: c2, outcome: schematype.OutcomeFollowUp})
		k6 := f.contact(contactSpec{at: local(2025, 5, 6, 10, 0), operator: b, citizen: c2, outcome: schematype.OutcomeReferredInternal})
		f.contact(contactSpec{at: local(2025, 5, 7, 10, 0), operator: e, target: schematype.TargetAreaElderly})
		p := local(2025, 5, 2, 10, 0)
		f.referral(referralSpec{contact: k1, service: "CAF", status: schematype.ReferralStatusProposed, proposed: p})
		f.referral(referralSpec{contact: k1, service: "SAD", status: schematype.ReferralStatusAccepted, proposed: p, accepted: &p})
		f.referral(referralSpec{contact: k1, service: "SERD", status: schematype.ReferralStatusDeclined, proposed: p, declined: &p})
		f.referral(referralSpec{contact: k6, service: "SSP", status: schematype.ReferralStatusCompleted, proposed: p, accepted: &p, completed: &p})

		eng := f.engine(0)
		may := analytics.Filter{From: date(2025, 5, 1), To: date(2025, 6, 1)}
		got, err := eng.Caseload(ctx, may)
		if err != nil {
			t.Fatal(err)
		}
		want := []analytics.CaseloadRow{
			{OperatorID: a, Email: "a@example.it", Name: "Op a@example.it", Role: "SOCIAL_WORKER", Active: true,
				Contacts: 4, Citizens: 2, OpenReferrals: 2, PendingFollowUps: 3},
			{OperatorID: b, Email: "b@example.it", Name: "Op b@example.it", Role: "SOCIAL_WORKER", Active: true,
				Contacts: 1, Citizens: 1, OpenReferrals: 0, PendingFollowUps: 0},
			{OperatorID: got[2].OperatorID, Email: "d@example.it", Name: "Op d@example.it", Role: "SOCIAL_WORKER", Active: true},
			{OperatorID: e, Email: "e@example.it", Name: "Op e@example.it", Role: "COORDINATOR", Active: true, Contacts: 1},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("caseload (-want +got):\n%s", diff)
		}

		// May's cells and the facts of 30 April.
		got, err = eng.Caseload(ctx, analytics.Filter{From: date(2025, 4, 30), To: date(2025, 6, 1)})
		if err != nil {
			t.Fatal(err)
		}
		want[0].Contacts, want[0].PendingFollowUps = 5, 4
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("caseload from 30 April (-want +got):\n%s", diff)
		}

		got, err = eng.Caseload(ctx, analytics.Filter{From: date(2025, 5, 1), To: date(2025, 6, 1),
			Values: map[dimension.Dimension][]string{dimension.TargetArea: {"ELDERLY"}, dimension.Operator: {"e@example.it", "d@example.it"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Email != "d@example.it" || got[0].Contacts != 0 || got[1].Email != "e@example.it" || got[1].Contacts != 1 {
			t.Errorf("filtered caseload: %+v", got)
		}
	})
}
