// Command server runs the Segretariato sociale backend, and its
// administration commands:
//
//	server [--demo]                          serve the API
//	server operator add --email E --name N --role R
//	                                         create an operator; print its token
//	server import FILE [--dry-run]           import intake cards (CSV), all or nothing
//	server export [--from D --to D] [--area A] [--notes] [--excel] > file.csv
//	server retention [--years N] [--dry-run] pseudonymise citizens with no contact for N years
//	server migrate status|up                 the schema's version; apply the pending migrations
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
