// Command server runs the Segretariato sociale backend, and its
// administration commands (the list is commands.go; `server help` prints it):
//
//	server [serve] [--demo] [flags]          serve the API (--demo: development mode only)
//	server operator add --email E --name N --role R
//	                                         create an operator; print its token
//	server operator list                     the operators (never their tokens)
//	server operator deactivate --email E     refuse the operator's requests from now on
//	server operator rotate-token --email E   print a new token; the old one stops working
//	server import FILE [--dry-run]           import intake cards (CSV), all or nothing
//	server export [--from D --to D] [--area A] [--notes] [--excel] > file.csv
//	server retention [--years N] [--dry-run] pseudonymise citizens with no contact for N years
//	server audit months                      the audit trail's months (PostgreSQL) and their retention
//	server audit export --before YYYY-MM [--out F]
//	                                         write the trail's events before that month to F, with F.sha256
//	server audit detach --before YYYY-MM --file F
//	                                         detach those months, past the retention and exported to F
//	server migrate status|up                 the schema's version; apply the pending migrations
//	server healthcheck [--url URL]           exit 0 when /healthz answers (container health check)
//	server version | --version               the version, commit and Go toolchain
//	server help | --help | -h                the commands and the serve flags
//
// Configuration comes from flags and the environment (see config.go and
// the README).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
