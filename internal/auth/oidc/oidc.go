// Package oidc verifies the bearer JWTs issued by the municipality's OpenID
// Connect identity provider, next to the operators' own opaque API tokens
// that package auth handles.
//
// A [Verifier] checks a token's signature against the provider's JSON Web
// Key Set (fetched lazily, cached, refetched when a token names an unknown
// key id, at most once per [Config.RefreshInterval]) and its registered
// claims: only RS256 and ES256 are accepted; the header must carry a `kid`;
// `exp` is required; `nbf` and `iat` are checked when present, with
// [Config.Leeway]; `iss` must equal [Config.Issuer]; `aud` must contain
// [Config.Audience]; `sub` must be present.
//
// Every problem with a token is reported as an error for which
// errors.Is(err, [ErrInvalidToken]) holds; its message adds a short reason
// for the logs ("expired", "wrong issuer", "unknown key id", …) and never
// the token or the values of its claims. When the keys cannot be had (the
// provider is unreachable, answers an error or a key set with no usable
// key) the error is [ErrKeysUnavailable] instead, so that the caller can
// answer 503 rather than 401.
package oidc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults and limits.
const (
	defaultLeeway          = 30 * time.Second
	defaultRefreshInterval = time.Minute
	defaultHTTPTimeout     = 10 * time.Second

	// maxKeyAge is how long a fetched key set is used before it is fetched
	// again.
	maxKeyAge = time.Hour
	// fetchTimeout bounds one JWKS fetch whatever the HTTP client says.
	fetchTimeout = 10 * time.Second
	// maxJWKSSize bounds the JWKS document read from the provider.
	maxJWKSSize = 1 << 20
	// maxTokenSize bounds the tokens Verify looks at.
	maxTokenSize = 16 << 10
)

var (
	// ErrInvalidToken is the error (under errors.Is) of every token that
	// Verify refuses: malformed, unsupported algorithm, unknown key id, bad
	// signature, expired, not yet valid, wrong issuer or audience, missing
	// claims. The caller answers 401.
	ErrInvalidToken = errors.New("oidc: invalid token")

	// ErrKeysUnavailable is the error (under errors.Is) of Verify when the
	// provider's key set is needed and cannot be fetched or has no usable
	// key, or when the caller's context ends while waiting for it. The
	// caller answers 503: the token may well be valid.
	ErrKeysUnavailable = errors.New("oidc: signing keys unavailable")

	// ErrInvalidConfig is the error (under errors.Is) of New for a bad
	// Config.
	ErrInvalidConfig = errors.New("oidc: invalid config")
)

// invalidError is an ErrInvalidToken with the reason for the logs.
type invalidError struct{ reason string }

func (e *invalidError) Error() string        { return ErrInvalidToken.Error() + ": " + e.reason }
func (e *invalidError) Is(target error) bool { return target == ErrInvalidToken }

func invalid(reason string) error { return &invalidError{reason: reason} }

// keysError is an ErrKeysUnavailable with its cause.
type keysError struct{ cause error }

func (e *keysError) Error() string        { return ErrKeysUnavailable.Error() + ": " + e.cause.Error() }
func (e *keysError) Is(target error) bool { return target == ErrKeysUnavailable }
func (e *keysError) Unwrap() error        { return e.cause }

// Config tells a Verifier which tokens to accept and where the keys are.
type Config struct {
	// Issuer is required: the exact `iss` the tokens must carry.
	Issuer string
	// Audience is required: a value the tokens' `aud` must contain.
	Audience string
	// JWKSURL is required: the https URL of the provider's JSON Web Key
	// Set. http is allowed only for loopback hosts (localhost, 127.0.0.0/8,
	// ::1), for tests.
	JWKSURL string
	// Leeway is the clock skew allowed for exp, nbf and iat; 30 s when zero.
	Leeway time.Duration
	// RefreshInterval is the least time between two JWKS fetches caused by
	// an unknown key id, or after a failed fetch; 1 minute when zero.
	RefreshInterval time.Duration
	// HTTPClient fetches the JWKS; a client with a 10 s timeout when nil.
	HTTPClient *http.Client
}

// Claims are the verified claims of a token that the service uses.
type Claims struct {
	Subject       string    // `sub`, never empty
	Email         string    // `email`, empty when absent
	EmailVerified bool      // `email_verified`: true only for the JSON boolean true
	ExpiresAt     time.Time // `exp`
}

// Verifier verifies tokens of one issuer and audience. It is safe for
// concurrent use.
type Verifier struct {
	issuer          string
	audience        string
	jwksURL         string
	leeway          time.Duration
	refreshInterval time.Duration
	client          *http.Client
	now             func() time.Time

	mu        sync.Mutex
	keys      keySet     // nil until a fetch succeeds
	fetchedAt time.Time  // when keys were fetched
	lastErr   error      // outcome of the latest finished fetch
	nextFetch time.Time  // no rate-limited fetch starts before this
	inflight  *fetchCall // the fetch under way, if any
}

// New returns a Verifier for cfg. It does not contact the provider: the key
// set is fetched on the first Verify. It returns an error wrapping
// ErrInvalidConfig that names the field at fault when Issuer, Audience or
// JWKSURL is missing, when JWKSURL is not an absolute https URL (or http on
// a loopback host), or when Leeway or RefreshInterval is negative. ctx is
// not kept.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	_ = ctx
	if strings.TrimSpace(cfg.Issuer) == "" {
		return nil, configError("Issuer is required")
	}
	if strings.TrimSpace(cfg.Audience) == "" {
		return nil, configError("Audience is required")
	}
	if err := checkJWKSURL(cfg.JWKSURL); err != nil {
		return nil, err
	}
	if cfg.Leeway < 0 {
		return nil, configError("Leeway must not be negative")
	}
	if cfg.RefreshInterval < 0 {
		return nil, configError("RefreshInterval must not be negative")
	}
	v := &Verifier{
		issuer:          cfg.Issuer,
		audience:        cfg.Audience,
		jwksURL:         cfg.JWKSURL,
		leeway:          cfg.Leeway,
		refreshInterval: cfg.RefreshInterval,
		client:          cfg.HTTPClient,
		now:             time.Now,
	}
	if v.leeway == 0 {
		v.leeway = defaultLeeway
	}
	if v.refreshInterval == 0 {
		v.refreshInterval = defaultRefreshInterval
	}
	if v.client == nil {
		v.client = &http.Client{Timeout: defaultHTTPTimeout}
	}
	return v, nil
}

func configError(msg string) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, msg)
}

func checkJWKSURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return configError("JWKSURL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return configError("JWKSURL is not a valid URL")
	}
	if u.Hostname() == "" {
		return configError("JWKSURL must be an absolute URL with a host")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return configError("JWKSURL must use https (http is allowed only for loopback hosts)")
		}
	default:
		return configError("JWKSURL must use https")
	}
	if u.User != nil {
		return configError("JWKSURL must not carry credentials")
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LooksLikeJWT tells whether token has the shape of a compact JWS: three
// base64url segments (no padding) separated by '.', the first two not
// empty. The signature may be empty so that an unsigned (`alg: none`)
// token is routed to Verify and refused there. The service's own API
// tokens (`seg_…`) never contain a '.', so this routes between the two.
// It checks only the shape, nothing else.
func LooksLikeJWT(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	for _, p := range parts {
		if len(p)%4 == 1 {
			return false // no base64 encoding has this length
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}
