package database

import "context"

// MigrateUpTo applies the pending migrations up to a version, to make a
// database of an earlier version.
func (d *DB) MigrateUpTo(ctx context.Context, version string) (MigrationResult, error) {
	return migrateUp(ctx, d.SQL, d.Dialect, version)
}

// MigrationFiles are the embedded migration files of the database's dialect.
func (d *DB) MigrationFiles() ([]string, error) {
	dir, err := migrationDir(d.Dialect)
	if err != nil {
		return nil, err
	}
	files, err := dir.Files()
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	return names, err
}
