package access

import (
	"context"
	"fmt"

	"segretariato/ent"
	"segretariato/ent/citizen"
	"segretariato/ent/contact"
	"segretariato/ent/hook"
	"segretariato/internal/access/system"
	"segretariato/internal/apperr"
	"segretariato/internal/audit"
)

// A fiscal code is unique, and it is computed from a person's name, birth
// date and birthplace: were a social worker who types the code of a
// citizen they may not see told CONFLICT, anyone with a token would learn
// who is a client of the social services. So the answer to a social
// worker never depends on a citizen they may not read the code of:
//
//   - a citizen with that code that they hold (the only codes they read):
//     CONFLICT, as for the coordinator, who reads every code;
//   - a citizen with that code that they do not hold (someone else's case,
//     or a case merely shared with them): their citizen is recorded as for
//     an unknown code, held by them, with what they typed, but as a pending
//     match of the known one (matched_citizen_id). The event MATCH on the
//     known citizen's trail says who met the person; the coordinator sees
//     the match (citizenMatches) and confirms it (Confirm), which moves the
//     social worker's contacts to the known citizen;
//   - no citizen with that code: a new citizen.
//
// The known citizens have unique codes (a partial unique index: the
// pending matches repeat the code).

// Match is the audit action of a pending match, recorded on the known
// citizen; Merge that of its confirmation.
const (
	Match = "MATCH"
	Merge = "MERGE"
)

var conflict = "a record with the same unique value already exists"

// MatchHook applies the rules above to every create and update of a
// citizen that sets or clears its fiscal code (after internal/intake has
// validated and normalised it), and re-homes the pending matches of a
// known citizen whose code changes.
func MatchHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.CitizenFunc(func(ctx context.Context, m *ent.CitizenMutation) (ent.Value, error) {
			code, set := m.FiscalCode()
			if !set && !m.FiscalCodeCleared() {
				return next.Mutate(ctx, m)
			}
			sys := System(ctx)
			self, _ := m.ID() // 0 for a create
			var old *string
			if m.Op().Is(ent.OpUpdateOne) {
				var err error
				if old, err = m.OldFiscalCode(ctx); err != nil {
					return nil, err
				}
				if set && old != nil && *old == code {
					return next.Mutate(ctx, m) // unchanged
				}
			}
			known := 0
			if set {
				var err error
				if known, err = matchFor(ctx, m.Client(), code, self); err != nil {
					return nil, err
				}
			}
			if known != 0 {
				m.SetMatchedCitizenID(known)
			} else {
				m.ClearMatchedCitizenID()
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			cit := v.(*ent.Citizen)
			if known != 0 {
				if err := audit.Record(ctx, m.Client(), Match, "Citizen", &known,
					fmt.Sprintf("citizen %d was recorded with this citizen's fiscal code by a social worker who does not hold it; pending the coordinator's confirmation", cit.ID)); err != nil {
					return nil, err
				}
			}
			if old != nil {
				return v, rehome(sys, m.Client(), cit.ID)
			}
			return v, nil
		})
	}, ent.OpCreate|ent.OpUpdateOne)
}

// matchFor returns the known citizen a social worker's citizen with the
// code is a pending match of (0: none), or CONFLICT when they hold a
// citizen with the code. For anyone else (the coordinator, the service's
// own work) it returns 0 and the unique index decides.
func matchFor(ctx context.Context, c *ent.Client, code string, self int) (int, error) {
	op, sw := viewingSocialWorker(ctx)
	if system.Is(ctx) || !sw {
		return 0, nil
	}
	others, err := c.Citizen.Query().Where(citizen.FiscalCode(code), citizen.IDNEQ(self)).
		Select(citizen.FieldID, citizen.FieldHolderID, citizen.FieldMatchedCitizenID).All(System(ctx))
	if err != nil {
		return 0, err
	}
	known := 0
	for _, o := range others {
		if o.HolderID != nil && *o.HolderID == op {
			return 0, apperr.New(apperr.Conflict, "%s", conflict)
		}
		if o.MatchedCitizenID == nil {
			known = o.ID
		}
	}
	return known, nil
}

// rehome: when a known citizen's code changes (or becomes a pending match
// itself), its pending matches keep their code: the oldest becomes the
// known citizen of that code and the others its matches.
func rehome(ctx context.Context, c *ent.Client, from int) error {
	pending, err := c.Citizen.Query().Where(citizen.MatchedCitizenID(from)).Order(ent.Asc(citizen.FieldID)).IDs(ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	heir := pending[0]
	if err := c.Citizen.UpdateOneID(heir).ClearMatchedCitizenID().Exec(ctx); err != nil {
		return err
	}
	return c.Citizen.Update().Where(citizen.MatchedCitizenID(from)).SetMatchedCitizenID(heir).Exec(ctx)
}

// Matches lists the pending matches, oldest first, with the citizen each
// matches and its holder (the social worker who recorded it).
func Matches(ctx context.Context, c *ent.Client) ([]*ent.Citizen, error) {
	return c.Citizen.Query().Where(citizen.MatchedCitizenIDNotNil()).
		WithMatchedCitizen().WithHolder().Order(ent.Asc(citizen.FieldID)).All(ctx)
}

// Confirm merges a pending match into the citizen it matches: its
// contacts move there, the known citizen is shared with the social worker
// who recorded it (and with those it was shared with) unless share is
// false, and the pending record is deleted. It returns the known citizen.
func Confirm(ctx context.Context, c *ent.Client, id int, share bool) (*ent.Citizen, error) {
	p, err := c.Citizen.Query().Where(citizen.ID(id)).WithSharedWith().Only(ctx)
	if err != nil {
		return nil, err
	}
	if p.MatchedCitizenID == nil {
		return nil, apperr.OnField("citizenID", "is not a pending match")
	}
	known := *p.MatchedCitizenID
	if err := c.Contact.Update().Where(contact.CitizenID(id)).SetCitizenID(known).Exec(ctx); err != nil {
		return nil, err
	}
	if share {
		var with []int
		if p.HolderID != nil {
			with = append(with, *p.HolderID)
		}
		for _, op := range p.Edges.SharedWith {
			with = append(with, op.ID)
		}
		for _, op := range with {
			if _, err := Share(ctx, c, known, op); err != nil {
				return nil, err
			}
		}
	}
	if err := c.Citizen.UpdateOneID(id).ClearSharedWith().Exec(ctx); err != nil {
		return nil, err
	}
	if err := c.Citizen.DeleteOneID(id).Exec(ctx); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, Merge, "Citizen", &known, fmt.Sprintf("pending match %d confirmed and merged into this citizen", id)); err != nil {
		return nil, err
	}
	return c.Citizen.Get(ctx, known)
}
