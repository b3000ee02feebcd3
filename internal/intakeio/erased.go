package intakeio

import (
	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/internal/intakecsv"
)

// ReasonErased is the RowError reason of a row whose contact_ref is a
// contact of a citizen erased under GDPR art. 17 (internal/dsr): the row
// would write the person's identity or notes back onto the contact, or
// move it away from the citizen the figures count. An erased citizen's
// contacts are never changed.
const ReasonErased = "the contact's citizen was erased"

// refuseErased refuses the rows whose stored contact belongs to an erased
// citizen: one query per chunk of citizens.
func (im *importer) refuseErased(rows []*intakecsv.Row, stored map[string]*ent.Contact) error {
	var ids []int
	seen := map[int]bool{}
	for _, c := range stored {
		if c.CitizenID != nil && !seen[*c.CitizenID] {
			seen[*c.CitizenID] = true
			ids = append(ids, *c.CitizenID)
		}
	}
	erased := map[int]bool{}
	for lo := 0; lo < len(ids); lo += maxIn {
		got, err := im.c.Citizen.Query().
			Where(citizen.IDIn(ids[lo:min(lo+maxIn, len(ids))]...), citizen.PseudonymisedAtNotNil()).
			IDs(im.ctx)
		if err != nil {
			return err
		}
		for _, id := range got {
			erased[id] = true
		}
	}
	for _, r := range rows {
		if c := stored[r.ContactRef]; c != nil && c.CitizenID != nil && erased[*c.CitizenID] {
			im.refuse(intakecsv.RowError{Line: r.Line, PhysicalLine: r.PhysicalLine, Column: intakecsv.ColContactRef, Reason: ReasonErased})
		}
	}
	return nil
}
