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

// funnelFixture: the referrals of a March 2025 contact to SSP, in every
// state; three completed CAF referrals of the same contact; one SAD
// referral of a contact at 00:30 local on 1 April (an April contact).
func funnelFixture(t *testing.T, db *database.DB) *fx {
	f := newFx(t, db)
	a := f.operator("a@example.it", schematype.RoleSocialWorker)
	k1 := f.contact(contactSpec{at: local(2025, 3, 10, 10, 0), operator: a, outcome: schematype.OutcomeReferredInternal})
	k3 := f.contact(contactSpec{at: utc(2025, 3, 31, 22, 30), operator: a, outcome: schematype.OutcomeReferredExternal})
	st := struct{ p, a, d, c, x schematype.ReferralStatus }{
		schematype.ReferralStatusProposed, schematype.ReferralStatusAccepted, schematype.ReferralStatusDeclined,
		schematype.ReferralStatusCompleted, schematype.ReferralStatusCancelled}
	at := local(2025, 3, 10, 10, 0)
	for _, r := range []referralSpec{
		// accepted after 2 days, completed after 10
		{service: "SSP", status: st.c, accepted: ptr(local(2025, 3, 12, 9, 0)), completed: ptr(local(2025, 3, 20, 9, 0))},
		// accepted after 5 days, completed after 30 calendar days: 00:30
		// local on 9 April is still 8 April in UTC
		{service: "SSP", status: st.c, accepted: ptr(local(2025, 3, 15, 9, 0)), completed: ptr(local(2025, 4, 9, 0, 30))},
		{service: "SSP", status: st.a, accepted: ptr(local(2025, 3, 11, 9, 0))},
		{service: "SSP", status: st.d, declined: ptr(local(2025, 3, 11, 9, 0))},
		// cancelled after acceptance (3 days)
		{service: "SSP", status: st.x, accepted: ptr(local(2025, 3, 13, 9, 0)), cancelled: ptr(local(2025, 3, 25, 9, 0))},
		{service: "SSP", status: st.p},
		// completed with no acceptance date recorded (7 days)
		{service: "SSP", status: st.c, completed: ptr(local(2025, 3, 17, 9, 0))},
		{service: "CAF", status: st.c, accepted: ptr(local(2025, 3, 10, 12, 0)), completed: ptr(local(2025, 3, 14, 9, 0))},
		{service: "CAF", status: st.c, accepted: ptr(local(2025, 3, 11, 12, 0)), completed: ptr(local(2025, 3, 14, 9, 0))},
		{service: "CAF", status: st.c, accepted: ptr(local(2025, 3, 12, 12, 0)), completed: ptr(local(2025, 3, 16, 9, 0))},
	} {
		r.contact, r.proposed = k1, at
		f.referral(r)
	}
	f.referral(referralSpec{contact: k3, service: "SAD", proposed: utc(2025, 3, 31, 22, 30)})
	return f
}

func TestFunnel(t *testing.T) {
	fl := func(v float64) *float64 { return &v }
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		f := funnelFixture(t, db)
		ctx := context.Background()
		eng := f.engine(3)
		rows, err := eng.Funnel(ctx, dimension.Month, analytics.Filter{}, false)
		if err != nil {
			t.Fatal(err)
		}
		want := []analytics.FunnelRow{
			{Service: "CAF", ServiceName: "Centro di assistenza fiscale", Period: "2025-03",
				Proposed: ptr(3), Accepted: ptr(3), Declined: ptr(0), Completed: ptr(3), Cancelled: ptr(0),
				CompletionRate: fl(1), MedianDaysToAcceptance: fl(1), MedianDaysToCompletion: fl(4)},
			{Service: "SAD", ServiceName: "Servizio di assistenza domiciliare", Period: "2025-04",
				Proposed: ptr(1), Accepted: ptr(0), Declined: ptr(0), Completed: ptr(0), Cancelled: ptr(0),
				CompletionRate: fl(0)},
			{Service: "SSP", ServiceName: "Servizio sociale professionale (Scheda 3)", Period: "2025-03",
				Proposed: ptr(7), Accepted: ptr(5), Declined: ptr(1), Completed: ptr(3), Cancelled: ptr(1),
				CompletionRate: fl(3.0 / 7), MedianDaysToAcceptance: fl(2.5), MedianDaysToCompletion: fl(10)},
		}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("funnel (-want +got):\n%s", diff)
		}

		// Perturbed, every record key 1000: CAF's 3 referrals, accepted and
		// completed, have the cell key 3000 in each step, so the noise +1;
		// rows with a count of 1..K-1 are withheld whole.
		setRecordKeys(t, db, 1000)
		rows, err = eng.Funnel(ctx, dimension.Month, analytics.Filter{}, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0].Suppressed || !rows[1].Suppressed || !rows[2].Suppressed {
			t.Fatalf("suppression: %+v", rows)
		}
		perturbed := want[0]
		perturbed.Proposed, perturbed.Accepted, perturbed.Completed = ptr(4), ptr(4), ptr(4)
		if diff := cmp.Diff(perturbed, rows[0]); diff != "" {
			t.Errorf("visible row (-want +got):\n%s", diff)
		}
		for _, r := range rows[1:] {
			if r.Proposed != nil || r.Accepted != nil || r.Declined != nil || r.Completed != nil || r.Cancelled != nil ||
				r.CompletionRate != nil || r.MedianDaysToAcceptance != nil || r.MedianDaysToCompletion != nil {
				t.Errorf("suppressed row shows figures: %+v", r)
			}
		}

		// By year, filtered on one service and on the contacts' dates.
		rows, err = eng.Funnel(ctx, dimension.Year, analytics.Filter{
			From:   date(2025, 4, 1),
			Values: map[dimension.Dimension][]string{dimension.ReferralService: {"SAD", "SSP"}},
		}, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Service != "SAD" || rows[0].Period != "2025" || val(rows[0].Proposed) != 1 {
			t.Errorf("filtered funnel: %+v", rows)
		}
	})
}
