package intakeio

import (
	"fmt"
	"slices"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"segretariato/ent"
	"segretariato/ent/contact"
	"segretariato/ent/referral"
	"segretariato/ent/referralevent"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/intakecsv"
	refstate "segretariato/internal/referral"
)

// contactWant is what a row says its contact must hold.
type contactWant struct {
	at         time.Time
	channel    schematype.Channel
	requester  schematype.Requester
	area       schematype.TargetArea
	responses  []schematype.Response
	outcome    schematype.Outcome
	duration   *int
	notes      string
	anonSex    *schematype.Sex
	anonYear   *int
	operatorID int
	citizenID  *int
	mainNeed   int
	needs      []int          // every need, the main one first
	refs       []referralWant // the row's referrals, in the file's order
	informed   []int          // the informed-about services, ascending
}

// referralWant is one referral a row carries.
type referralWant struct {
	serviceID int
	status    schematype.ReferralStatus
}

func (im *importer) want(r *intakecsv.Row) contactWant {
	w := contactWant{
		at:         r.OccurredAt,
		channel:    schematype.Channel(r.Channel),
		requester:  schematype.Requester(r.Requester),
		area:       schematype.TargetArea(r.TargetArea),
		outcome:    schematype.Outcome(r.Outcome),
		duration:   r.DurationMinutes,
		notes:      r.Notes,
		operatorID: im.refs.operatorID[r.OperatorEmail],
	}
	for _, s := range r.Responses {
		w.responses = append(w.responses, schematype.Response(s))
	}
	for _, code := range r.Needs {
		w.needs = append(w.needs, im.refs.needID[code])
	}
	w.mainNeed = w.needs[0]
	if r.FiscalCode != "" {
		id := 0 // not known when the batch is only checked (importer.refused)
		if cs := im.batchCits[r.FiscalCode]; cs != nil {
			id = cs.id
		}
		w.citizenID = &id
	} else {
		if r.Sex != "" {
			s := schematype.Sex(r.Sex)
			w.anonSex = &s
		}
		w.anonYear = r.BirthYear
	}
	for _, x := range r.Referrals {
		w.refs = append(w.refs, referralWant{serviceID: im.refs.serviceID[x.Service], status: schematype.ReferralStatus(x.Status)})
	}
	for _, code := range r.InformedAbout {
		w.informed = append(w.informed, im.refs.serviceID[code])
	}
	slices.Sort(w.informed)
	return w
}

func (w *contactWant) builder(c *ent.Client, ref string) *ent.ContactCreate {
	b := c.Contact.Create().
		SetContactRef(ref).
		SetOccurredAt(w.at).
		SetChannel(w.channel).
		SetRequester(w.requester).
		SetTargetArea(w.area).
		SetResponses(w.responses).
		SetOutcome(w.outcome).
		SetNillableDurationMinutes(w.duration).
		SetNotes(w.notes).
		SetNillableAnonymousSex(w.anonSex).
		SetNillableAnonymousBirthYear(w.anonYear).
		SetOperatorID(w.operatorID).
		SetNillableCitizenID(w.citizenID).
		SetMainNeedID(w.mainNeed).
		AddNeedIDs(w.needs...)
	if len(w.informed) > 0 {
		b.AddInformedAboutIDs(w.informed...)
	}
	return b
}

// sameAs reports whether the stored contact (with its needs and
// informed-about services loaded) already holds what the row says, its
// referrals apart.
func (w *contactWant) sameAs(c *ent.Contact) bool {
	if !c.OccurredAt.Equal(w.at) || c.Channel != w.channel || c.Requester != w.requester ||
		c.TargetArea != w.area || c.Outcome != w.outcome || !slices.Equal(c.Responses, w.responses) ||
		!eqPtr(c.DurationMinutes, w.duration) || c.Notes != w.notes ||
		!eqPtr(c.AnonymousSex, w.anonSex) || !eqPtr(c.AnonymousBirthYear, w.anonYear) ||
		c.OperatorID != w.operatorID || !eqPtr(c.CitizenID, w.citizenID) || c.MainNeedID != w.mainNeed ||
		len(c.Edges.Needs) != len(w.needs) {
		return false
	}
	for _, n := range c.Edges.Needs {
		if !slices.Contains(w.needs, n.ID) {
			return false
		}
	}
	informed := make([]int, len(c.Edges.InformedAbout))
	for i, s := range c.Edges.InformedAbout {
		informed[i] = s.ID
	}
	slices.Sort(informed)
	return slices.Equal(informed, w.informed)
}

// contactColumns are the columns a re-import overwrites: all but the id,
// created_at and contact_ref (the key).
var contactColumns = []string{
	contact.FieldUpdatedAt, contact.FieldOccurredAt, contact.FieldChannel,
	contact.FieldRequester, contact.FieldTargetArea, contact.FieldResponses,
	contact.FieldOutcome, contact.FieldDurationMinutes, contact.FieldNotes,
	contact.FieldAnonymousSex, contact.FieldAnonymousBirthYear,
	contact.FieldOperatorID, contact.FieldCitizenID, contact.FieldMainNeedID,
}

// steps are the step dates of a referral in a status, all at the contact's
// date t: a historical card records where the referral ended, not when
// each step happened.
func steps(s schematype.ReferralStatus) (accepted, declined, completed, cancelled bool) {
	switch s {
	case schematype.ReferralStatusAccepted:
		accepted = true
	case schematype.ReferralStatusDeclined:
		declined = true
	case schematype.ReferralStatusCompleted:
		accepted, completed = true, true
	case schematype.ReferralStatusCancelled:
		cancelled = true
	}
	return
}

// eventReason is the reason of the ReferralEvent an import records.
const eventReason = "historical intake-card import"

// writes are contact builders and the batch row of each.
type writes struct {
	builders []*ent.ContactCreate
	rows     []int
}

func (w *writes) add(b *ent.ContactCreate, row int) {
	w.builders = append(w.builders, b)
	w.rows = append(w.rows, row)
}

// newReferral is a referral to create: the batch row of its contact
// (ids[row], wants[row] give the contact, its date and operator) and what
// the row says of it.
type newReferral struct {
	row int
	ref referralWant
}

// moveKey is a status move a re-import makes: from the stored status to
// the row's.
type moveKey struct{ from, to schematype.ReferralStatus }

type referralMove struct {
	id       int
	at       time.Time
	operator int
}

// referralPlan is what a batch does to the referrals of its contacts.
type referralPlan struct {
	create []newReferral
	moves  map[moveKey][]referralMove
	delete []int // ids of stored referrals the rows no longer list
}

// matchReferrals pairs a row's referrals with the stored ones of its
// contact: the k-th referral of the row to a service is the k-th stored
// referral to that service (stored in proposal-date then id order, the
// export's order). It returns, per referral of the row, the index of its
// stored one or -1, and the indexes of the stored ones left over.
func matchReferrals(stored []*ent.Referral, want []referralWant) (match []int, left []int) {
	used := make([]bool, len(stored))
	match = make([]int, len(want))
	for k, w := range want {
		match[k] = -1
		for j, s := range stored {
			if !used[j] && s.ServiceID == w.serviceID {
				used[j], match[k] = true, j
				break
			}
		}
	}
	for j := range stored {
		if !used[j] {
			left = append(left, j)
		}
	}
	return match, left
}

// planReferrals adds to plan what row i, whose outcome is a referral, does
// to the stored referrals of its contact c: the row is the truth for the
// contact's referrals. A
// referral the row lists that is not stored is created; a stored one the
// row no longer lists is deleted, with its events; a stored one in another
// status moves there along the referral's lifecycle (internal/referral),
// one event per step, and a move the lifecycle does not allow refuses the
// row. It reports whether anything changes.
func (im *importer) planReferrals(plan *referralPlan, r *intakecsv.Row, i int, w *contactWant, c *ent.Contact) bool {
	changed := false
	match, left := matchReferrals(c.Edges.Referrals, w.refs)
	for k, j := range match {
		want := w.refs[k]
		if j < 0 {
			plan.create = append(plan.create, newReferral{row: i, ref: want})
			changed = true
			continue
		}
		old := c.Edges.Referrals[j]
		if old.Status == want.status {
			continue
		}
		if _, ok := refstate.Path(old.Status, want.status); !ok {
			im.refuse(intakecsv.RowError{Line: r.Line, PhysicalLine: r.PhysicalLine, Column: intakecsv.ColReferralStatus, Reason: ReasonStatusMove})
			continue
		}
		key := moveKey{old.Status, want.status}
		plan.moves[key] = append(plan.moves[key], referralMove{id: old.ID, at: w.at, operator: w.operatorID})
		changed = true
	}
	for _, j := range left {
		plan.delete = append(plan.delete, c.Edges.Referrals[j].ID)
		changed = true
	}
	return changed
}

// writeContacts writes the contacts of a batch keyed by contact_ref, with
// a fixed number of statements: one query for the stored contacts (plus
// their needs, informed-about services and referrals), one bulk insert of
// the new contacts and one upsert of the changed ones per parameter-limit
// chunk (their needs and informed-about services inserted by ent in one
// more statement each), one bulk update clearing those of the changed ones
// beforehand, one bulk insert of new referrals and one of referral events,
// two deletes (events, referrals) of the referrals the rows no longer
// list, and at most one update per kind of status move a re-import makes.
//
// Once a row has been refused (a referral move the lifecycle does not
// allow) it only checks the batch: nothing will be committed.
func (im *importer) writeContacts(rows []*intakecsv.Row, where string) error {
	refs := make([]string, len(rows))
	for i, r := range rows {
		refs[i] = r.ContactRef
	}
	stored, err := im.w.storedContacts(refs)
	if err != nil {
		return dbErr(err, "reading the stored contacts of %s", where)
	}
	im.refuseErased(rows, stored)

	wants := make([]contactWant, len(rows))
	ids := make([]int, len(rows))
	var (
		created []int  // batch rows of new contacts, created by the writer
		updated writes // changed contacts, upserted on contact_ref
		rewrite []int  // ids of changed contacts, whose needs and informed-about services are rewritten
		plan    = referralPlan{moves: map[moveKey][]referralMove{}}
	)
	for i, r := range rows {
		w := im.want(r)
		wants[i] = w
		if r.FiscalCode == "" {
			im.sum.Anonymous++
		}
		if len(w.refs) > 0 {
			im.sum.Referrals++
		}
		c := stored[r.ContactRef]
		if c == nil {
			im.sum.ContactsCreated++
			created = append(created, i)
			for _, ref := range w.refs {
				plan.create = append(plan.create, newReferral{row: i, ref: ref})
			}
			continue
		}
		ids[i] = c.ID
		changed := !w.sameAs(c)
		if changed {
			im.cits.leaving(c, w.citizenID, w.at)
			rewrite = append(rewrite, c.ID)
			updated.add(w.builder(im.c, r.ContactRef), i)
		}
		// The referral columns speak only with a REFERRED_* outcome; with
		// another, the contact's referrals (made at the desk later, say)
		// are left alone: the file cannot list them.
		if w.outcome.IsReferral() && im.planReferrals(&plan, r, i, &w, c) {
			changed = true
		}
		if changed {
			im.sum.ContactsUpdated++
		} else {
			im.sum.ContactsUnchanged++
		}
	}
	if im.refused.Total > 0 {
		return nil
	}

	for lo := 0; lo < len(rewrite); lo += maxIn {
		err := im.c.Contact.Update().
			Where(contact.IDIn(rewrite[lo:min(lo+maxIn, len(rewrite))]...)).
			ClearNeeds().
			ClearInformedAbout().
			Exec(im.ctx)
		if err != nil {
			return dbErr(err, "rewriting the needs of %s", where)
		}
	}
	if err := im.w.createContacts(rows, wants, created, ids); err != nil {
		return dbErr(err, "writing the contacts of %s", where)
	}
	if err := saveContacts(im.ctx, im.c, updated.builders, wants, updated.rows, ids, true); err != nil {
		return dbErr(err, "writing the contacts of %s", where)
	}
	return im.writeReferrals(wants, ids, plan, where)
}

func (im *importer) writeReferrals(wants []contactWant, ids []int, plan referralPlan, where string) error {
	if err := im.deleteReferrals(plan.delete, where); err != nil {
		return err
	}
	refIDs, err := im.w.createReferrals(wants, ids, plan.create)
	if err != nil {
		return dbErr(err, "writing the referrals of %s", where)
	}
	events := make([]newEvent, len(plan.create))
	for k, nr := range plan.create {
		w := &wants[nr.row]
		events[k] = newEvent{referral: refIDs[k], to: nr.ref.status, at: w.at, operator: w.operatorID}
	}

	// Moves: one update per kind of move; the step dates come from the
	// contact, already written; one event per step.
	statuses := schematype.ReferralStatus("").Values()
	for _, from := range statuses {
		for _, to := range statuses {
			key := moveKey{schematype.ReferralStatus(from), schematype.ReferralStatus(to)}
			list := plan.moves[key]
			if len(list) == 0 {
				continue
			}
			path, _ := refstate.Path(key.from, key.to) // planReferrals checked it
			if err := im.moveReferrals(key.to, path, list, where); err != nil {
				return err
			}
			for _, m := range list {
				prev := key.from
				for _, step := range path {
					was := prev
					events = append(events, newEvent{referral: m.id, from: &was, to: step, at: m.at, operator: m.operator})
					prev = step
				}
			}
		}
	}
	if err := im.w.createEvents(events); err != nil {
		return dbErr(err, "writing the referral events of %s", where)
	}
	return nil
}

// deleteReferrals deletes the listed referrals and their events.
func (im *importer) deleteReferrals(ids []int, where string) error {
	for lo := 0; lo < len(ids); lo += maxIn {
		part := ids[lo:min(lo+maxIn, len(ids))]
		if _, err := im.c.ReferralEvent.Delete().Where(referralevent.HasReferralWith(referral.IDIn(part...))).Exec(im.ctx); err != nil {
			return dbErr(err, "deleting the referrals of %s", where)
		}
		if _, err := im.c.Referral.Delete().Where(referral.IDIn(part...)).Exec(im.ctx); err != nil {
			return dbErr(err, "deleting the referrals of %s", where)
		}
	}
	return nil
}

// contactDate is the date of a referral's contact, as an SQL expression
// valid on both databases inside an UPDATE of referrals.
var contactDate = fmt.Sprintf("(SELECT %s.%s FROM %s WHERE %s.%s = %s.%s)",
	contact.Table, contact.FieldOccurredAt, contact.Table,
	contact.Table, contact.FieldID, referral.Table, referral.FieldContactID)

// moveReferrals moves the listed referrals to status along path (the
// statuses entered, status last): it sets the step date of each status
// entered to the contact's date, and success for a completed one. The
// step dates of earlier steps stay.
func (im *importer) moveReferrals(status schematype.ReferralStatus, path []schematype.ReferralStatus, list []referralMove, where string) error {
	for lo := 0; lo < len(list); lo += maxIn {
		part := list[lo:min(lo+maxIn, len(list))]
		ids := make([]int, len(part))
		for i, m := range part {
			ids[i] = m.id
		}
		u := im.c.Referral.Update().
			Where(referral.IDIn(ids...)).
			SetStatus(status).
			AddVersion(1)
		if status == schematype.ReferralStatusCompleted {
			u.SetSuccessful(true)
		}
		u.Modify(func(s *entsql.UpdateBuilder) {
			for _, step := range path {
				if col := refstate.StepField(step); col != "" {
					s.Set(col, entsql.Expr(contactDate))
				}
			}
		})
		if err := u.Exec(im.ctx); err != nil {
			return dbErr(err, "updating the referrals of %s", where)
		}
	}
	return nil
}
