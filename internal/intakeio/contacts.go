package intakeio

import (
	"fmt"
	"slices"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"segretariato/ent"
	"segretariato/ent/contact"
	"segretariato/ent/needcategory"
	"segretariato/ent/referral"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/intakecsv"
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
	needs      []int // every need, the main one first
	ref        *referralWant
}

// referralWant is the referral a row carries.
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
		id := im.cits[r.FiscalCode].id
		w.citizenID = &id
	} else {
		if r.Sex != "" {
			s := schematype.Sex(r.Sex)
			w.anonSex = &s
		}
		w.anonYear = r.BirthYear
	}
	if r.ReferralService != "" {
		w.ref = &referralWant{
			serviceID: im.refs.serviceID[r.ReferralService],
			status:    schematype.ReferralStatus(r.ReferralStatus),
		}
	}
	return w
}

func (w *contactWant) builder(c *ent.Client, ref string) *ent.ContactCreate {
	return c.Contact.Create().
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
}

// sameAs reports whether the stored contact (with its needs loaded)
// already holds what the row says.
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
	return true
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

type referralMove struct {
	id       int
	from     schematype.ReferralStatus
	at       time.Time
	operator int
}

// writeContacts writes the contacts of a batch keyed by contact_ref, with
// a fixed number of statements: one query for the stored contacts (plus
// their needs and referrals), one bulk insert of the new contacts and one
// upsert of the changed ones per parameter-limit chunk (their needs
// inserted by ent in one more statement each), one bulk update clearing
// the needs of the changed ones beforehand, one bulk insert of new
// referrals and one of referral events, and at most one update per
// referral status a re-import changes.
func (im *importer) writeContacts(rows []*intakecsv.Row, where string) error {
	stored := make(map[string]*ent.Contact, len(rows))
	lookup := make([]string, len(rows))
	for i, r := range rows {
		lookup[i] = r.ContactRef
	}
	if im.tx != nil {
		// One array parameter finds the refs already stored; only those
		// are read in full (none in a first import).
		var err error
		if lookup, err = im.storedRefs(lookup); err != nil {
			return dbErr(err, "reading the stored contacts of %s", where)
		}
	}
	for lo := 0; lo < len(lookup); lo += maxIn {
		refs := lookup[lo:min(lo+maxIn, len(lookup))]
		cs, err := im.c.Contact.Query().
			Where(contact.ContactRefIn(refs...)).
			WithNeeds(func(q *ent.NeedCategoryQuery) { q.Select(needcategory.FieldID) }).
			WithReferrals(func(q *ent.ReferralQuery) { q.Order(referral.ByProposedAt(), referral.ByID()) }).
			All(im.ctx)
		if err != nil {
			return dbErr(err, "reading the stored contacts of %s", where)
		}
		for _, c := range cs {
			stored[*c.ContactRef] = c
		}
	}

	wants := make([]contactWant, len(rows))
	ids := make([]int, len(rows))
	var (
		created   writes // new contacts, inserted
		updated   writes // changed contacts, upserted on contact_ref
		rewrite   []int  // ids of changed contacts, whose needs are rewritten
		refCreate []int  // rows whose referral is new
		refMoves  = map[schematype.ReferralStatus][]referralMove{}
	)
	for i, r := range rows {
		w := im.want(r)
		wants[i] = w
		if r.FiscalCode == "" {
			im.sum.Anonymous++
		}
		if w.ref != nil {
			im.sum.Referrals++
		}
		c := stored[r.ContactRef]
		if c == nil {
			im.sum.ContactsCreated++
			if im.tx != nil {
				created.add(nil, i) // written by COPY (copy.go)
			} else {
				created.add(w.builder(im.c, r.ContactRef), i)
			}
			if w.ref != nil {
				refCreate = append(refCreate, i)
			}
			continue
		}
		ids[i] = c.ID
		changed := !w.sameAs(c)
		if changed {
			rewrite = append(rewrite, c.ID)
			updated.add(w.builder(im.c, r.ContactRef), i)
		}
		if w.ref != nil {
			// A re-import moves the contact's referral to the same service
			// (the first, by proposal date) rather than adding one.
			k := slices.IndexFunc(c.Edges.Referrals, func(x *ent.Referral) bool { return x.ServiceID == w.ref.serviceID })
			switch {
			case k < 0:
				refCreate = append(refCreate, i)
				changed = true
			case c.Edges.Referrals[k].Status != w.ref.status:
				old := c.Edges.Referrals[k]
				refMoves[w.ref.status] = append(refMoves[w.ref.status], referralMove{id: old.ID, from: old.Status, at: w.at, operator: w.operatorID})
				changed = true
			}
		}
		if changed {
			im.sum.ContactsUpdated++
		} else {
			im.sum.ContactsUnchanged++
		}
	}

	for lo := 0; lo < len(rewrite); lo += maxIn {
		err := im.c.Contact.Update().
			Where(contact.IDIn(rewrite[lo:min(lo+maxIn, len(rewrite))]...)).
			ClearNeeds().
			Exec(im.ctx)
		if err != nil {
			return dbErr(err, "rewriting the needs of %s", where)
		}
	}
	sets := []struct {
		w      writes
		upsert bool
	}{{created, false}, {updated, true}}
	if im.tx != nil {
		if err := im.copyContacts(rows, wants, created.rows, ids); err != nil {
			return dbErr(err, "writing the contacts of %s", where)
		}
		sets = sets[1:]
	}
	for _, set := range sets {
		cost := func(k int) int { return max(len(contact.Columns), 2*len(wants[set.w.rows[k]].needs)) }
		err := chunks(len(set.w.builders), cost, func(lo, hi int) error {
			bulk := im.c.Contact.CreateBulk(set.w.builders[lo:hi]...)
			if set.upsert {
				bulk.OnConflict(entsql.ConflictColumns(contact.FieldContactRef), overwrite(contactColumns))
			}
			nodes, err := bulk.Save(im.ctx)
			if err != nil {
				return dbErr(err, "writing the contacts of %s", where)
			}
			for k, n := range nodes {
				ids[set.w.rows[lo+k]] = n.ID
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return im.writeReferrals(wants, ids, refCreate, refMoves, where)
}

func (im *importer) writeReferrals(wants []contactWant, ids, create []int, moves map[schematype.ReferralStatus][]referralMove, where string) error {
	if im.tx != nil {
		if err := im.copyReferrals(wants, ids, create); err != nil {
			return dbErr(err, "writing the referrals of %s", where)
		}
		create = nil
	}
	builders := make([]*ent.ReferralCreate, len(create))
	for k, i := range create {
		w := wants[i]
		b := im.c.Referral.Create().
			SetContactID(ids[i]).
			SetServiceID(w.ref.serviceID).
			SetStatus(w.ref.status).
			SetProposedAt(w.at)
		acc, dec, comp, canc := steps(w.ref.status)
		if acc {
			b.SetAcceptedAt(w.at)
		}
		if dec {
			b.SetDeclinedAt(w.at)
		}
		if comp {
			b.SetCompletedAt(w.at).SetSuccessful(true)
		}
		if canc {
			b.SetCancelledAt(w.at)
		}
		builders[k] = b
	}
	var events []*ent.ReferralEventCreate
	err := chunks(len(builders), func(int) int { return len(referral.Columns) }, func(lo, hi int) error {
		nodes, err := im.c.Referral.CreateBulk(builders[lo:hi]...).Save(im.ctx)
		if err != nil {
			return dbErr(err, "writing the referrals of %s", where)
		}
		for k, n := range nodes {
			w := wants[create[lo+k]]
			events = append(events, im.c.ReferralEvent.Create().
				SetReferralID(n.ID).SetToStatus(w.ref.status).SetAt(w.at).
				SetOperatorID(w.operatorID).SetReason(eventReason))
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Moves: one update per target status; the step dates come from the
	// contact, already written.
	for _, status := range schematype.ReferralStatus("").Values() {
		list := moves[schematype.ReferralStatus(status)]
		if len(list) == 0 {
			continue
		}
		if err := im.moveReferrals(schematype.ReferralStatus(status), list, where); err != nil {
			return err
		}
		for _, m := range list {
			events = append(events, im.c.ReferralEvent.Create().
				SetReferralID(m.id).SetFromStatus(m.from).SetToStatus(schematype.ReferralStatus(status)).
				SetAt(m.at).SetOperatorID(m.operator).SetReason(eventReason))
		}
	}
	return chunks(len(events), func(int) int { return 8 }, func(lo, hi int) error {
		if err := im.c.ReferralEvent.CreateBulk(events[lo:hi]...).Exec(im.ctx); err != nil {
			return dbErr(err, "writing the referral events of %s", where)
		}
		return nil
	})
}

// contactDate is the date of a referral's contact, as an SQL expression
// valid on both databases inside an UPDATE of referrals.
var contactDate = fmt.Sprintf("(SELECT %s.%s FROM %s WHERE %s.%s = %s.%s)",
	contact.Table, contact.FieldOccurredAt, contact.Table,
	contact.Table, contact.FieldID, referral.Table, referral.FieldContactID)

// moveReferrals sets the status of the listed referrals, the step dates
// that status implies (the contact's date) and clears the others.
func (im *importer) moveReferrals(status schematype.ReferralStatus, list []referralMove, where string) error {
	acc, dec, comp, canc := steps(status)
	for lo := 0; lo < len(list); lo += maxIn {
		part := list[lo:min(lo+maxIn, len(list))]
		ids := make([]int, len(part))
		for i, m := range part {
			ids[i] = m.id
		}
		u := im.c.Referral.Update().
			Where(referral.IDIn(ids...)).
			SetStatus(status).
			AddVersion(1).
			ClearFailureReason()
		if comp {
			u.SetSuccessful(true)
		} else {
			u.ClearSuccessful()
		}
		u.Modify(func(s *entsql.UpdateBuilder) {
			for _, step := range []struct {
				col string
				on  bool
			}{
				{referral.FieldAcceptedAt, acc}, {referral.FieldDeclinedAt, dec},
				{referral.FieldCompletedAt, comp}, {referral.FieldCancelledAt, canc},
			} {
				if step.on {
					s.Set(step.col, entsql.Expr(contactDate))
				} else {
					s.SetNull(step.col)
				}
			}
		})
		if err := u.Exec(im.ctx); err != nil {
			return dbErr(err, "updating the referrals of %s", where)
		}
	}
	return nil
}
