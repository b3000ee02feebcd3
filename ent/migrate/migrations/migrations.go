// Package migrations holds the versioned migrations of the database
// schema, one directory per dialect (postgres, sqlite), each with the
// atlas.sum file that guards it. The files named <version>_changes.sql
// (or another name) are written by `go generate ./...` from ent/schema;
// the others are hand-written (the audit trail's append-only triggers).
// internal/database applies them, from the copy embedded here.
package migrations

import "embed"

// FS holds the directories postgres/ and sqlite/.
//
//go:embed postgres sqlite
var FS embed.FS
