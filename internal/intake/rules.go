// Package intake keeps the rules of the intake card: what makes a citizen
// record and a contact valid, whatever path writes them (the GraphQL API,
// the CSV import, the demo). The rules run as ent hooks, registered by the
// schema, so no path can skip them.
//
// Citizen: a fiscal code must be checksum-valid (omocodia allowed) and is
// stored upper-case; birth date and sex are read from it when not given and
// must agree with it when given; the district is trimmed and keyed
// case-insensitively (intakerule.District, intakerule.DistrictKey); the
// citizenship is an upper-case ISO code.
//
// Contact: the main need is always one of the needs; the fields of an
// anonymous contact (sex, birth year) are refused on a contact with a
// citizen; at least one response, none repeated; the contact is not dated
// after today (intakerule.AfterToday).
package intake

import (
	"context"
	"errors"
	"time"

	"segretariato/ent"
	"segretariato/ent/contact"
	"segretariato/ent/hook"
	"segretariato/ent/needcategory"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/apperr"
	"segretariato/internal/fiscalcode"
	"segretariato/internal/intakerule"
	"segretariato/internal/localtime"
)

// CitizenHook validates and normalises citizen mutations. It returns
// INVALID errors naming the field at fault.
func CitizenHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.CitizenFunc(func(ctx context.Context, m *ent.CitizenMutation) (ent.Value, error) {
			if err := CitizenRules(ctx, m); err != nil {
				return nil, err
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdateOne|ent.OpUpdate)
}

// CitizenRules validates and normalises a citizen mutation in place: the
// rules of this package, on every path. The hook runs them; the import's
// bulk (COPY) writer runs them on the same create builders the ent path
// saves and copies the mutation's values, so a rule added here applies to
// both. It returns INVALID errors naming the field at fault.
func CitizenRules(ctx context.Context, m *ent.CitizenMutation) error {
	if d, ok := m.District(); ok {
		if n := intakerule.District(d); n == "" {
			m.ClearDistrict()
			m.ClearDistrictKey()
		} else {
			m.SetDistrict(n)
			m.SetDistrictKey(intakerule.DistrictKey(n))
		}
	}
	if c, ok := m.Citizenship(); ok {
		c = intakerule.Citizenship(c)
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return apperr.OnField("citizenship", "must be a two-letter ISO 3166-1 country code")
		}
		m.SetCitizenship(c)
	}
	if bd, ok := m.BirthDate(); ok {
		m.SetBirthDate(localtime.MidnightUTC(bd)) // a date: UTC midnight, as the age bands read it
	}
	code, hasCode := m.FiscalCode()
	if !hasCode && m.Op().Is(ent.OpUpdateOne) {
		// The birth date or sex may change alone: check them against the
		// code already stored.
		_, bdChanged := m.BirthDate()
		_, sexChanged := m.Sex()
		if !bdChanged && !sexChanged {
			return nil
		}
		old, err := m.OldFiscalCode(ctx)
		if err != nil || old == nil {
			return err
		}
		info, err := fiscalcode.Parse(*old)
		if err != nil {
			return nil // a stored code is valid; nothing to compare with otherwise
		}
		return agree(m, info, false)
	}
	if !hasCode {
		return nil
	}
	info, err := fiscalcode.Parse(code)
	if err != nil {
		return apperr.OnField("fiscalCode", "%s", fiscalCodeReason(err))
	}
	m.SetFiscalCode(info.Code)
	return agree(m, info, true)
}

// agree checks the mutation's birth date and sex against the fiscal code,
// and fills them from it when fill is set and they are not given.
func agree(m *ent.CitizenMutation, info fiscalcode.Info, fill bool) error {
	if bd, ok := m.BirthDate(); ok {
		if !info.SameBirthDate(bd) {
			return apperr.OnField("birthDate", "disagrees with the fiscal code")
		}
		m.SetBirthDate(localtime.MidnightUTC(bd))
	} else if fill {
		m.SetBirthDate(info.BirthDate)
	}
	if sex, ok := m.Sex(); ok {
		// X is a declared choice, not a contradiction of the code.
		if sex != schematype.SexX && string(sex) != info.Sex {
			return apperr.OnField("sex", "disagrees with the fiscal code")
		}
	} else if fill {
		m.SetSex(schematype.Sex(info.Sex))
	}
	return nil
}

// fiscalCodeReason says what is wrong with a code without repeating it.
func fiscalCodeReason(err error) string {
	switch {
	case errors.Is(err, fiscalcode.ErrLength):
		return "a fiscal code has 16 characters"
	case errors.Is(err, fiscalcode.ErrChecksum):
		return "the check letter does not match (checksum)"
	case errors.Is(err, fiscalcode.ErrDate):
		return "the birth date in the fiscal code is impossible"
	default:
		return "is not a valid fiscal code"
	}
}

// ContactHook validates contact mutations and keeps the main need among
// the needs. It returns INVALID errors naming the field at fault.
func ContactHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ContactFunc(func(ctx context.Context, m *ent.ContactMutation) (ent.Value, error) {
			if err := ContactRules(ctx, m); err != nil {
				return nil, err
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdateOne)
}

// ContactRules validates a contact mutation in place and keeps the main
// need among the needs: as CitizenRules, for contacts (on a create it reads
// nothing from the database). It returns INVALID errors naming the field
// at fault.
func ContactRules(ctx context.Context, m *ent.ContactMutation) error {
	if at, ok := m.OccurredAt(); ok {
		if intakerule.AfterToday(at, time.Now()) {
			return apperr.OnField("occurredAt", "is in the future")
		}
		m.SetOccurredAt(at.UTC())
	}
	if rs, ok := m.Responses(); ok {
		if len(rs) == 0 {
			return apperr.OnField("responses", "at least one response is required")
		}
		seen := map[schematype.Response]bool{}
		for _, r := range rs {
			if !schematype.Valid(r) {
				return apperr.OnField("responses", "is not an allowed value")
			}
			if seen[r] {
				return apperr.OnField("responses", "a response is listed twice")
			}
			seen[r] = true
		}
	}
	if err := checkAnonymous(ctx, m); err != nil {
		return err
	}
	return keepMainNeed(ctx, m)
}

// checkAnonymous refuses the anonymous person's sex and birth year on a
// contact that names a citizen: the citizen's own record holds them.
func checkAnonymous(ctx context.Context, m *ent.ContactMutation) error {
	_, hasSex := m.AnonymousSex()
	_, hasYear := m.AnonymousBirthYear()
	if !hasSex && !hasYear {
		return nil
	}
	hasCitizen := len(m.CitizenIDs()) > 0
	if !hasCitizen && m.Op().Is(ent.OpUpdateOne) && !m.CitizenCleared() {
		old, err := m.OldCitizenID(ctx)
		if err != nil {
			return err
		}
		hasCitizen = old != nil
	}
	if hasCitizen {
		field := "anonymousSex"
		if !hasSex {
			field = "anonymousBirthYear"
		}
		return apperr.OnField(field, "only an anonymous contact carries it; the citizen's record holds it")
	}
	if y, ok := m.AnonymousBirthYear(); ok {
		at, ok := m.OccurredAt()
		if !ok && m.Op().Is(ent.OpUpdateOne) {
			var err error
			if at, err = m.OldOccurredAt(ctx); err != nil {
				return err
			}
		}
		if !at.IsZero() && y > at.Year() {
			return apperr.OnField("anonymousBirthYear", "is after the contact's date")
		}
	}
	return nil
}

// keepMainNeed adds the main need to the needs, and refuses removing the
// main need from them.
func keepMainNeed(ctx context.Context, m *ent.ContactMutation) error {
	main, setMain := m.MainNeedID()
	if m.Op().Is(ent.OpCreate) {
		if setMain {
			m.AddNeedIDs(intakerule.ContactNeeds(main, m.NeedsIDs())...)
		}
		return nil
	}
	removing := m.NeedsCleared() || len(m.RemovedNeedsIDs()) > 0
	if !setMain && !removing {
		return nil
	}
	if !setMain {
		var err error
		if main, err = m.OldMainNeedID(ctx); err != nil {
			return err
		}
	}
	added := contains(m.NeedsIDs(), main)
	if (m.NeedsCleared() || contains(m.RemovedNeedsIDs(), main)) && !added {
		return apperr.OnField("needIDs", "the main need must stay among the needs")
	}
	if added || !setMain {
		return nil // still among the needs, or kept there by the check above
	}
	id, _ := m.ID()
	has, err := m.Client().Contact.Query().
		Where(contact.ID(id), contact.HasNeedsWith(needcategory.ID(main))).
		Exist(ctx)
	if err != nil || has {
		return err
	}
	m.AddNeedIDs(main)
	return nil
}

func contains(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
