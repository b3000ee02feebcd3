package database

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
)

// execQuerier is a pool, a connection or a transaction.
type execQuerier interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

// revisionTable records the applied migrations, with the columns of the
// table the Atlas CLI keeps.
const revisionTable = "atlas_schema_revisions"

var revisionDDL = map[string]string{
	dialect.Postgres: `CREATE TABLE IF NOT EXISTS atlas_schema_revisions (
  version varchar(255) NOT NULL PRIMARY KEY, description text NOT NULL,
  type bigint NOT NULL DEFAULT 2, applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0,
  executed_at timestamptz NOT NULL, execution_time bigint NOT NULL,
  error text NULL, error_stmt text NULL, hash text NOT NULL, partial_hashes jsonb NULL,
  operator_version text NOT NULL)`,
	dialect.SQLite: `CREATE TABLE IF NOT EXISTS atlas_schema_revisions (
  version text NOT NULL PRIMARY KEY, description text NOT NULL,
  type integer NOT NULL DEFAULT 2, applied integer NOT NULL DEFAULT 0, total integer NOT NULL DEFAULT 0,
  executed_at datetime NOT NULL, execution_time integer NOT NULL,
  error text NULL, error_stmt text NULL, hash text NOT NULL, partial_hashes json NULL,
  operator_version text NOT NULL)`,
}

const revisionColumns = `version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, partial_hashes, operator_version`

// revisions is Atlas's RevisionReadWriter over the revision table.
type revisions struct {
	conn execQuerier
	dia  string
}

var _ atlas.RevisionReadWriter = (*revisions)(nil)

// bind writes the $n placeholders of PostgreSQL as SQLite's ?n.
func (r *revisions) bind(q string) string {
	if r.dia == dialect.SQLite {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}

func (r *revisions) Ident() *atlas.TableIdent { return &atlas.TableIdent{Name: revisionTable} }

func (r *revisions) ReadRevisions(ctx context.Context) ([]*atlas.Revision, error) {
	return r.read(ctx, "SELECT "+revisionColumns+" FROM atlas_schema_revisions ORDER BY version")
}

func (r *revisions) ReadRevision(ctx context.Context, version string) (*atlas.Revision, error) {
	revs, err := r.read(ctx, r.bind("SELECT "+revisionColumns+" FROM atlas_schema_revisions WHERE version = $1"), version)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, atlas.ErrRevisionNotExist
	}
	return revs[0], nil
}

func (r *revisions) read(ctx context.Context, q string, args ...any) ([]*atlas.Revision, error) {
	rows, err := r.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*atlas.Revision
	for rows.Next() {
		var (
			rev              atlas.Revision
			typ              int64
			elapsed          int64
			errText, errStmt sql.NullString
			partial          []byte
		)
		if err := rows.Scan(&rev.Version, &rev.Description, &typ, &rev.Applied, &rev.Total, &rev.ExecutedAt, &elapsed,
			&errText, &errStmt, &rev.Hash, &partial, &rev.OperatorVersion); err != nil {
			return nil, err
		}
		rev.Type, rev.ExecutionTime = atlas.RevisionType(typ), time.Duration(elapsed)
		rev.Error, rev.ErrorStmt = errText.String, errStmt.String
		if len(partial) > 0 {
			if err := json.Unmarshal(partial, &rev.PartialHashes); err != nil {
				return nil, errors.New("the revision table holds malformed partial hashes")
			}
		}
		out = append(out, &rev)
	}
	return out, rows.Err()
}

func (r *revisions) WriteRevision(ctx context.Context, rev *atlas.Revision) error {
	var partial any
	if len(rev.PartialHashes) > 0 {
		b, err := json.Marshal(rev.PartialHashes)
		if err != nil {
			return err
		}
		partial = string(b)
	}
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	_, err := r.conn.ExecContext(ctx, r.bind(`INSERT INTO atlas_schema_revisions (`+revisionColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (version) DO UPDATE SET description = excluded.description, type = excluded.type,
  applied = excluded.applied, total = excluded.total, executed_at = excluded.executed_at,
  execution_time = excluded.execution_time, error = excluded.error, error_stmt = excluded.error_stmt,
  hash = excluded.hash, partial_hashes = excluded.partial_hashes, operator_version = excluded.operator_version`),
		rev.Version, rev.Description, int64(rev.Type), rev.Applied, rev.Total, rev.ExecutedAt.UTC(), int64(rev.ExecutionTime),
		nullable(rev.Error), nullable(rev.ErrorStmt), rev.Hash, partial, rev.OperatorVersion)
	return err
}

func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	_, err := r.conn.ExecContext(ctx, r.bind("DELETE FROM atlas_schema_revisions WHERE version = $1"), version)
	return err
}
