package intakeio

import (
	"database/sql"
	"math"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/internal/intakecsv"
	"segretariato/internal/intakerule"
)

// citizenState is what an import holds, for one batch, per fiscal code
// the batch names.
type citizenState struct {
	id int
	// latest is the date (Unix µs) of the latest contact whose values the
	// citizen record holds: a row as recent or more recent overrides the
	// citizen's fields, an older one only fills what is not known.
	latest int64
}

// citizensMet is what an import keeps across batches about the citizens:
// nothing per fiscal code. A citizen's id and latest contact are read back
// from the transaction for every batch that names it (the contacts of
// earlier batches included); only the ids of the citizens met so far are
// kept, compressed, to count each once in the Summary, and the dates that
// reading back would miss (dropped).
type citizensMet struct {
	ids *roaring64.Bitmap
	// dropped holds, for a citizen, the date (Unix µs) of the latest of
	// its stored contacts that a row moved to another citizen (or made
	// anonymous) or dated earlier: the citizen's record still holds the
	// values that date gave it, as if the contact were still its own,
	// whether the file names the citizen before or after that row. Only
	// re-imports that change stored contacts add to it.
	dropped map[int]int64
}

func newCitizensMet() citizensMet {
	return citizensMet{ids: roaring64.New(), dropped: map[int]int64{}}
}

func (m citizensMet) met(id int) bool { return m.ids.Contains(uint64(id)) }

// leaving notes that stored contact c, as it was before this import's row
// changes it, no longer gives its date to its citizen once the row moves it
// to citizen to (nil: anonymous) at the date at.
func (m citizensMet) leaving(c *ent.Contact, to *int, at time.Time) {
	if c.CitizenID == nil {
		return
	}
	from := *c.CitizenID
	if to != nil && *to == from && !at.Before(c.OccurredAt) {
		return
	}
	if d, ok := m.dropped[from]; !ok || c.OccurredAt.UnixMicro() > d {
		m.dropped[from] = c.OccurredAt.UnixMicro()
	}
}

const never = math.MinInt64

// citizenVals are the citizen fields an intake card carries.
type citizenVals struct {
	first, last string
	birth       *time.Time
	sex         string
	citizenship string
	district    string
}

func valsOf(c *ent.Citizen) citizenVals {
	v := citizenVals{first: c.FirstName, last: c.LastName}
	if c.BirthDate != nil {
		// UTC midnight, as written: a driver may return the session's zone.
		d := c.BirthDate.UTC()
		v.birth = &d
	}
	if c.Sex != nil {
		v.sex = string(*c.Sex)
	}
	if c.Citizenship != nil {
		v.citizenship = *c.Citizenship
	}
	if c.District != nil {
		v.district = *c.District
	}
	return v
}

// apply takes the row's values: all of its known ones when the row is the
// citizen's latest contact so far (newer), otherwise only those the
// citizen lacks. An empty cell means "not known", never "erase". A
// district spelt differently but with the same key keeps its first
// spelling (the schema keeps the district "as first written").
func (v *citizenVals) apply(r *intakecsv.Row, newer bool) {
	set := func(dst *string, val string) {
		if val != "" && (newer || *dst == "") {
			*dst = val
		}
	}
	set(&v.first, r.FirstName)
	set(&v.last, r.LastName)
	set(&v.sex, r.Sex)
	set(&v.citizenship, r.Citizenship)
	if r.BirthDate != nil && (newer || v.birth == nil) {
		d := *r.BirthDate
		v.birth = &d
	}
	if r.District != "" && (newer || v.district == "") &&
		intakerule.DistrictKey(r.District) != intakerule.DistrictKey(v.district) {
		v.district = r.District
	}
}

func (v citizenVals) equal(w citizenVals) bool {
	return v.first == w.first && v.last == w.last && v.sex == w.sex &&
		v.citizenship == w.citizenship && v.district == w.district && eqTime(v.birth, w.birth)
}

// citizenColumns are the columns an import overwrites on an existing
// citizen: the card's fields. Contact details, consent and the holder are
// the desk's and stay as they are.
var citizenColumns = []string{
	citizen.FieldUpdatedAt, citizen.FieldFirstName, citizen.FieldLastName,
	citizen.FieldBirthDate, citizen.FieldSex, citizen.FieldCitizenship,
	citizen.FieldDistrict, citizen.FieldDistrictKey,
}

// writeCitizens creates the new citizens of a batch's rows in one bulk
// insert and updates the changed ones in one upsert (each per
// parameter-limit chunk), after one query for those already stored (this
// import's own included) and one for the date of their latest stored
// contact. It sets im.batchCits to every code's id.
func (im *importer) writeCitizens(rows []*intakecsv.Row, where string) error {
	var codes []string
	index := map[string]int{}
	for _, r := range rows {
		if r.FiscalCode == "" {
			continue
		}
		if _, ok := index[r.FiscalCode]; !ok {
			index[r.FiscalCode] = len(codes)
			codes = append(codes, r.FiscalCode)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	stored, err := im.w.storedCitizens(codes)
	if err != nil {
		return dbErr(err, "reading the citizens of %s", where)
	}

	// Count the citizens met for the first time, and find how recent the
	// stored citizens' values are.
	states := make([]citizenState, len(codes))
	known := map[int]*citizenState{}
	for i, code := range codes {
		st := &states[i]
		st.latest = never
		im.batchCits[code] = st
		c, ok := stored[code]
		if !ok {
			im.sum.CitizensCreated++
			continue
		}
		st.id = c.ID
		known[c.ID] = st
		if !im.cits.met(c.ID) {
			im.sum.CitizensMatched++
			im.cits.ids.Add(uint64(c.ID))
		}
	}
	if err := im.latestContacts(known, where); err != nil {
		return err
	}
	for id, st := range known {
		if d, ok := im.cits.dropped[id]; ok && d > st.latest {
			st.latest = d
		}
	}

	want := make([]citizenVals, len(codes))
	holder := make([]int, len(codes))
	for i, code := range codes {
		if c, ok := stored[code]; ok {
			want[i] = valsOf(c)
		}
	}
	for _, r := range rows {
		if r.FiscalCode == "" {
			continue
		}
		i := index[r.FiscalCode]
		st := &states[i]
		at := r.OccurredAt.UnixMicro()
		newer := at >= st.latest
		want[i].apply(r, newer)
		if newer {
			st.latest = at
			holder[i] = im.refs.operatorID[r.OperatorEmail]
		}
	}

	// New citizens are created by the writer; changed ones upserted on the
	// fiscal code.
	var created []newCitizen
	var changed []*ent.CitizenCreate
	var changedCodes []string
	for i, code := range codes {
		c, ok := stored[code]
		if ok && want[i].equal(valsOf(c)) {
			continue
		}
		if ok {
			changed = append(changed, citizenBuilder(im.c, code, want[i]))
			changedCodes = append(changedCodes, code)
			continue
		}
		// The social worker of the citizen's latest card in the file holds
		// the case, as the one who creates a citizen at the desk.
		created = append(created, newCitizen{code: code, vals: want[i], holder: holder[i]})
	}
	ids, err := im.w.createCitizens(created)
	if err != nil {
		return dbErr(err, "writing the citizens of %s", where)
	}
	for k, nc := range created {
		im.batchCits[nc.code].id = ids[k]
		im.cits.ids.Add(uint64(ids[k]))
	}
	if ids, err = saveCitizens(im.ctx, im.c, changed, true); err != nil {
		return dbErr(err, "writing the citizens of %s", where)
	}
	for k, code := range changedCodes {
		im.batchCits[code].id = ids[k]
	}
	return nil
}

// latestContacts sets, for citizens already stored, the date of their
// latest stored contact: rows older than it do not override the citizen's
// fields. One grouped query per chunk of ids.
func (im *importer) latestContacts(states map[int]*citizenState, where string) error {
	ids := make([]int, 0, len(states))
	for id := range states {
		ids = append(ids, id)
	}
	for lo := 0; lo < len(ids); lo += maxIn {
		var agg []struct {
			CitizenID int            `json:"citizen_id"`
			Latest    sql.NullString `json:"latest"`
		}
		err := im.c.Contact.Query().
			Where(contact.CitizenIDIn(ids[lo:min(lo+maxIn, len(ids))]...)).
			GroupBy(contact.FieldCitizenID).
			Aggregate(ent.As(ent.Max(contact.FieldOccurredAt), "latest")).
			Scan(im.ctx, &agg)
		if err != nil {
			return dbErr(err, "reading the citizens' latest contacts for %s", where)
		}
		for _, a := range agg {
			st := states[a.CitizenID]
			if st == nil || !a.Latest.Valid {
				continue
			}
			t, err := parseDBTime(a.Latest.String)
			if err != nil {
				return dbErr(err, "reading the citizens' latest contacts for %s", where)
			}
			st.latest = t.UnixMicro()
		}
	}
	return nil
}
