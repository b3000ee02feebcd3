package access

import (
	"segretariato/ent"
	"segretariato/internal/apperr"
)

// Stale turns the error of a versioned update — an UpdateOne restricted to
// the version the client read — into the answer the client needs: when
// no row matched and the record still exists (for this viewer), someone
// changed it since it was read: CONFLICT, nothing changed. A record that
// does not exist (or is not the viewer's) is NOT_FOUND.
func Stale(err error, exists func() (bool, error)) error {
	if err == nil || !ent.IsNotFound(err) {
		return err
	}
	ok, xerr := exists()
	if xerr != nil {
		return xerr
	}
	if ok {
		return apperr.New(apperr.Conflict, "the record was changed since it was read; read it again and retry")
	}
	return apperr.New(apperr.NotFound, "not found")
}
