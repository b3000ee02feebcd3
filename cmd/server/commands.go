package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// command is one subcommand of the server binary.
type command struct {
	name    string
	summary string // one line
	run     func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

// commands lists the subcommands, in the order the help shows them. No
// command (or only flags) serves the API.
func commands() []command {
	return []command{
		{"serve", "serve the API (the default when no command is given)", nil},
		{"operator", "add, list, deactivate an operator, or rotate-token: the operators and their API tokens", runOperator},
		{"import", "import intake cards (CSV), all or nothing", runImport},
		{"export", "write contacts as intake-card CSV on standard output", runExport},
		{"retention", "pseudonymise the citizens with no contact for N years", runRetention},
		{"audit", "months: the audit trail's months; export, detach: the months past the retention leave it", runAudit},
		{"analytics", "verify: compare the kept figures with the raw rows; rebuild: recompute them", runAnalytics},
		{"migrate", "status: the schema's version and pending migrations; up: apply them", runMigrate},
		{"healthcheck", "exit 0 when the server's /healthz answers, 1 otherwise (for container health checks)", runHealthcheck},
		{"version", "print the version and exit (also --version)", runVersion},
		{"help", "print this help and exit (also --help, -h)", nil},
	}
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// asksForHelp reports whether a command's arguments ask for its help.
func asksForHelp(args []string) bool {
	for _, a := range args {
		if a != "help" && isHelp(a) {
			return true
		}
	}
	return false
}

// printHelp writes the list of commands and the serve flags of fs.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, "Segretariato sociale backend.\n\nUsage:\n  server [command] [flags]\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprint(w, "\nFlags of serve (each also read from the environment variable in brackets):\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, "\nOther settings are environment variables only: MAX_BODY_BYTES, MAX_UPLOAD_BYTES,\n"+
		"DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, DB_MAX_CONNS, SUPPRESSION_K, OIDC_ISSUER, OIDC_AUDIENCE,\n"+
		"OIDC_JWKS_URL, the request limits MAX_TOKENS, MAX_ALIASES, MAX_REPEATED_FIELDS, MAX_DIRECTIVES,\n"+
		"MAX_DEPTH, MAX_COST, MAX_STRING_LENGTH, MAX_LIST_LENGTH (see the README).\n\nRun `server COMMAND --help` for a command's flags.\n")
}

// dispatch runs the subcommand args[0] names, and reports whether there was
// one. Flags alone (or nothing) mean serve; a word that is no command is an
// error. A command's --help exits 0.
func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (bool, error) {
	if len(args) == 0 {
		return false, nil
	}
	name, rest := args[0], args[1:]
	switch {
	case isHelp(name):
		_, err := parseConfig([]string{"-h"}, noEnv, stdout)
		return true, helpIsNoError(err)
	case name == "--version" || name == "-version":
		name = "version"
	case name == "serve" || strings.HasPrefix(name, "-"):
		return false, nil // serve, and its flags
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			if asksForHelp(rest) {
				// The help shows the built-in defaults, never the
				// environment's (DATABASE_URL may hold a password).
				getenv = noEnv
			}
			return true, helpIsNoError(c.run(ctx, rest, getenv, stdout, stderr))
		}
	}
	return true, fmt.Errorf("unknown command %q; `server help` lists the commands", name)
}

func noEnv(string) string { return "" }

// helpIsNoError turns the flag package's "help requested" into success:
// the usage has been printed.
func helpIsNoError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
