package graph

import (
	"context"
	"time"

	"segretariato/ent"
	"segretariato/graph/model"
	"segretariato/internal/consent"
)

// client is the mutation's transactional client when there is one (a
// mutation's answer must see what the mutation wrote), else the service's.
func (r *Resolver) client(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.Client
}

func consentStatus(ctx context.Context, c *ent.Client, citizenID int) (model.ConsentStatus, error) {
	st, err := consent.Current(ctx, c, citizenID, time.Now())
	return model.ConsentStatus(st), err
}
