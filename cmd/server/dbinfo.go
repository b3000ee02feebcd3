package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"segretariato/internal/database"
)

// announceDatabase tells where the embedded database is and how to start
// afresh: in the log at every start on SQLite, and, with --demo, on stdout
// beside the tokens. Nothing is said of a PostgreSQL URL (it may hold a
// password).
func announceDatabase(cfg config, stdout io.Writer, log *slog.Logger) {
	files := database.SQLiteFiles(cfg.DatabaseURL)
	if files == nil {
		return
	}
	reset := "stop the server and delete " + strings.Join(files, ", ")
	log.Info("embedded SQLite database", "file", files[0], "reset", reset)
	if cfg.Demo {
		fmt.Fprintf(stdout, "Database: %s (embedded SQLite).\nTo start afresh: %s.\n\n", files[0], reset)
	}
}
