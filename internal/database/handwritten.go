package database

import (
	"entgo.io/ent/dialect/sql/schema"

	"ariga.io/atlas/sql/postgres"
	atlas "ariga.io/atlas/sql/schema"
)

// KeepHandWritten is the schema comparison's view of what the hand-written
// migrations add to ent/schema and ent cannot say: on PostgreSQL the audit
// trail is partitioned by month, so its primary key holds the partition
// key (id, at) and its id comes from a sequence, not an identity column
// (ent/migrate/migrations/postgres/20261201203000_audit_partitions.sql).
// The desired audit_events table takes those from the migrated one, and
// everything else is still compared. migrationgen and the staleness test
// diff with it.
func KeepHandWritten(next schema.Differ) schema.Differ {
	return schema.DiffFunc(func(current, desired *atlas.Schema) ([]atlas.Change, error) {
		cur, ok1 := current.Table("audit_events")
		want, ok2 := desired.Table("audit_events")
		if ok1 && ok2 && cur.PrimaryKey != nil && len(cur.PrimaryKey.Parts) == 2 {
			keepPartitioning(cur, want)
		}
		return next.Diff(current, desired)
	})
}

func keepPartitioning(cur, want *atlas.Table) {
	for _, a := range cur.Attrs {
		if _, ok := a.(*postgres.Partition); ok {
			want.AddAttrs(a)
		}
	}
	wantID, ok1 := want.Column("id")
	curID, ok2 := cur.Column("id")
	if !ok1 || !ok2 {
		return
	}
	wantID.Type, wantID.Default, wantID.Attrs = curID.Type, curID.Default, curID.Attrs
	pk := atlas.NewPrimaryKey()
	for _, p := range cur.PrimaryKey.Parts {
		c, _ := want.Column(p.C.Name)
		pk.AddColumns(c)
	}
	want.SetPrimaryKey(pk)
}
