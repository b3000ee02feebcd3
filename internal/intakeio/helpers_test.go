package intakeio_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"segretariato/ent"
	"segretariato/ent/referral"
	"segretariato/ent/referralevent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access"
	"segretariato/internal/database"
	"segretariato/internal/intakeio"
	"segretariato/internal/sample"
)

func mustCreateOperators(t testing.TB, c *ent.Client, emails []string) {
	t.Helper()
	for _, e := range emails {
		name, _, _ := strings.Cut(e, "@")
		if err := c.Operator.Create().SetName(name).SetEmail(e).
			SetRole(schematype.RoleSocialWorker).Exec(sysCtx()); err != nil {
			t.Fatalf("creating operator: %v", err)
		}
	}
}

func mustImport(t testing.TB, db *database.DB, data []byte, opt intakeio.ImportOptions) intakeio.Summary {
	t.Helper()
	sum, err := intakeio.Import(sysCtx(), db, bytes.NewReader(data), opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return sum
}

// counts are the sizes of the tables an import writes.
type counts struct{ Contacts, Citizens, Referrals, Events int }

func mustCount(t testing.TB, c *ent.Client) counts {
	t.Helper()
	ctx := sysCtx()
	var n counts
	var err error
	for _, x := range []struct {
		dst *int
		f   func() (int, error)
	}{
		{&n.Contacts, func() (int, error) { return c.Contact.Query().Count(ctx) }},
		{&n.Citizens, func() (int, error) { return c.Citizen.Query().Count(ctx) }},
		{&n.Referrals, func() (int, error) { return c.Referral.Query().Count(ctx) }},
		{&n.Events, func() (int, error) { return c.ReferralEvent.Query().Count(ctx) }},
	} {
		if *x.dst, err = x.f(); err != nil {
			t.Fatalf("counting: %v", err)
		}
	}
	return n
}

// dump is a canonical text of every contact, keyed by contact_ref: its
// fields, needs (main first), referrals, operator and citizen.
func dump(t testing.TB, c *ent.Client) map[string]string {
	t.Helper()
	contacts, err := c.Contact.Query().
		WithCitizen().WithOperator().WithMainNeed().WithNeeds().
		WithInformedAbout().
		WithReferrals(func(q *ent.ReferralQuery) {
			q.WithService().WithEvents(func(q *ent.ReferralEventQuery) { q.Order(referralevent.ByID()) }).
				Order(referral.ByProposedAt(), referral.ByID())
		}).
		All(sysCtx())
	if err != nil {
		t.Fatalf("dumping: %v", err)
	}
	out := make(map[string]string, len(contacts))
	ts := func(p *time.Time) string {
		if p == nil {
			return "-"
		}
		return p.UTC().Format(time.RFC3339)
	}
	for _, x := range contacts {
		var b strings.Builder
		fmt.Fprintf(&b, "at=%s ch=%s req=%s area=%s resp=%v out=%s dur=%s notes=%q anon=%s/%s op=%s",
			x.OccurredAt.UTC().Format(time.RFC3339), x.Channel, x.Requester, x.TargetArea, x.Responses,
			x.Outcome, str(x.DurationMinutes), x.Notes, str(x.AnonymousSex), str(x.AnonymousBirthYear),
			x.Edges.Operator.Email)
		var needs []string
		for _, n := range x.Edges.Needs {
			needs = append(needs, n.Code)
		}
		slices.Sort(needs)
		var informed []string
		for _, s := range x.Edges.InformedAbout {
			informed = append(informed, s.Code)
		}
		slices.Sort(informed)
		fmt.Fprintf(&b, " main=%s needs=%v informed=%v", x.Edges.MainNeed.Code, needs, informed)
		for _, r := range x.Edges.Referrals {
			fmt.Fprintf(&b, " ref=%s/%s/%s/%s/%s/%s/%s/%s", r.Edges.Service.Code, r.Status, ts(&r.ProposedAt),
				ts(r.AcceptedAt), ts(r.DeclinedAt), ts(r.CompletedAt), ts(r.CancelledAt), str(r.Successful))
			for _, e := range r.Edges.Events {
				fmt.Fprintf(&b, " %s>%s@%s", str(e.FromStatus), e.ToStatus, ts(&e.At))
			}
		}
		if ci := x.Edges.Citizen; ci != nil {
			fmt.Fprintf(&b, " cit=%s|%s|%s|%s|%s|%s|%s|%s", str(ci.FiscalCode), ci.FirstName, ci.LastName,
				ts(ci.BirthDate), str(ci.Sex), str(ci.Citizenship), str(ci.District), str(ci.DistrictKey))
		}
		out[*x.ContactRef] = b.String()
	}
	return out
}

func str[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

// diffDumps lists the contact_refs whose dumps differ, with both sides.
func diffDumps(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			out = append(out, fmt.Sprintf("%s:\n  - %s\n  + %s", k, v, w))
		}
	}
	for k, w := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s:\n  - (none)\n  + %s", k, w))
		}
	}
	slices.Sort(out)
	return out
}

func checkSameDump(t *testing.T, want, got map[string]string) {
	t.Helper()
	if d := diffDumps(want, got); len(d) > 0 {
		t.Errorf("%d contacts differ, first ones:\n%s", len(d), strings.Join(d[:min(5, len(d))], "\n"))
	}
}

// sysCtx is the context of the service's own jobs: the privacy rules let
// the tests' fixtures and checks through.
func sysCtx() context.Context { return access.System(context.Background()) }

func dataFile(t testing.TB, name string) []byte { return sample.File(t, name) }

func sampleOperators(t testing.TB) []string { return sample.OperatorEmails(t) }
