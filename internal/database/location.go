package database

import (
	"path/filepath"
	"strings"
)

// SQLiteFiles returns, for an URL naming an embedded SQLite database, the
// absolute path of its file followed by the write-ahead log and shared
// memory files SQLite keeps beside it in WAL mode (PATH-wal, PATH-shm).
// Deleting all three while the server is stopped starts afresh. It returns
// nil for PostgreSQL or an URL that names no file.
func SQLiteFiles(rawURL string) []string {
	path, ok := sqlitePath(rawURL)
	if !ok {
		return nil
	}
	path, _, _ = strings.Cut(path, "?")
	if path == "" || strings.HasPrefix(path, ":memory:") {
		return nil
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return []string{path, path + "-wal", path + "-shm"}
}
