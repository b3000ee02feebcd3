package intakeio

import (
	"database/sql"
	"math"
	"strings"
	"time"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/internal/intakecsv"
	"segretariato/internal/intakerule"
)

// citizenState is what an import keeps per fiscal code seen: 16 bytes
// beside the code.
type citizenState struct {
	id int
	// latest is the date (Unix µs) of the latest contact whose values the
	// citizen record holds: a row as recent or more recent overrides the
	// citizen's fields, an older one only fills what is not known.
	latest int64
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
// parameter-limit chunk), after one query for those already stored and,
// for those first met in this import, one for the date of their latest
// stored contact. It fills im.cits with every code's id.
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

	// First meeting in this import: count, and find how recent the stored
	// citizen's values are.
	matched := map[int]*citizenState{}
	for _, code := range codes {
		if _, ok := im.cits[code]; ok {
			continue
		}
		st := &citizenState{latest: never}
		// The code is a substring of the whole record read: a copy keeps
		// the record from staying in memory for the rest of the import.
		code = strings.Clone(code)
		if c, ok := stored[code]; ok {
			st.id = c.ID
			matched[c.ID] = st
			im.sum.CitizensMatched++
		} else {
			im.sum.CitizensCreated++
		}
		im.cits[code] = st
	}
	if err := im.latestContacts(matched, where); err != nil {
		return err
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
		i, st := index[r.FiscalCode], im.cits[r.FiscalCode]
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
		im.cits[nc.code].id = ids[k]
	}
	if ids, err = saveCitizens(im.ctx, im.c, changed, true); err != nil {
		return dbErr(err, "writing the citizens of %s", where)
	}
	for k, code := range changedCodes {
		im.cits[code].id = ids[k]
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
