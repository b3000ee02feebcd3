package access

import (
	"context"
	"fmt"
	"slices"

	"segretariato/ent"
	"segretariato/ent/operator"
	"segretariato/ent/privacy"
	"segretariato/internal/apperr"
	"segretariato/internal/audit"
)

// Who may change the staff list, and how. Roles cannot be climbed:
//
//   - only the coordinator and the admin change operators, one at a time
//     (no bulk update, no delete);
//   - nobody changes their own record beyond SelfEditable (their name):
//     not their role, their activation or their identity mapping
//     (e-mail, OIDC subject);
//   - only a coordinator makes an operator a coordinator, or changes one
//     who is; an admin manages the other operators;
//   - only a coordinator changes an operator's identity mapping (e-mail,
//     OIDC subject, IdentityFields): an admin who pointed a social
//     worker's mapping at an identity of their own would log in as that
//     social worker and read their cases;
//   - tokens are issued from the server's command line only, and an
//     operator's edges (contacts, citizens) are changed from their side.
//
// The server's command line (and the service's own jobs) act through
// System, which the privacy rules let through before these run; its
// changes are audited as the command line's (internal/audit).

// SelfEditable are the operator fields one may change in one's own
// record. Any other field, present or added later, is refused.
var SelfEditable = []string{operator.FieldName, operator.FieldUpdatedAt}

// IdentityFields map an operator to a person at the identity provider.
var IdentityFields = []string{operator.FieldEmail, operator.FieldOidcSubject}

// OperatorPolicy: every operator reads the staff list; changes follow
// operatorMutation.
func OperatorPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.QueryRuleFunc(anyOperator)},
		Mutation: privacy.MutationPolicy{privacy.OperatorMutationRuleFunc(operatorMutation)},
	}
}

func refuse(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return apperr.Wrap(privacy.Denyf("%s", msg), apperr.Forbidden, "%s", msg)
}

func operatorMutation(ctx context.Context, m *ent.OperatorMutation) error {
	v, err := viewer(ctx)
	if err != nil {
		return err
	}
	if v.Role != coord && v.Role != admin {
		return refuse("your role may not change operators")
	}
	if slices.Contains(m.Fields(), operator.FieldTokenHash) || m.TokenHashCleared() {
		return refuse("tokens are issued from the server's command line only")
	}
	if len(m.AddedEdges())+len(m.RemovedEdges())+len(m.ClearedEdges()) > 0 {
		return refuse("an operator's cases are changed from the cases")
	}
	switch {
	case m.Op().Is(ent.OpCreate):
		if r, _ := m.Role(); r == coord && v.Role != coord {
			return refuse("only a coordinator may make an operator a coordinator")
		}
		return privacy.Allow
	case !m.Op().Is(ent.OpUpdateOne):
		return refuse("operators are changed one at a time and never deleted")
	}
	id, _ := m.ID()
	changed, err := changedFields(ctx, m)
	if err != nil {
		return err
	}
	if id == v.OperatorID {
		for _, f := range changed {
			if !slices.Contains(SelfEditable, f) {
				return refuse("nobody may change their own %s", f)
			}
		}
	}
	if v.Role == coord {
		return privacy.Allow
	}
	for _, f := range changed {
		if slices.Contains(IdentityFields, f) {
			return refuse("only a coordinator may change an operator's %s", f)
		}
	}
	if r, set := m.Role(); set && r == coord {
		return refuse("only a coordinator may make an operator a coordinator")
	}
	old, err := m.OldRole(ctx)
	if err != nil {
		return err
	}
	if old == coord && len(changed) > 0 {
		return refuse("only a coordinator may change a coordinator")
	}
	return privacy.Allow
}

// changedFields lists the fields an update-one mutation sets to a value
// other than the one stored, or clears when set: the update time aside.
func changedFields(ctx context.Context, m *ent.OperatorMutation) ([]string, error) {
	var out []string
	for _, f := range m.Fields() {
		if f == operator.FieldUpdatedAt {
			continue
		}
		now, _ := m.Field(f)
		before, err := m.OldField(ctx, f)
		if err != nil {
			return nil, err
		}
		if audit.Show(now) != audit.Show(before) {
			out = append(out, f)
		}
	}
	for _, f := range m.ClearedFields() {
		before, err := m.OldField(ctx, f)
		if err != nil {
			return nil, err
		}
		if audit.Show(before) != audit.Show(nil) {
			out = append(out, f)
		}
	}
	return out, nil
}
