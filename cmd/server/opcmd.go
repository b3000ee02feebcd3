package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"segretariato/ent"
	"segretariato/ent/operator"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access"
	"segretariato/internal/audit"
	"segretariato/internal/auth"
	"segretariato/internal/database"
)

const operatorUsage = `usage:
  server operator add --email E --name N --role SOCIAL_WORKER|COORDINATOR|ANALYST|ADMIN
                                       create an operator; print its token alone
  server operator list                 id, e-mail, name, role, active, OIDC subject
  server operator deactivate --email E refuse the operator's requests from now on
  server operator rotate-token --email E
                                       print a new token alone; the old one stops working
Each takes --database-url (DATABASE_URL).`

// runOperator handles `server operator add|list|deactivate|rotate-token`.
// Tokens are printed alone on stdout, for scripts; everything else goes to
// stderr. The command line acts as the service itself, with no operator,
// and may do what no operator may (make a coordinator, issue tokens); each
// change it makes is in the audit trail as the command line's, with the OS
// user who ran it, saved in the change's transaction.
func runOperator(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(operatorUsage)
	}
	if isHelp(args[0]) {
		_, err := fmt.Fprintln(stdout, operatorUsage)
		return err
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("operator "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "database (DATABASE_URL)")
	var email, name, role *string
	switch sub {
	case "add":
		email = fs.String("email", "", "the operator's e-mail (unique)")
		name = fs.String("name", "", "the operator's full name")
		role = fs.String("role", "", "SOCIAL_WORKER, COORDINATOR, ANALYST or ADMIN")
	case "deactivate", "rotate-token":
		email = fs.String("email", "", "the operator's e-mail")
	case "list":
	default:
		return fmt.Errorf("unknown operator command %q\n%s", sub, operatorUsage)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), operatorUsage)
	}
	if email != nil && sub != "add" && strings.TrimSpace(*email) == "" {
		return fmt.Errorf("operator %s: --email is required", sub)
	}
	db, err := openDB(ctx, *dbURL, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = audit.CommandLine(ctx, audit.OSUser())
	switch sub {
	case "add":
		var op *ent.Operator
		var token string
		err := inTx(ctx, db, func(c *ent.Client) (err error) {
			op, token, err = auth.CreateOperator(ctx, c, *email, *name, schematype.Role(*role))
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "operator %s (id %d, %s) created\n", op.Email, op.ID, op.Role)
		_, err = fmt.Fprintln(stdout, token)
		return err
	case "list":
		return listOperators(ctx, db, stdout)
	case "deactivate":
		return deactivateOperator(ctx, db, *email, stderr)
	default:
		return rotateToken(ctx, db, *email, stdout, stderr)
	}
}

// operatorByEmail finds an operator the way CreateOperator stores the
// e-mail: trimmed, in lower case.
func operatorByEmail(ctx context.Context, db *database.DB, email string) (*ent.Operator, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	op, err := db.Client.Operator.Query().Where(operator.Email(email)).Only(access.System(ctx))
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("no operator has the e-mail %q", email)
	}
	return op, err
}

// listOperators prints a table of the operators; never their tokens.
func listOperators(ctx context.Context, db *database.DB, stdout io.Writer) error {
	ops, err := db.Client.Operator.Query().Order(ent.Asc(operator.FieldID)).All(access.System(ctx))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tACTIVE\tOIDC SUBJECT")
	for _, op := range ops {
		subject := "-"
		if op.OidcSubject != nil {
			subject = *op.OidcSubject
		}
		active := "yes"
		if !op.Active {
			active = "no"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", op.ID, op.Email, op.Name, op.Role, active, subject)
	}
	return tw.Flush()
}

// deactivateOperator marks the operator inactive: the authenticator looks
// the operator up on every request, among the active ones only, so their
// next request (token or OIDC) is refused with 401.
func deactivateOperator(ctx context.Context, db *database.DB, email string, stderr io.Writer) error {
	op, err := operatorByEmail(ctx, db, email)
	if err != nil {
		return err
	}
	if !op.Active {
		fmt.Fprintf(stderr, "operator %s (id %d) was already inactive\n", op.Email, op.ID)
		return nil
	}
	err = inTx(ctx, db, func(c *ent.Client) error {
		return c.Operator.UpdateOneID(op.ID).SetActive(false).Exec(access.System(ctx))
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "operator %s (id %d) deactivated: their requests are refused from now on\n", op.Email, op.ID)
	return nil
}

// rotateToken gives the operator a new token, printed alone on stdout; the
// old one stops working at once (only the new hash is stored).
func rotateToken(ctx context.Context, db *database.DB, email string, stdout, stderr io.Writer) error {
	op, err := operatorByEmail(ctx, db, email)
	if err != nil {
		return err
	}
	var token string
	err = inTx(ctx, db, func(c *ent.Client) (err error) {
		token, err = auth.IssueToken(ctx, c, op.ID)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "operator %s (id %d): new token issued, the previous one no longer works\n", op.Email, op.ID)
	if !op.Active {
		fmt.Fprintf(stderr, "warning: operator %s is inactive; the token works only once they are active again\n", op.Email)
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}

// inTx runs f with a transaction's client: a change and its audit event
// are saved together or not at all.
func inTx(ctx context.Context, db *database.DB, f func(c *ent.Client) error) error {
	tx, err := db.Client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := f(tx.Client()); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
