package intakeio

import (
	"segretariato/ent"
	"segretariato/internal/intakecsv"
)

// ReasonErased is the RowError reason of a row whose contact_ref is a
// contact of a citizen erased under GDPR art. 17 (internal/dsr): the row
// would write the person's identity or notes back onto the contact, or
// move it away from the citizen the figures count. An erased citizen's
// contacts are never changed.
const ReasonErased = "the contact's citizen was erased"

// refuseErased refuses the rows whose stored contact belongs to an erased
// citizen. The erasure gives every contact of the citizen its age band
// (erased_age_band, never null after it and null on every other contact),
// so the stored contacts tell, with no statement of their own. With these
// rows refused, the import links contacts and referrals only to citizens
// that are not erased (intake.VouchNotErased).
func (im *importer) refuseErased(rows []*intakecsv.Row, stored map[string]*ent.Contact) {
	for _, r := range rows {
		if c := stored[r.ContactRef]; c != nil && c.ErasedAgeBand != nil {
			im.refuse(intakecsv.RowError{Line: r.Line, PhysicalLine: r.PhysicalLine, Column: intakecsv.ColContactRef, Reason: ReasonErased})
		}
	}
}
