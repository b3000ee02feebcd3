package intakeio

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/needcategory"
	"segretariato/ent/referral"
	"segretariato/ent/schema/schematype"
	"segretariato/ent/service"
	"segretariato/internal/intakecsv"
)

// bulkWriter reads a batch's stored records by key and creates its new
// ones. The planning code (writeCitizens, writeContacts, writeReferrals)
// decides what a batch creates, updates and deletes and does not know
// which writer it has; the updates, upserts and deletes of stored records
// go through ent on every database.
//
// Two writers exist: entWriter, every statement through ent and the
// schema's hooks (SQLite, and PostgreSQL when COPY is not available), and
// copyWriter, PostgreSQL's COPY (copy.go), which applies the hooks' rules
// by calling the same functions they call (internal/intakerule,
// internal/localtime, internal/fiscalcode). TestImportCopySameAsEnt and
// TestImportCopyWriterSameAsEntWriter compare what the two write.
//
// Errors are the database's, unwrapped: the caller names the batch.
type bulkWriter interface {
	// storedCitizens returns the known citizens (pending matches apart)
	// with the given fiscal codes, by code, with their card fields.
	storedCitizens(codes []string) (map[string]*ent.Citizen, error)
	// storedContacts returns the stored contacts with the given
	// contact_refs, by ref, with their needs and informed-about services
	// (ids only) and their referrals in proposal-date then id order.
	storedContacts(refs []string) (map[string]*ent.Contact, error)
	// createCitizens creates cs and returns their ids, in cs's order.
	createCitizens(cs []newCitizen) ([]int, error)
	// createContacts creates the contacts of rows[i] (wants[i]) for each
	// i of at, with their needs and informed-about services, and records
	// their ids in ids[i].
	createContacts(rows []*intakecsv.Row, wants []contactWant, at []int, ids []int) error
	// createReferrals creates the referrals of create, each for the
	// contact ids[row] at its date, and returns their ids in create's
	// order. Their events are createEvents'.
	createReferrals(wants []contactWant, ids []int, create []newReferral) ([]int, error)
	// createEvents creates referral events, with eventReason.
	createEvents(es []newEvent) error
}

// newEvent is a ReferralEvent to create: a created referral's (no from
// status) or one step of a move.
type newEvent struct {
	referral int
	from     *schematype.ReferralStatus
	to       schematype.ReferralStatus
	at       time.Time
	operator int
}

// postgresWriter is the writer of a PostgreSQL import on tx: COPY when the
// connections are lib/pq's (drv, the pool's driver), whose COPY protocol
// copyWriter speaks; ent otherwise.
func postgresWriter(ctx context.Context, c *ent.Client, tx *sql.Tx, drv driver.Driver) bulkWriter {
	ew := &entWriter{ctx: ctx, c: c}
	if _, ok := drv.(*pq.Driver); !ok || !copyEnabled {
		return ew
	}
	return &copyWriter{ctx: ctx, tx: tx, ent: ew}
}

// copyEnabled lets the tests run the ent writer on PostgreSQL.
var copyEnabled = true

// entWriter writes through ent: the schema's hooks apply the intake
// card's rules (internal/intake).
type entWriter struct {
	ctx context.Context
	c   *ent.Client
}

func (ew *entWriter) storedCitizens(codes []string) (map[string]*ent.Citizen, error) {
	stored := make(map[string]*ent.Citizen, len(codes))
	for lo := 0; lo < len(codes); lo += maxIn {
		part := codes[lo:min(lo+maxIn, len(codes))]
		cs, err := ew.c.Citizen.Query().Where(citizen.FiscalCodeIn(part...), citizen.MatchedCitizenIDIsNil()).All(ew.ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			stored[*c.FiscalCode] = c
		}
	}
	return stored, nil
}

func (ew *entWriter) storedContacts(refs []string) (map[string]*ent.Contact, error) {
	stored := make(map[string]*ent.Contact, len(refs))
	for lo := 0; lo < len(refs); lo += maxIn {
		cs, err := ew.c.Contact.Query().
			Where(contact.ContactRefIn(refs[lo:min(lo+maxIn, len(refs))]...)).
			WithNeeds(func(q *ent.NeedCategoryQuery) { q.Select(needcategory.FieldID) }).
			WithInformedAbout(func(q *ent.ServiceQuery) { q.Select(service.FieldID) }).
			WithReferrals(func(q *ent.ReferralQuery) { q.Order(referral.ByProposedAt(), referral.ByID()) }).
			All(ew.ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			stored[*c.ContactRef] = c
		}
	}
	return stored, nil
}

func (ew *entWriter) createCitizens(cs []newCitizen) ([]int, error) {
	builders := make([]*ent.CitizenCreate, len(cs))
	for k, nc := range cs {
		builders[k] = citizenBuilder(ew.c, nc.code, nc.vals).SetHolderID(nc.holder)
	}
	return saveCitizens(ew.ctx, ew.c, builders, false)
}

func (ew *entWriter) createContacts(rows []*intakecsv.Row, wants []contactWant, at []int, ids []int) error {
	builders := make([]*ent.ContactCreate, len(at))
	for k, i := range at {
		builders[k] = wants[i].builder(ew.c, rows[i].ContactRef)
	}
	return saveContacts(ew.ctx, ew.c, builders, wants, at, ids, false)
}

func (ew *entWriter) createReferrals(wants []contactWant, ids []int, create []newReferral) ([]int, error) {
	builders := make([]*ent.ReferralCreate, len(create))
	for k, nr := range create {
		at := wants[nr.row].at
		b := ew.c.Referral.Create().
			SetContactID(ids[nr.row]).
			SetServiceID(nr.ref.serviceID).
			SetStatus(nr.ref.status).
			SetProposedAt(at)
		acc, dec, comp, canc := steps(nr.ref.status)
		if acc {
			b.SetAcceptedAt(at)
		}
		if dec {
			b.SetDeclinedAt(at)
		}
		if comp {
			b.SetCompletedAt(at).SetSuccessful(true)
		}
		if canc {
			b.SetCancelledAt(at)
		}
		builders[k] = b
	}
	refIDs := make([]int, 0, len(create))
	err := chunks(len(builders), func(int) int { return len(referral.Columns) }, func(lo, hi int) error {
		nodes, err := ew.c.Referral.CreateBulk(builders[lo:hi]...).Save(ew.ctx)
		for _, n := range nodes {
			refIDs = append(refIDs, n.ID)
		}
		return err
	})
	return refIDs, err
}

func (ew *entWriter) createEvents(es []newEvent) error {
	builders := make([]*ent.ReferralEventCreate, len(es))
	for k, e := range es {
		builders[k] = ew.c.ReferralEvent.Create().
			SetReferralID(e.referral).SetNillableFromStatus(e.from).SetToStatus(e.to).
			SetAt(e.at).SetOperatorID(e.operator).SetReason(eventReason)
	}
	return chunks(len(builders), func(int) int { return 8 }, func(lo, hi int) error {
		return ew.c.ReferralEvent.CreateBulk(builders[lo:hi]...).Exec(ew.ctx)
	})
}

// saveContacts inserts the contact builders of rows[i] for each i of at,
// or upserts them on contact_ref, per parameter-limit chunk, and records
// their ids in ids[i].
func saveContacts(ctx context.Context, c *ent.Client, builders []*ent.ContactCreate, wants []contactWant, at []int, ids []int, upsert bool) error {
	cost := func(k int) int {
		w := &wants[at[k]]
		return max(len(contact.Columns), 2*len(w.needs), 2*len(w.informed))
	}
	return chunks(len(builders), cost, func(lo, hi int) error {
		bulk := c.Contact.CreateBulk(builders[lo:hi]...)
		if upsert {
			bulk.OnConflict(entsql.ConflictColumns(contact.FieldContactRef), overwrite(contactColumns))
		}
		nodes, err := bulk.Save(ctx)
		if err != nil {
			return err
		}
		for k, n := range nodes {
			ids[at[lo+k]] = n.ID
		}
		return nil
	})
}

// citizenBuilder sets a citizen's code and card fields; the citizen hook
// normalises them and reads what the code tells (internal/intake).
func citizenBuilder(c *ent.Client, code string, v citizenVals) *ent.CitizenCreate {
	b := c.Citizen.Create().SetFiscalCode(code).
		SetFirstName(v.first).SetLastName(v.last).SetNillableBirthDate(v.birth)
	if v.sex != "" {
		b.SetSex(schematype.Sex(v.sex))
	}
	if v.citizenship != "" {
		b.SetCitizenship(v.citizenship)
	}
	if v.district != "" {
		b.SetDistrict(v.district) // the citizen hook sets district_key
	}
	return b
}

// saveCitizens inserts the citizen builders, or upserts them on the
// fiscal code, per parameter-limit chunk, and returns their ids in order.
func saveCitizens(ctx context.Context, c *ent.Client, builders []*ent.CitizenCreate, upsert bool) ([]int, error) {
	ids := make([]int, 0, len(builders))
	err := chunks(len(builders), func(int) int { return len(citizen.Columns) }, func(lo, hi int) error {
		bulk := c.Citizen.CreateBulk(builders[lo:hi]...)
		if upsert {
			// The known citizens' codes are unique, not the pending matches'.
			bulk.OnConflict(entsql.ConflictColumns(citizen.FieldFiscalCode),
				entsql.ConflictWhere(entsql.IsNull(citizen.FieldMatchedCitizenID)), overwrite(citizenColumns))
		}
		nodes, err := bulk.Save(ctx)
		for _, n := range nodes {
			ids = append(ids, n.ID)
		}
		return err
	})
	return ids, err
}
