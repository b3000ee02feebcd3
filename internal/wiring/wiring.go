// Package wiring opens the service's database the one way every path
// takes: the server, the administration commands of cmd/server, the
// benchmarks and the test constructors (dbtest, apitest). database.Open
// only opens and migrates; Open here adds the ent hooks and interceptors
// the rules need on every query and mutation, so that no path can forget
// the audit trail. A test checks that no other code calls database.Open.
package wiring

import (
	"context"

	"entgo.io/ent/dialect"

	"segretariato/ent"
	"segretariato/internal/access"
	"segretariato/internal/audit"
	"segretariato/internal/database"
	"segretariato/internal/intake"
	"segretariato/internal/rollup"
)

// Open opens and migrates the database as database.Open does (its errors),
// with the ent driver that keeps the demand figures at every commit
// (rollup.Driver, under opt.Driver), then installs the hooks and
// interceptors (Install).
func Open(ctx context.Context, rawURL string, opt database.Options) (*database.DB, error) {
	outer := opt.Driver
	opt.Driver = func(d dialect.Driver) dialect.Driver {
		d = rollup.Driver(d)
		if outer != nil {
			d = outer(d)
		}
		return d
	}
	db, err := database.Open(ctx, rawURL, opt)
	if err != nil {
		return nil, err
	}
	Install(db.Client)
	return db, nil
}

// Install gives client what every path needs: the audit trail's hook on
// mutations and interceptor on reads (internal/audit), and the note of the
// contacts a request loads, which FirstContact answers for all at once
// (internal/intake), and the holders of the citizens a social worker's
// request loads (internal/access). The schema's own hooks and privacy policies come with
// the generated client (ent/runtime).
func Install(client *ent.Client) {
	client.Use(audit.MutationHook())
	client.Intercept(audit.ReadInterceptor(client), intake.RememberContacts(), access.KnowHolders())
}
