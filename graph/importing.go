package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"segretariato/graph/model"
	"segretariato/internal/access"
	"segretariato/internal/audit"
	"segretariato/internal/intakecsv"
	"segretariato/internal/intakeio"
)

// importIntakeCards runs a coordinator's upload through intakeio. The
// import is the service's own bulk work (one transaction of its own,
// outside the GraphQL mutation's, see internal/server), recorded as one
// IMPORT audit event rather than an event per row.
func (r *Resolver) importIntakeCards(ctx context.Context, file graphql.Upload, dryRun bool) (*model.ImportResult, error) {
	sum, err := intakeio.Import(access.System(ctx), r.DB, file.File, intakeio.ImportOptions{DryRun: dryRun, Metrics: r.Metrics})
	var refused *intakeio.Refused
	if errors.As(err, &refused) {
		res := &model.ImportResult{Errors: make([]*intakecsv.RowError, len(refused.Errors)), ErrorCount: refused.Total}
		for i := range refused.Errors {
			res.Errors[i] = &refused.Errors[i]
		}
		if refused.Header != nil {
			msg := refused.Header.Error()
			res.HeaderError = &msg
			if res.ErrorCount == 0 {
				res.ErrorCount = 1
			}
		}
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	if !dryRun {
		detail := fmt.Sprintf("%d rows: %d contacts created, %d updated; %d citizens created",
			sum.Rows, sum.ContactsCreated, sum.ContactsUpdated, sum.CitizensCreated)
		if err := audit.Record(ctx, r.Client, audit.Import, "Contact", nil, detail); err != nil {
			return nil, err
		}
	}
	return &model.ImportResult{Accepted: true, Summary: &sum, Errors: []*intakecsv.RowError{}}, nil
}
