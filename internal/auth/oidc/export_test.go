package oidc

import "time"

// MaxKeyAge is exported for the tests.
const MaxKeyAge = maxKeyAge

// SetClock makes v read the time from now, for exp/nbf/iat checks and for
// the key cache. Call it before v is used.
func SetClock(v *Verifier, now func() time.Time) { v.now = now }
