package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	atlas "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
	"entgo.io/ent/dialect"
)

// checkBaseline accepts an unversioned database (created by an earlier
// release with ent's auto-migration) only if its schema is the one the
// first migration file creates: then that file may be recorded as
// applied without running it.
func checkBaseline(ctx context.Context, conn execQuerier, dia string, baseline atlas.File) error {
	drv, err := atlasDriver(dia, conn)
	if err != nil {
		return err
	}
	got, err := drv.InspectSchema(ctx, "", &schema.InspectOptions{Exclude: []string{revisionTable}})
	if err != nil {
		return fmt.Errorf("inspecting the database: %w", err)
	}
	want, err := baselineSchema(ctx, conn, dia, baseline)
	if err != nil {
		return fmt.Errorf("replaying the baseline %s: %w", baseline.Name(), err)
	}
	want.Name, want.Attrs = got.Name, got.Attrs
	changes, err := drv.SchemaDiff(got, want)
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	var stmts []string
	if plan, err := drv.PlanChanges(ctx, "baseline", changes); err == nil {
		for _, c := range plan.Changes {
			stmts = append(stmts, c.Cmd)
		}
	}
	return fmt.Errorf("the database has tables but no migration history, and its schema is not the one of the first migration %s, so it cannot be taken as that baseline; it would take: %s", baseline.Name(), describe(stmts))
}

// baselineSchema is the schema the baseline file creates on an empty
// database: on PostgreSQL a scratch schema inside the transaction, rolled
// back; on SQLite an in-memory database.
func baselineSchema(ctx context.Context, conn execQuerier, dia string, baseline atlas.File) (*schema.Schema, error) {
	if dia == dialect.Postgres {
		const scratch = "seg_baseline_check"
		if _, err := conn.ExecContext(ctx, "SAVEPOINT seg_baseline"); err != nil {
			return nil, err
		}
		s, err := replay(ctx, conn, dia, baseline, scratch,
			"CREATE SCHEMA "+scratch, "SET LOCAL search_path TO "+scratch)
		if _, err2 := conn.ExecContext(ctx, "ROLLBACK TO SAVEPOINT seg_baseline"); err2 != nil {
			err = errors.Join(err, err2)
		}
		return s, err
	}
	mem, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		return nil, err
	}
	defer mem.Close()
	mem.SetMaxOpenConns(1)
	return replay(ctx, mem, dia, baseline, "")
}

// replay runs the setup statements and the file, and inspects the schema.
func replay(ctx context.Context, conn execQuerier, dia string, f atlas.File, name string, setup ...string) (*schema.Schema, error) {
	drv, err := atlasDriver(dia, conn)
	if err != nil {
		return nil, err
	}
	stmts, err := statements(dia, f, drv)
	if err != nil {
		return nil, err
	}
	for _, s := range append(setup, stmts...) {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return nil, err
		}
	}
	return drv.InspectSchema(ctx, name, nil)
}
