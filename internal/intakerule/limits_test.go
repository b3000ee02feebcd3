package intakerule_test

import (
	"strings"
	"testing"

	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/migrate"
	_ "segretariato/ent/runtime" // the schema's validators
	"segretariato/internal/intakerule"
)

// The schema declares its columns with the package's lengths: the generated
// tables carry them, so the import's check and the database agree.
func TestSchemaUsesTheLengths(t *testing.T) {
	size := func(table, column string) int64 {
		for _, tb := range migrate.Tables {
			if tb.Name != table {
				continue
			}
			for _, c := range tb.Columns {
				if c.Name == column {
					return c.Size
				}
			}
		}
		t.Fatalf("no column %s.%s", table, column)
		return 0
	}
	for _, c := range []struct {
		table, column string
		want          int
	}{
		{citizen.Table, citizen.FieldFirstName, intakerule.MaxName},
		{citizen.Table, citizen.FieldLastName, intakerule.MaxName},
		{citizen.Table, citizen.FieldDistrict, intakerule.MaxDistrict},
		{citizen.Table, citizen.FieldDistrictKey, intakerule.MaxDistrict},
		{contact.Table, contact.FieldErasedDistrict, intakerule.MaxDistrict},
		{contact.Table, contact.FieldErasedDistrictKey, intakerule.MaxDistrict},
		{contact.Table, contact.FieldContactRef, intakerule.MaxContactRef},
		{contact.Table, contact.FieldNotes, intakerule.MaxNotes},
	} {
		if got := size(c.table, c.column); got != int64(c.want) {
			t.Errorf("%s.%s has size %d, want %d", c.table, c.column, got, c.want)
		}
	}
}

// ent's validators refuse one byte more than the length and accept the
// length itself; the anonymous birth year starts at MinYear.
func TestSchemaValidatorsAtTheLimits(t *testing.T) {
	for _, c := range []struct {
		name  string
		valid func(string) error
		max   int
	}{
		{"first_name", citizen.FirstNameValidator, intakerule.MaxName},
		{"last_name", citizen.LastNameValidator, intakerule.MaxName},
		{"district", citizen.DistrictValidator, intakerule.MaxDistrict},
		{"district_key", citizen.DistrictKeyValidator, intakerule.MaxDistrict},
		{"contact_ref", contact.ContactRefValidator, intakerule.MaxContactRef},
		{"notes", contact.NotesValidator, intakerule.MaxNotes},
		{"a multi-byte letter counts its bytes", citizen.FirstNameValidator, intakerule.MaxName},
	} {
		t.Run(c.name, func(t *testing.T) {
			unit := "a"
			if strings.HasPrefix(c.name, "a multi-byte") {
				unit = "è" // 2 bytes
			}
			at := strings.Repeat(unit, c.max/len(unit))
			if err := c.valid(at); err != nil {
				t.Errorf("%d bytes refused: %v", len(at), err)
			}
			if err := c.valid(at + unit); err == nil {
				t.Errorf("%d bytes accepted", len(at)+len(unit))
			}
		})
	}
	for _, c := range []struct {
		year int
		ok   bool
	}{{intakerule.MinYear - 1, false}, {intakerule.MinYear, true}, {2025, true}} {
		if err := contact.AnonymousBirthYearValidator(c.year); (err == nil) != c.ok {
			t.Errorf("anonymous birth year %d: error %v, want accepted %v", c.year, err, c.ok)
		}
	}
}
