package rollup

import (
	"slices"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/dimension"
)

// outcomeIndex is the index of OUTCOME among the facts' single keys.
var outcomeIndex = slices.IndexFunc(singles, func(d *dimension.Decl) bool { return d.Dim == dimension.Outcome })

// followUp is 1 when the contact's outcome is a promised follow-up, which
// the cells count for the caseload.
func (f *fact) followUp() int64 {
	if f.keys[outcomeIndex] == string(schematype.OutcomeFollowUp) {
		return 1
	}
	return 0
}
