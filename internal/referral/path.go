package referral

import (
	"segretariato/ent/referral"
	"segretariato/ent/schema/schematype"
)

// Path returns the statuses a referral passes through to go from one
// status to another by allowed moves, the target last: [ACCEPTED,
// COMPLETED] from PROPOSED to COMPLETED. It returns an empty path when the
// statuses are the same, and ok false when the moves do not lead there
// (back to PROPOSED, or out of a closed status).
func Path(from, to schematype.ReferralStatus) (path []schematype.ReferralStatus, ok bool) {
	if from == to {
		return nil, true
	}
	// Breadth first over the few statuses: the shortest path.
	prev := map[schematype.ReferralStatus]schematype.ReferralStatus{}
	queue := []schematype.ReferralStatus{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, next := range transitions[s] {
			if _, seen := prev[next]; seen || next == from {
				continue
			}
			prev[next] = s
			if next == to {
				for at := to; at != from; at = prev[at] {
					path = append([]schematype.ReferralStatus{at}, path...)
				}
				return path, true
			}
			queue = append(queue, next)
		}
	}
	return nil, false
}

// StepField is the referral field that records the date of entering status
// s (accepted_at for ACCEPTED, …), or "" for PROPOSED, whose date is the
// referral's creation. Move and the intake-card import both write it.
func StepField(s schematype.ReferralStatus) string {
	switch s {
	case schematype.ReferralStatusAccepted:
		return referral.FieldAcceptedAt
	case schematype.ReferralStatusDeclined:
		return referral.FieldDeclinedAt
	case schematype.ReferralStatusCompleted:
		return referral.FieldCompletedAt
	case schematype.ReferralStatusCancelled:
		return referral.FieldCancelledAt
	}
	return ""
}
