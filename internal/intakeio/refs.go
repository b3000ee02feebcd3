package intakeio

import (
	"context"
	"fmt"
	"strings"

	"segretariato/ent"
	"segretariato/ent/needcategory"
	"segretariato/ent/operator"
	"segretariato/ent/service"
	"segretariato/internal/apperr"
)

// refs is the reference data a file names by code or e-mail, loaded once
// per import or export: a few dozen rows, whatever the file's size.
type refs struct {
	needID      map[string]int // need-category code → id
	needCode    map[int]string
	needPos     map[int]int // id → display position, to order a contact's needs
	serviceID   map[string]int
	serviceCode map[int]string
	operatorID  map[string]int // lower-cased e-mail → id
	operatorEm  map[int]string
}

// loadRefs reads every need category, service and operator. Inactive ones
// are included on purpose: a card of years ago may name a category retired
// since, or a social worker who has left, and an export must read back.
func loadRefs(ctx context.Context, c *ent.Client) (*refs, error) {
	r := &refs{
		needID: map[string]int{}, needCode: map[int]string{}, needPos: map[int]int{},
		serviceID: map[string]int{}, serviceCode: map[int]string{},
		operatorID: map[string]int{}, operatorEm: map[int]string{},
	}
	needs, err := c.NeedCategory.Query().
		Select(needcategory.FieldID, needcategory.FieldCode, needcategory.FieldPosition).
		All(ctx)
	if err != nil {
		return nil, dbErr(err, "reading the need categories")
	}
	for _, n := range needs {
		code := strings.ToUpper(n.Code)
		r.needID[code] = n.ID
		r.needCode[n.ID] = code
		r.needPos[n.ID] = n.Position
	}
	services, err := c.Service.Query().Select(service.FieldID, service.FieldCode).All(ctx)
	if err != nil {
		return nil, dbErr(err, "reading the services")
	}
	for _, s := range services {
		code := strings.ToUpper(s.Code)
		r.serviceID[code] = s.ID
		r.serviceCode[s.ID] = code
	}
	// Ordered by id so that, should two e-mails differ only in case, the
	// older operator wins every time.
	ops, err := c.Operator.Query().Select(operator.FieldID, operator.FieldEmail).
		Order(operator.ByID()).All(ctx)
	if err != nil {
		return nil, dbErr(err, "reading the operators")
	}
	for _, o := range ops {
		email := strings.ToLower(strings.TrimSpace(o.Email))
		if _, ok := r.operatorID[email]; !ok {
			r.operatorID[email] = o.ID
		}
		r.operatorEm[o.ID] = email
	}
	return r, nil
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// dbErr turns a database error into an *apperr.Error whose message says
// what was being done, never the SQL or a value: INTERNAL for a database
// failure, or the code and client-safe message apperr.From gives a schema
// rule's refusal. The cause is kept (Unwrap) for the logs and for
// errors.Is(err, context.Canceled).
func dbErr(err error, format string, args ...any) error {
	doing := fmt.Sprintf(format, args...)
	if e := apperr.From(err); e.Code != apperr.Internal {
		return apperr.Wrap(err, e.Code, "intakeio: %s: %s", doing, e.Error())
	}
	return apperr.Wrap(err, apperr.Internal, "intakeio: %s: database error", doing)
}
