// Package auth authenticates the requests to the API. Every request carries
// `Authorization: Bearer <token>`: an operator's API token, stored only as
// its SHA-256 hash, or (when configured) a JWT of the municipality's OIDC
// provider whose subject or verified e-mail is an operator's. A request with no token, an unknown one,
// or one of a deactivated operator gets HTTP 401 before any GraphQL work.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"segretariato/ent"
	"segretariato/ent/operator"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/access/system"
	"segretariato/internal/apperr"
	"segretariato/internal/auth/oidc"
)

// tokenPrefix makes the service's tokens recognisable (in a leaked config,
// say) without telling anything about them.
const tokenPrefix = "seg_"

// Viewer is the authenticated operator of a request.
type Viewer struct {
	OperatorID int
	Email      string
	Role       schematype.Role
}

type viewerKey struct{}

// WithViewer returns a context carrying v.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the request's viewer, or nil when there is none.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// Require returns the viewer, or an UNAUTHENTICATED error.
func Require(ctx context.Context) (*Viewer, error) {
	v := FromContext(ctx)
	if v == nil {
		return nil, apperr.New(apperr.Unauthenticated, "authentication required")
	}
	return v, nil
}

// NewToken returns a fresh random token and the hash to store.
func NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("reading random bytes: %w", err)
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IssueToken gives the operator a new token, replacing any previous one,
// and returns it. The token is not stored; it cannot be shown again.
func IssueToken(ctx context.Context, client *ent.Client, operatorID int) (string, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", err
	}
	if err := client.Operator.UpdateOneID(operatorID).SetTokenHash(hash).Exec(system.Context(ctx)); err != nil {
		return "", err
	}
	return token, nil
}

// CreateOperator creates an active operator with a token and returns both.
// It returns an INVALID error for a bad e-mail, name or role, and CONFLICT
// when the e-mail is taken.
func CreateOperator(ctx context.Context, client *ent.Client, email, name string, role schematype.Role) (*ent.Operator, string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !strings.Contains(email, "@") || strings.ContainsAny(email, " \t\r\n") {
		return nil, "", apperr.OnField("email", "is not an e-mail address")
	}
	if strings.TrimSpace(name) == "" {
		return nil, "", apperr.OnField("name", "is required")
	}
	if !schematype.Valid(role) {
		return nil, "", apperr.OnField("role", "must be one of %s", strings.Join(role.Values(), ", "))
	}
	token, hash, err := NewToken()
	if err != nil {
		return nil, "", err
	}
	op, err := client.Operator.Create().
		SetEmail(email).SetName(strings.TrimSpace(name)).SetRole(role).SetTokenHash(hash).
		Save(system.Context(ctx))
	if err != nil {
		return nil, "", apperr.From(err)
	}
	return op, token, nil
}

// Authenticator resolves bearer tokens to viewers: the operators' own API
// tokens, and, when OIDC is set, the identity provider's JWTs.
type Authenticator struct {
	Client *ent.Client
	Log    *slog.Logger
	OIDC   *oidc.Verifier // nil: JWTs are not accepted
	Cache  *Cache         // nil: every request reads its operator
}

// Authenticate returns the viewer the request's bearer token belongs to,
// or an UNAUTHENTICATED error. It fails the same way for a missing, a
// malformed, an unknown and a deactivated operator's token.
func (a *Authenticator) Authenticate(r *http.Request) (*Viewer, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, apperr.New(apperr.Unauthenticated, "authentication required")
	}
	token = strings.TrimSpace(token)
	var q *ent.OperatorQuery
	var key string // the operator's key in the cache
	if a.OIDC != nil && oidc.LooksLikeJWT(token) {
		claims, err := a.OIDC.Verify(r.Context(), token)
		if errors.Is(err, oidc.ErrKeysUnavailable) {
			return nil, apperr.Wrap(err, apperr.Unavailable, "the identity provider cannot be reached; retry later")
		}
		if err != nil {
			a.Log.InfoContext(r.Context(), "refused token", "reason", err)
			return nil, apperr.New(apperr.Unauthenticated, "authentication required")
		}
		byIdentity := operator.OidcSubject(claims.Subject)
		key = "oidc\x00" + claims.Subject
		if claims.Email != "" && claims.EmailVerified {
			byIdentity = operator.Or(byIdentity, operator.And(operator.OidcSubjectIsNil(), operator.Email(strings.ToLower(claims.Email))))
			key += "\x00" + strings.ToLower(claims.Email)
		}
		q = a.Client.Operator.Query().Where(byIdentity, operator.Active(true))
	} else {
		hash := HashToken(token)
		key = "token\x00" + hash
		q = a.Client.Operator.Query().Where(operator.TokenHash(hash), operator.Active(true))
	}
	if v, ok := a.Cache.get(key); ok {
		return v, nil
	}
	gen, live := a.Cache.generation()
	op, err := q.Only(system.Context(r.Context()))
	if err != nil {
		if !ent.IsNotFound(err) {
			// The database's faults keep their codes (UNAVAILABLE, TIMEOUT).
			return nil, apperr.From(err)
		}
		return nil, apperr.New(apperr.Unauthenticated, "authentication required")
	}
	v := &Viewer{OperatorID: op.ID, Email: op.Email, Role: op.Role}
	if live {
		a.Cache.put(key, v, gen)
	}
	return v, nil
}

// Middleware puts the viewer in the request's context, or answers 401
// (503 when the database or the identity provider cannot be reached, 500
// on another failure) without calling next.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := a.Authenticate(r)
		if err != nil {
			e := apperr.From(err)
			if e.Code == apperr.Unauthenticated {
				w.Header().Set("WWW-Authenticate", `Bearer realm="segretariato"`)
			} else {
				a.Log.ErrorContext(r.Context(), "authenticating", "code", string(e.Code), "err", apperr.LogCause(e))
			}
			apperr.WriteJSON(w, e)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithViewer(r.Context(), v)))
	})
}
