package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"segretariato/ent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/analytics"
	"segretariato/internal/apperr"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
)

// qualityFixture is the year 2025 of a desk that keeps most promises:
//   - sessions every ISO week of 2025 (Monday 29 December 2024 to Sunday
//     28 December 2025) on Monday 15:30-17:00, Wednesday 16:30-18:30 and
//     Friday 9:30-11:30 local: 5.5 hours and 2 afternoons; except W10
//     (no Wednesday: 3.5 hours, 1 afternoon), W20 (Monday in the morning:
//     1 afternoon), W30 (closed); in W14 (summer time) Monday starts at
//     13:00 local, 11:00 UTC, and is still an afternoon;
//   - social workers a (10 days of training), b (7.5 days in 2025, plus 3
//     in 2024), d (none); c inactive and the coordinator e not counted;
//   - 3 publications in the periodical in 2025, a website one in 2023;
//   - a training plan for 2024 only;
//   - two locations, the second neither accessible nor with reserved
//     rooms;
//   - the 2025 survey: 7 satisfied out of 10;
//   - contacts held by a and by the coordinator e.
func qualityFixture(t *testing.T, db *database.DB) *fx {
	f := newFx(t, db)
	a := f.operator("a@example.it", schematype.RoleSocialWorker)
	b := f.operator("b@example.it", schematype.RoleSocialWorker)
	d := f.operator("d@example.it", schematype.RoleSocialWorker)
	c, err := f.c.Operator.Create().SetEmail("c@example.it").SetName("Op c@example.it").
		SetRole(schematype.RoleSocialWorker).SetActive(false).Save(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := f.operator("e@example.it", schematype.RoleCoordinator)
	_ = d

	var sessions []*ent.OpeningSessionCreate
	session := func(day time.Time, h, m, minutes int) {
		start := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, rome)
		sessions = append(sessions, f.c.OpeningSession.Create().SetStartsAt(start).SetEndsAt(start.Add(time.Duration(minutes)*time.Minute)))
	}
	monday := time.Date(2024, 12, 30, 0, 0, 0, 0, rome)
	for w := 1; w <= 52; w++ {
		mon := monday.AddDate(0, 0, 7*(w-1))
		switch w {
		case 30:
			continue
		case 14:
			session(mon, 13, 0, 90)
		case 20:
			session(mon, 9, 0, 90)
		default:
			session(mon, 15, 30, 90)
		}
		if w != 10 {
			session(mon.AddDate(0, 0, 2), 16, 30, 120)
		}
		session(mon.AddDate(0, 0, 4), 9, 30, 120)
	}
	if err := f.c.OpeningSession.CreateBulk(sessions...).Exec(f.ctx); err != nil {
		t.Fatal(err)
	}

	training := func(day time.Time, days float64, who ...int) {
		if err := f.c.Training.Create().SetTitle("Corso").SetDate(day).SetDays(days).AddAttendeeIDs(who...).Exec(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
	training(local(2025, 1, 1, 0, 0), 5, a, b, e, c.ID) // 1 January, local midnight
	training(local(2025, 9, 10, 0, 0), 5, a)
	training(local(2025, 12, 31, 23, 30), 2.5, b) // 22:30 UTC: still 2025 in Rome
	training(local(2024, 12, 31, 0, 0), 3, b)

	for _, p := range []struct {
		on     time.Time
		medium schematype.Medium
	}{
		{local(2025, 1, 15, 0, 0), schematype.MediumPeriodical},
		{local(2025, 4, 15, 0, 0), schematype.MediumPeriodical},
		{local(2025, 12, 31, 23, 30), schematype.MediumPeriodical}, // 22:30 UTC
		{local(2026, 1, 1, 0, 30), schematype.MediumPeriodical},    // 2025 in UTC, 2026 in Rome
		{local(2024, 10, 15, 0, 0), schematype.MediumPeriodical},
		{local(2023, 5, 1, 0, 0), schematype.MediumWebsite},
	} {
		if err := f.c.TimetablePublication.Create().SetPublishedOn(p.on).SetMedium(p.medium).Exec(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.c.TrainingPlan.Create().SetYear(2024).SetTitle("Piano 2024").Exec(f.ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Location.Create().SetName("Sede centrale").SetAddress("Piazza Ripamonti 1").
		SetAccessible(true).SetReservedRooms(true).SetWaitingArea(true).Exec(f.ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Location.Create().SetName("Sportello Cascina").SetAddress("Via Roma 2").
		SetWaitingArea(true).Exec(f.ctx); err != nil {
		t.Fatal(err)
	}
	for year, answers := range map[int][]bool{
		2025: {true, true, true, true, true, true, true, false, false, false},
		2024: {false},
	} {
		s, err := f.c.SatisfactionSurvey.Create().SetYear(year).SetTitle("Indagine").Save(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ok := range answers {
			score := 2
			if ok {
				score = 4
			}
			if err := f.c.SurveyResponse.Create().SetSurveyID(s.ID).SetAnsweredOn(local(year, 11, 1, 0, 0)).
				SetScore(score).SetSatisfied(ok).Exec(f.ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.contact(contactSpec{at: local(2025, 3, 3, 16, 0), operator: a})
	f.contact(contactSpec{at: local(2025, 3, 5, 17, 0), operator: a})
	f.contact(contactSpec{at: local(2025, 3, 7, 10, 0), operator: e})
	return f
}

func TestQuality(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		f := qualityFixture(t, db)
		eng := f.engine(0)
		eng.Now = func() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }
		rep, err := eng.Quality(context.Background(), 2025)
		if err != nil {
			t.Fatal(err)
		}
		type line struct {
			Met        bool
			Measured   string
			Shortfalls []string
		}
		got := map[string]line{}
		var codes []string
		for _, l := range rep.Lines {
			got[l.Code] = line{l.Met, l.Measured, l.Shortfalls}
			codes = append(codes, l.Code)
			if l.Promise == "" || l.Indicator == "" || l.Target == "" {
				t.Errorf("%s: promise, indicator and target must be written", l.Code)
			}
		}
		want := map[string]line{
			analytics.QualityAccessible: {false, "1 su 2 sedi", []string{"Sportello Cascina: non accessibile"}},
			analytics.QualityOpenHours: {false, "50 settimane su 52 con almeno 4 ore",
				[]string{"2025-W10: 3,5 ore", "2025-W30: 0 ore"}},
			analytics.QualityAfternoons: {false, "49 settimane su 52 con almeno 2 aperture pomeridiane",
				[]string{"2025-W10: 1 apertura pomeridiana", "2025-W20: 1 apertura pomeridiana", "2025-W30: 0 aperture pomeridiane"}},
			analytics.QualityPeriodical: {false, "3 sul periodico comunale (3 pubblicazioni in tutto)",
				[]string{"pubblicazioni sul periodico comunale: 3 su 4"}},
			analytics.QualityWebsite:       {true, "presente (1 registrazione)", []string{}},
			analytics.QualitySocialWorkers: {false, "2 colloqui su 3", []string{"e@example.it (COORDINATOR): 1 colloquio"}},
			analytics.QualityTrainingDays: {false, "1 assistenti sociali su 3 con almeno 8 giornate",
				[]string{"Op b@example.it (b@example.it): 7,5 giornate", "Op d@example.it (d@example.it): 0 giornate"}},
			analytics.QualityTrainingPlan:  {false, "assente", []string{"nessun piano formativo per il 2025"}},
			analytics.QualityDemandReading: {true, "3 schede registrate", []string{}},
			analytics.QualityReservedRooms: {false, "1 su 2 sedi", []string{"Sportello Cascina: senza spazi riservati"}},
			analytics.QualityWaitingArea:   {true, "2 su 2 sedi", []string{}},
			analytics.QualitySatisfaction:  {true, "70% soddisfatti (7 su 10 risposte)", []string{}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("quality lines (-want +got):\n%s", diff)
		}
		wantOrder := []string{"ACCESSIBLE", "OPEN_HOURS", "AFTERNOON_OPENINGS", "TIMETABLE_PERIODICAL", "TIMETABLE_WEBSITE",
			"SOCIAL_WORKERS", "TRAINING_DAYS", "TRAINING_PLAN", "DEMAND_READING", "RESERVED_ROOMS", "WAITING_AREA", "SATISFACTION"}
		if diff := cmp.Diff(wantOrder, codes); diff != "" {
			t.Errorf("line order (-want +got):\n%s", diff)
		}
		if len(rep.Weeks) != 52 || rep.Weeks[0].Week != "2025-W01" || rep.Weeks[0].Hours != 5.5 ||
			rep.Weeks[13] != (analytics.WeekOpening{Week: "2025-W14", Hours: 5.5, AfternoonOpenings: 2}) {
			t.Errorf("weeks: %+v", rep.Weeks[:14])
		}
		var days []float64
		for _, s := range rep.SocialWorkers {
			days = append(days, s.Days)
		}
		if diff := cmp.Diff([]float64{10, 7.5, 0}, days); diff != "" {
			t.Errorf("training days (-want +got):\n%s", diff)
		}

		// In the middle of the year only the weeks that are over count.
		eng.Now = func() time.Time { return time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC) }
		rep, err = eng.Quality(context.Background(), 2025)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Weeks) != 2 || rep.Lines[1].Measured != "2 settimane su 2 con almeno 4 ore" || !rep.Lines[1].Met {
			t.Errorf("weeks over by 15 January: %+v %+v", rep.Weeks, rep.Lines[1])
		}
		if _, err := eng.Quality(context.Background(), 1999); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("year 1999: %v", err)
		}
	})
}

// TestQualityEmpty checks the report of a database with no data: nothing
// is met, and nothing fails.
func TestQualityEmpty(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		eng := newFx(t, db).engine(0)
		eng.Now = func() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }
		rep, err := eng.Quality(context.Background(), 2025)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range rep.Lines {
			if l.Met && l.Code != analytics.QualitySocialWorkers {
				t.Errorf("%s met on an empty database: %+v", l.Code, l)
			}
		}
	})
}
