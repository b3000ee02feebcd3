package audit

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"segretariato/ent"
)

// CommandLineRole is the role of the events written for the server's
// command line (`server operator …`), which acts with no operator.
const CommandLineRole = "COMMAND_LINE"

type commandLineKey struct{}

// CommandLine marks a context as the server's command line run by who (an
// OS user, see OSUser): its mutations are recorded like an operator's,
// with no operator id, the role COMMAND_LINE and, as where they came from,
// "command line (who)". The service's own checks made with it (System)
// stay unrecorded reads.
func CommandLine(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, commandLineKey{}, "command line ("+who+")")
}

func commandLine(ctx context.Context) (string, bool) {
	s, ok := ctx.Value(commandLineKey{}).(string)
	return s, ok
}

// OSUser names who runs the process: the OS user, and the one who ran sudo
// when SUDO_USER is set ("segretariato, sudo by anna"). Informative only:
// whoever runs the command line has the database's credentials anyway.
func OSUser() string {
	who := "unknown OS user"
	if u, err := user.Current(); err == nil && u.Username != "" {
		who = "OS user " + u.Username
	}
	if s := os.Getenv("SUDO_USER"); s != "" && len(s) <= 64 {
		who += ", sudo by " + strconv.Quote(s)
	}
	return who
}

// described lists the entities whose changes the trail describes, field
// by field, before and after: the staff list, whose values are no
// citizen's personal data.
var described = map[string]bool{"Operator": true}

// notDescribed are fields no description shows: timestamps the server
// sets.
var notDescribed = []string{"created_at", "updated_at"}

// secret are fields whose values never reach the trail: a change says
// only that they changed.
var secret = []string{"token_hash"}

// changes describes a mutation of a described entity: "role: "ADMIN" →
// "COORDINATOR"; active: true → false" for an update (fields set to their
// stored value are left out), "role: "ANALYST"; active: true" for a
// create; "" for the other entities and operations. It must run before
// the mutation, while the stored values can still be read.
func changes(ctx context.Context, m ent.Mutation) (string, error) {
	if !described[m.Type()] {
		return "", nil
	}
	create := m.Op().Is(ent.OpCreate)
	if !create && !m.Op().Is(ent.OpUpdateOne) {
		return "", nil
	}
	var parts []string
	fields := append(m.Fields(), m.ClearedFields()...)
	for i, f := range fields {
		if slices.Contains(notDescribed, f) {
			continue
		}
		var now any
		if i < len(m.Fields()) {
			now, _ = m.Field(f)
		}
		if create {
			if slices.Contains(secret, f) {
				parts = append(parts, f+": set")
			} else {
				parts = append(parts, f+": "+Show(now))
			}
			continue
		}
		before, err := m.OldField(ctx, f)
		if err != nil {
			return "", err
		}
		switch {
		case Show(before) == Show(now):
		case slices.Contains(secret, f):
			parts = append(parts, f+": replaced")
		default:
			parts = append(parts, f+": "+Show(before)+" → "+Show(now))
		}
	}
	return truncate(strings.Join(parts, "; "), maxDetail), nil
}

// Show renders a field's value for the trail and for comparing a new value
// with the stored one: strings quoted, a nil or a nil pointer "none", a
// pointer its value.
func Show(v any) string {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "none"
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return "none"
	}
	if rv.Kind() == reflect.String {
		return strconv.Quote(rv.String())
	}
	return fmt.Sprint(rv.Interface())
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
