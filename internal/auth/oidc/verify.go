package oidc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// validMethods are the only signing algorithms accepted. HS256 in
// particular is not: a verifier that took it would check an HMAC keyed with
// the provider's public key, which anyone can compute.
var validMethods = []string{"RS256", "ES256"}

// tokenClaims is what a token's payload is decoded into.
type tokenClaims struct {
	jwt.RegisteredClaims
	Email         string     `json:"email"`
	EmailVerified strictBool `json:"email_verified"`
}

// strictBool is true only for the JSON boolean true (OpenID Connect Core
// §5.1: email_verified is a boolean). Anything else — false, null, the
// string "true", a number — leaves the e-mail unverified: it does not
// refuse the token, whose subject may still name an operator, but the
// e-mail names nobody.
type strictBool bool

func (b *strictBool) UnmarshalJSON(data []byte) error {
	*b = string(data) == "true"
	return nil
}

// header is the part of a JOSE header looked at before parsing.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
}

// Verify checks raw (the bearer token, without the "Bearer " prefix) and
// returns its claims.
//
// For every problem with the token it returns an error for which
// errors.Is(err, ErrInvalidToken) holds, whose message carries a short
// reason ("malformed token", "token too large", "unsupported algorithm",
// "missing key id", "unsupported critical header", "unknown key id", "key
// does not match algorithm", "bad signature", "expired", "not yet valid",
// "issued in the future", "wrong issuer", "wrong audience", "missing
// expiry", "missing issuer", "missing audience", "missing subject",
// "malformed claims") and never the token or its claims' values.
//
// When the key set is needed (first use, unknown key id, older than an
// hour) and cannot be fetched, or has no usable key, it returns an error
// for which errors.Is(err, ErrKeysUnavailable) holds; the same when ctx
// ends while it waits for a fetch (errors.Is(err, ctx.Err()) holds then
// too). A failed fetch is not retried before RefreshInterval has passed.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	if len(raw) > maxTokenSize {
		return nil, invalid("token too large")
	}
	if !LooksLikeJWT(raw) {
		return nil, invalid("malformed token")
	}
	// Look at the header first, so that the reason for refusing a token of
	// an unsupported algorithm or without a key id is clear and no key
	// fetch happens for it.
	h, err := decodeHeader(raw)
	if err != nil {
		return nil, invalid("malformed token")
	}
	if !isValidMethod(h.Alg) {
		return nil, invalid("unsupported algorithm")
	}
	if h.Kid == "" {
		return nil, invalid("missing key id")
	}
	if len(h.Crit) > 0 {
		// RFC 7515 §4.1.11: extensions listed in crit must be understood;
		// this verifier understands none.
		return nil, invalid("unsupported critical header")
	}

	parser := jwt.NewParser(
		jwt.WithValidMethods(validMethods),
		jwt.WithIssuer(v.issuer),
		jwt.WithAudience(v.audience),
		jwt.WithLeeway(v.leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(v.now),
	)
	var tc tokenClaims
	_, err = parser.ParseWithClaims(raw, &tc, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return v.key(ctx, kid, t.Method.Alg())
	})
	if err != nil {
		return nil, classify(err, &tc)
	}
	if tc.Subject == "" {
		return nil, invalid("missing subject")
	}
	return &Claims{
		Subject:       tc.Subject,
		Email:         tc.Email,
		EmailVerified: bool(tc.EmailVerified),
		ExpiresAt:     tc.ExpiresAt.Time,
	}, nil
}

func isValidMethod(alg string) bool {
	for _, m := range validMethods {
		if alg == m {
			return true
		}
	}
	return false
}

func decodeHeader(raw string) (*header, error) {
	seg, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, err
	}
	var h header
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// classify turns an error of the jwt package, or of the key function, into
// ErrInvalidToken with a reason, or ErrKeysUnavailable. It uses only error
// identities and which claims are absent, never their values.
func classify(err error, tc *tokenClaims) error {
	var ke *keysError
	if errors.As(err, &ke) {
		return ke
	}
	var ie *invalidError
	if errors.As(err, &ie) {
		return ie
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalid("malformed token")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return invalid("bad signature")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalid("unsupported algorithm")
	case errors.Is(err, jwt.ErrInvalidType):
		return invalid("malformed claims")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		switch {
		case tc.ExpiresAt == nil:
			return invalid("missing expiry")
		case tc.Issuer == "":
			return invalid("missing issuer")
		case len(tc.Audience) == 0 || len(tc.Audience) == 1 && tc.Audience[0] == "":
			return invalid("missing audience")
		}
		return invalid("missing required claim")
	case errors.Is(err, jwt.ErrTokenExpired):
		return invalid("expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalid("not yet valid")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalid("issued in the future")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return invalid("wrong issuer")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return invalid("wrong audience")
	}
	return invalid("invalid token")
}
