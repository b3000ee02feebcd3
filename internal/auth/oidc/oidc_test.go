package oidc_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"segretariato/internal/auth/oidc"
)

const (
	issuer   = "https://idp.comune.example/realms/servizi"
	audience = "segretariato"
	subject  = "citizen-4711"
	email    = "mario.rossi@comune.example"
)

// Keys are generated once: RSA generation is slow.
var (
	keysOnce                   sync.Once
	rsaKey1, rsaKey2, rsaRogue *rsa.PrivateKey
	ecKey1, ecKeyP384          *ecdsa.PrivateKey
	rsaKey1PublicPEM           []byte
)

func keys(t *testing.T) {
	t.Helper()
	keysOnce.Do(func() {
		mustRSA := func(bits int) *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				panic(err)
			}
			return k
		}
		mustEC := func(c elliptic.Curve) *ecdsa.PrivateKey {
			k, err := ecdsa.GenerateKey(c, rand.Reader)
			if err != nil {
				panic(err)
			}
			return k
		}
		rsaKey1, rsaKey2, rsaRogue = mustRSA(2048), mustRSA(2048), mustRSA(2048)
		ecKey1, ecKeyP384 = mustEC(elliptic.P256()), mustEC(elliptic.P384())
		der, err := x509.MarshalPKIXPublicKey(&rsaKey1.PublicKey)
		if err != nil {
			panic(err)
		}
		rsaKey1PublicPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	})
}

// --- the identity provider ---

// idp serves a JWKS that the test can change, and counts the fetches.
type idp struct {
	srv     *httptest.Server
	mu      sync.Mutex
	body    []byte
	status  int
	fetches atomic.Int64
}

func newIDP(t *testing.T, jwks ...map[string]any) *idp {
	t.Helper()
	p := &idp{status: http.StatusOK}
	p.serve(jwks...)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		status, body := p.status, p.body
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// serve makes the IdP publish exactly these keys.
func (p *idp) serve(jwks ...map[string]any) {
	if jwks == nil {
		jwks = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"keys": jwks})
	if err != nil {
		panic(err)
	}
	p.serveRaw(http.StatusOK, b)
}

func (p *idp) serveRaw(status int, body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.body = status, body
}

func (p *idp) url() string { return p.srv.URL + "/protocol/openid-connect/certs" }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{
		"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}
}

func ecJWK(kid string, pub *ecdsa.PublicKey) map[string]any {
	point, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	size := (len(point) - 1) / 2
	crv := map[int]string{32: "P-256", 48: "P-384"}[size]
	return map[string]any{
		"kty": "EC", "kid": kid, "use": "sig", "crv": crv,
		"x": b64(point[1 : 1+size]), "y": b64(point[1+size:]),
	}
}

// --- a clock the tests move ---

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// --- tokens ---

// claims are valid claims for a token issued at now, expiring in 10 minutes.
func claims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":            issuer,
		"aud":            audience,
		"sub":            subject,
		"email":          email,
		"email_verified": true,
		"iat":            now.Unix(),
		"nbf":            now.Unix(),
		"exp":            now.Add(10 * time.Minute).Unix(),
	}
}

func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return s
}

// handCraft builds header.payload.signature from JSON values.
func handCraft(t *testing.T, header map[string]any, payload jwt.MapClaims, sig []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return b64(h) + "." + b64(p) + "." + b64(sig)
}

func newVerifier(t *testing.T, p *idp, c *clock, mutate ...func(*oidc.Config)) *oidc.Verifier {
	t.Helper()
	cfg := oidc.Config{Issuer: issuer, Audience: audience, JWKSURL: p.url()}
	for _, m := range mutate {
		m(&cfg)
	}
	v, err := oidc.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	oidc.SetClock(v, c.Now)
	return v
}

// checkNoLeak fails when the error message carries the token, a segment
// of it, or a claim's value.
func checkNoLeak(t *testing.T, err error, raw string) {
	t.Helper()
	msg := err.Error()
	for _, part := range append(strings.Split(raw, "."), raw) {
		if len(part) > 8 && strings.Contains(msg, part) {
			t.Errorf("error %q carries part of the token", msg)
		}
	}
	for _, v := range []string{subject, email, issuer, "https://other.example", "someone-else"} {
		if strings.Contains(msg, v) {
			t.Errorf("error %q carries the claim value %q", msg, v)
		}
	}
}

// --- tests ---

func TestVerify(t *testing.T) {
	keys(t)
	c := newClock()
	p := newIDP(t, rsaJWK("rsa-1", &rsaKey1.PublicKey), ecJWK("ec-1", &ecKey1.PublicKey))
	v := newVerifier(t, p, c)
	now := c.Now()

	with := func(change func(jwt.MapClaims)) jwt.MapClaims {
		cl := claims(now)
		change(cl)
		return cl
	}
	tampered := func(t *testing.T) string {
		raw := sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", claims(now))
		parts := strings.Split(raw, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		changed := strings.Replace(string(payload), subject, "citizen-0001", 1)
		if changed == string(payload) {
			t.Fatal("payload not changed")
		}
		return parts[0] + "." + b64([]byte(changed)) + "." + parts[2]
	}

	tests := []struct {
		name       string
		token      func(t *testing.T) string
		wantErr    error  // nil when the token is valid
		wantReason string // in the error message
		want       *oidc.Claims
	}{
		{
			name:  "a valid RS256 token is accepted",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", claims(now)) },
			want:  &oidc.Claims{Subject: subject, Email: email, EmailVerified: true, ExpiresAt: now.Add(10 * time.Minute)},
		},
		{
			name:  "a valid ES256 token is accepted",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodES256, ecKey1, "ec-1", claims(now)) },
			want:  &oidc.Claims{Subject: subject, Email: email, EmailVerified: true, ExpiresAt: now.Add(10 * time.Minute)},
		},
		{
			name: "a token whose audience is an array containing ours is accepted",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) {
					c["aud"] = []string{"account", audience, "other"}
				}))
			},
			want: &oidc.Claims{Subject: subject, Email: email, EmailVerified: true, ExpiresAt: now.Add(10 * time.Minute)},
		},
		{
			name: "a token without email and with no nbf or iat is accepted",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey1, "ec-1", with(func(c jwt.MapClaims) {
					delete(c, "email")
					delete(c, "email_verified")
					delete(c, "nbf")
					delete(c, "iat")
				}))
			},
			want: &oidc.Claims{Subject: subject, ExpiresAt: now.Add(10 * time.Minute)},
		},
		{
			name: "a token whose email_verified is the string \"true\" is accepted with its e-mail unverified",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { c["email_verified"] = "true" }))
			},
			want: &oidc.Claims{Subject: subject, Email: email, ExpiresAt: now.Add(10 * time.Minute)},
		},
		{
			name: "a token whose email_verified is 1 is accepted with its e-mail unverified",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { c["email_verified"] = 1 }))
			},
			want: &oidc.Claims{Subject: subject, Email: email, ExpiresAt: now.Add(10 * time.Minute)},
		},
		{
			name: "a token whose email_verified is an object is accepted with its e-mail unverified",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { c["email_verified"] = map[string]any{"value": true} }))
			},
			want: &oidc.Claims{Subject: subject, Email: email, ExpiresAt: now.Add(10 * time.Minute)},
		},
		{
			name: "a token that expired less than the leeway ago is accepted",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) {
					c["iat"], c["nbf"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Hour).Unix(), now.Add(-10*time.Second).Unix()
				}))
			},
			want: &oidc.Claims{Subject: subject, Email: email, EmailVerified: true, ExpiresAt: now.Add(-10 * time.Second)},
		},
		{
			name: "an expired token is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) {
					c["iat"], c["nbf"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Hour).Unix(), now.Add(-time.Minute).Unix()
				}))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "expired",
		},
		{
			name: "a token whose nbf is in the future is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) {
					c["nbf"] = now.Add(5 * time.Minute).Unix()
				}))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "not yet valid",
		},
		{
			name: "a token whose iat is in the future is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) {
					c["iat"] = now.Add(5 * time.Minute).Unix()
				}))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "issued in the future",
		},
		{
			name: "a token of another issuer is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { c["iss"] = "https://other.example" }))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "wrong issuer",
		},
		{
			name: "a token whose issuer differs only by a trailing slash is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { c["iss"] = issuer + "/" }))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "wrong issuer",
		},
		{
			name: "a token for another audience is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { c["aud"] = "someone-else" }))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "wrong audience",
		},
		{
			name: "a token whose audience array lacks ours is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { c["aud"] = []string{"account", "someone-else"} }))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "wrong audience",
		},
		{
			name: "a token without exp is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { delete(c, "exp") }))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "missing expiry",
		},
		{
			name: "a token without iss is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { delete(c, "iss") }))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "missing issuer",
		},
		{
			name: "a token without aud is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { delete(c, "aud") }))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "missing audience",
		},
		{
			name: "a token without sub is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { delete(c, "sub") }))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "missing subject",
		},
		{
			name: "a token whose exp is not a number is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "rsa-1", with(func(c jwt.MapClaims) { c["exp"] = "tomorrow" }))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "malformed token",
		},
		{
			name: "an unsigned token (alg none) is refused",
			token: func(t *testing.T) string {
				return handCraft(t, map[string]any{"alg": "none", "typ": "JWT", "kid": "rsa-1"}, claims(now), nil)
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "unsupported algorithm",
		},
		{
			name: "a token with alg None and a signature is refused",
			token: func(t *testing.T) string {
				return handCraft(t, map[string]any{"alg": "None", "kid": "rsa-1"}, claims(now), []byte("signature"))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "unsupported algorithm",
		},
		{
			name: "an HS256 token keyed with the RSA public key is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodHS256, rsaKey1PublicPEM, "rsa-1", claims(now))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "unsupported algorithm",
		},
		{
			name: "an HS256 token keyed with the RSA modulus is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodHS256, rsaKey1.N.Bytes(), "rsa-1", claims(now))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "unsupported algorithm",
		},
		{
			name: "an RS512 token is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS512, rsaKey1, "rsa-1", claims(now))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "unsupported algorithm",
		},
		{
			name: "a PS256 token is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodPS256, rsaKey1, "rsa-1", claims(now))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "unsupported algorithm",
		},
		{
			name:       "a token with a tampered payload is refused",
			token:      tampered,
			wantErr:    oidc.ErrInvalidToken,
			wantReason: "bad signature",
		},
		{
			name: "a token signed by another key under a known kid is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaRogue, "rsa-1", claims(now))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "bad signature",
		},
		{
			name: "a token with its signature cut off is refused",
			token: func(t *testing.T) string {
				raw := sign(t, jwt.SigningMethodES256, ecKey1, "ec-1", claims(now))
				return raw[:strings.LastIndex(raw, ".")+1]
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "bad signature",
		},
		{
			name: "an RS256 token naming an EC key is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "ec-1", claims(now))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "key does not match algorithm",
		},
		{
			name: "a token without kid is refused",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, rsaKey1, "", claims(now))
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "missing key id",
		},
		{
			name: "a token with a critical header extension is refused",
			token: func(t *testing.T) string {
				tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(now))
				tok.Header["kid"] = "rsa-1"
				tok.Header["crit"] = []string{"exp-ext"}
				tok.Header["exp-ext"] = true
				s, err := tok.SignedString(rsaKey1)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			wantErr: oidc.ErrInvalidToken, wantReason: "unsupported critical header",
		},
		{
			name:    "an opaque API token is refused as malformed",
			token:   func(t *testing.T) string { return "seg_" + strings.Repeat("A", 43) },
			wantErr: oidc.ErrInvalidToken, wantReason: "malformed token",
		},
		{
			name:    "a token whose header is not JSON is refused as malformed",
			token:   func(t *testing.T) string { return b64([]byte("not json")) + "." + b64([]byte("{}")) + ".c2ln" },
			wantErr: oidc.ErrInvalidToken, wantReason: "malformed token",
		},
		{
			name:    "an oversized token is refused",
			token:   func(t *testing.T) string { return strings.Repeat("a", 20000) + ".b.c" },
			wantErr: oidc.ErrInvalidToken, wantReason: "token too large",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.token(t)
			got, err := v.Verify(context.Background(), raw)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if *got != *tc.want {
					t.Errorf("claims = %+v, want %+v", *got, *tc.want)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if errors.Is(err, oidc.ErrKeysUnavailable) {
				t.Errorf("error %v is also ErrKeysUnavailable", err)
			}
			if got != nil {
				t.Errorf("claims = %+v, want nil", got)
			}
			if !strings.HasSuffix(err.Error(), ": "+tc.wantReason) {
				t.Errorf("error = %q, want the reason %q", err, tc.wantReason)
			}
			checkNoLeak(t, err, raw)
		})
	}
	if n := p.fetches.Load(); n != 1 {
		t.Errorf("the JWKS was fetched %d times, want 1", n)
	}
}

func TestKeySetContents(t *testing.T) {
	keys(t)
	c := newClock()
	now := c.Now()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	withField := func(jwk map[string]any, k string, val any) map[string]any {
		jwk[k] = val
		return jwk
	}
	p := newIDP(t,
		rsaJWK("good", &rsaKey1.PublicKey),
		withField(rsaJWK("enc", &rsaKey1.PublicKey), "use", "enc"),
		withField(rsaJWK("ops-encrypt", &rsaKey1.PublicKey), "key_ops", []string{"encrypt"}),
		withField(rsaJWK("alg-rs512", &rsaKey1.PublicKey), "alg", "RS512"),
		rsaJWK("small", &small.PublicKey),
		ecJWK("p384", &ecKeyP384.PublicKey),
		withField(ecJWK("off-curve", &ecKey1.PublicKey), "y", b64(make([]byte, 32))),
		map[string]any{"kty": "oct", "kid": "oct", "k": b64([]byte("secret"))},
		map[string]any{"kty": "OKP", "kid": "okp", "crv": "Ed25519", "x": b64(make([]byte, 32))},
		map[string]any{"kty": "RSA", "kid": "garbage", "n": "!!!", "e": "AQAB"},
		withField(rsaJWK("", &rsaKey2.PublicKey), "kid", nil),
		withField(ecJWK("no-use", &ecKey1.PublicKey), "use", nil),
	)
	v := newVerifier(t, p, c, func(cfg *oidc.Config) { cfg.RefreshInterval = time.Hour })

	tests := []struct {
		name       string
		method     jwt.SigningMethod
		key        crypto.Signer
		kid        string
		wantReason string // empty when valid
	}{
		{"a key with use sig is used", jwt.SigningMethodRS256, rsaKey1, "good", ""},
		{"a key without use is used", jwt.SigningMethodES256, ecKey1, "no-use", ""},
		{"a key with use enc is ignored", jwt.SigningMethodRS256, rsaKey1, "enc", "unknown key id"},
		{"a key whose key_ops lack verify is ignored", jwt.SigningMethodRS256, rsaKey1, "ops-encrypt", "unknown key id"},
		{"a key for another algorithm is ignored", jwt.SigningMethodRS256, rsaKey1, "alg-rs512", "unknown key id"},
		{"an RSA key under 2048 bits is ignored", jwt.SigningMethodRS256, small, "small", "unknown key id"},
		{"an EC key on P-384 is ignored", jwt.SigningMethodES256, ecKey1, "p384", "unknown key id"},
		{"an EC point off the curve is ignored", jwt.SigningMethodES256, ecKey1, "off-curve", "unknown key id"},
		{"a symmetric key is ignored", jwt.SigningMethodRS256, rsaKey1, "oct", "unknown key id"},
		{"an OKP key is ignored", jwt.SigningMethodES256, ecKey1, "okp", "unknown key id"},
		{"a malformed key is ignored", jwt.SigningMethodRS256, rsaKey1, "garbage", "unknown key id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := sign(t, tc.method, tc.key, tc.kid, claims(now))
			_, err := v.Verify(context.Background(), raw)
			if tc.wantReason == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, oidc.ErrInvalidToken) || !strings.HasSuffix(err.Error(), ": "+tc.wantReason) {
				t.Fatalf("error = %v, want ErrInvalidToken: %s", err, tc.wantReason)
			}
		})
	}
	// One fetch at first use, one for the first unknown kid; the rest are
	// rate-limited.
	if n := p.fetches.Load(); n != 2 {
		t.Errorf("the JWKS was fetched %d times, want 2", n)
	}
}

func TestKeyRotation(t *testing.T) {
	keys(t)
	c := newClock()
	p := newIDP(t, rsaJWK("2025", &rsaKey1.PublicKey))
	v := newVerifier(t, p, c, func(cfg *oidc.Config) { cfg.RefreshInterval = time.Hour })
	ctx := context.Background()

	steps := []struct {
		name        string
		rotate      bool // the IdP publishes only the 2026 key before the step
		key         *rsa.PrivateKey
		kid         string
		wantReason  string // empty when valid
		wantFetches int64
	}{
		{"a token of the old key fetches the key set and is accepted", false, rsaKey1, "2025", "", 1},
		{"a token of a key the IdP has not yet published is refused after one refetch", false, rsaKey2, "2026", "unknown key id", 2},
		{"after the rotation a token of the new key is refused without a refetch within the interval", true, rsaKey2, "2026", "unknown key id", 2},
	}
	for _, s := range steps {
		if s.rotate {
			p.serve(rsaJWK("2026", &rsaKey2.PublicKey))
		}
		_, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, s.key, s.kid, claims(c.Now())))
		checkStep(t, s.name, err, s.wantReason, p.fetches.Load(), s.wantFetches)
	}

	// A fresh verifier, as the common case: the IdP rotates between two
	// requests, and the first token of the new key brings one refetch.
	c2 := newClock()
	p2 := newIDP(t, rsaJWK("2025", &rsaKey1.PublicKey))
	v2 := newVerifier(t, p2, c2, func(cfg *oidc.Config) { cfg.RefreshInterval = time.Hour })
	steps2 := []struct {
		name        string
		rotate      bool
		key         *rsa.PrivateKey
		kid         string
		wantReason  string
		wantFetches int64
	}{
		{"a token of the old key is accepted", false, rsaKey1, "2025", "", 1},
		{"after the rotation a token of the new key is accepted after one refetch", true, rsaKey2, "2026", "", 2},
		{"a second token of the new key needs no refetch", false, rsaKey2, "2026", "", 2},
		{"a token of the retired key is refused without a refetch", false, rsaKey1, "2025", "unknown key id", 2},
	}
	for _, s := range steps2 {
		if s.rotate {
			p2.serve(rsaJWK("2026", &rsaKey2.PublicKey))
		}
		_, err := v2.Verify(ctx, sign(t, jwt.SigningMethodRS256, s.key, s.kid, claims(c2.Now())))
		checkStep(t, s.name, err, s.wantReason, p2.fetches.Load(), s.wantFetches)
	}

	// Once the interval has passed, an unknown kid may refetch again.
	c.Advance(time.Hour + time.Second)
	_, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, rsaKey2, "2026", claims(c.Now())))
	checkStep(t, "after the interval a token of the new key is accepted after one refetch", err, "", p.fetches.Load(), 3)
}

func checkStep(t *testing.T, name string, err error, wantReason string, fetches, wantFetches int64) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		switch {
		case wantReason == "" && err != nil:
			t.Errorf("Verify: %v", err)
		case wantReason != "" && (!errors.Is(err, oidc.ErrInvalidToken) || !strings.HasSuffix(err.Error(), ": "+wantReason)):
			t.Errorf("error = %v, want ErrInvalidToken: %s", err, wantReason)
		}
		if fetches != wantFetches {
			t.Errorf("the JWKS was fetched %d times, want %d", fetches, wantFetches)
		}
	})
}

func TestUnknownKidsAreRateLimited(t *testing.T) {
	keys(t)
	c := newClock()
	p := newIDP(t, rsaJWK("known", &rsaKey1.PublicKey))
	const interval = 5 * time.Minute
	v := newVerifier(t, p, c, func(cfg *oidc.Config) { cfg.RefreshInterval = interval })
	ctx := context.Background()

	steps := []struct {
		name        string
		advance     time.Duration
		kid         string
		wantReason  string
		wantFetches int64
	}{
		{"a known kid fetches the key set once", 0, "known", "", 1},
		{"the first unknown kid refetches", 0, "random-1", "unknown key id", 2},
		{"a second unknown kid right after does not refetch", time.Second, "random-2", "unknown key id", 2},
		{"the same unknown kid again does not refetch", time.Second, "random-1", "unknown key id", 2},
		{"an unknown kid just before the interval ends does not refetch", interval - 3*time.Second, "random-3", "unknown key id", 2},
		{"a known kid is still accepted meanwhile", 0, "known", "", 2},
		{"an unknown kid once the interval has passed refetches", 2 * time.Second, "random-4", "unknown key id", 3},
		{"another unknown kid right after does not refetch", time.Second, "random-5", "unknown key id", 3},
	}
	for _, s := range steps {
		c.Advance(s.advance)
		_, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, rsaKey1, s.kid, claims(c.Now())))
		checkStep(t, s.name, err, s.wantReason, p.fetches.Load(), s.wantFetches)
	}

	t.Run("many concurrent unknown kids cause no refetch within the interval", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 20 {
			raw := sign(t, jwt.SigningMethodRS256, rsaKey1, "burst-"+string(rune('a'+i)), claims(c.Now()))
			wg.Go(func() {
				if _, err := v.Verify(ctx, raw); !errors.Is(err, oidc.ErrInvalidToken) {
					t.Errorf("error = %v, want ErrInvalidToken", err)
				}
			})
		}
		wg.Wait()
		if n := p.fetches.Load(); n != 3 {
			t.Errorf("the JWKS was fetched %d times, want 3", n)
		}
	})
}

func TestConcurrentVerificationsShareOneFetch(t *testing.T) {
	keys(t)
	tests := []struct {
		name        string
		prime       bool // verify one token of the old key first
		wantFetches int64
	}{
		{"concurrent first verifications share one fetch", false, 1},
		{"concurrent verifications of a rotated key share one refetch", true, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			p := newIDP(t, rsaJWK("old", &rsaKey1.PublicKey))
			v := newVerifier(t, p, c)
			ctx := context.Background()
			if tc.prime {
				if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, rsaKey1, "old", claims(c.Now()))); err != nil {
					t.Fatalf("Verify: %v", err)
				}
			}
			p.serve(rsaJWK("old", &rsaKey1.PublicKey), ecJWK("new", &ecKey1.PublicKey))
			oldRaw := sign(t, jwt.SigningMethodRS256, rsaKey1, "old", claims(c.Now()))
			newRaw := sign(t, jwt.SigningMethodES256, ecKey1, "new", claims(c.Now()))
			var wg sync.WaitGroup
			for i := range 40 {
				raw := newRaw
				if i%2 == 0 {
					raw = oldRaw
				}
				wg.Go(func() {
					if _, err := v.Verify(ctx, raw); err != nil {
						t.Errorf("Verify: %v", err)
					}
				})
			}
			wg.Wait()
			if n := p.fetches.Load(); n != tc.wantFetches {
				t.Errorf("the JWKS was fetched %d times, want %d", n, tc.wantFetches)
			}
		})
	}
}

func TestKeysUnavailable(t *testing.T) {
	keys(t)
	tests := []struct {
		name  string
		setup func(p *idp)
	}{
		{"a JWKS server that is down gives ErrKeysUnavailable", func(p *idp) { p.srv.Close() }},
		{"a JWKS server answering 500 gives ErrKeysUnavailable", func(p *idp) {
			p.serveRaw(http.StatusInternalServerError, []byte(`{"error":"boom"}`))
		}},
		{"a JWKS server answering 404 gives ErrKeysUnavailable", func(p *idp) { p.serveRaw(http.StatusNotFound, nil) }},
		{"a JWKS that is not JSON gives ErrKeysUnavailable", func(p *idp) { p.serveRaw(http.StatusOK, []byte("<html>")) }},
		{"a JWKS with no usable key gives ErrKeysUnavailable", func(p *idp) {
			p.serve(map[string]any{"kty": "oct", "kid": "k", "k": "c2VjcmV0"})
		}},
		{"a JWKS larger than 1 MiB gives ErrKeysUnavailable", func(p *idp) {
			p.serveRaw(http.StatusOK, []byte(`{"keys":[],"x":"`+strings.Repeat("a", 1<<20)+`"}`))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			p := newIDP(t, rsaJWK("k", &rsaKey1.PublicKey))
			tc.setup(p)
			v := newVerifier(t, p, c)
			raw := sign(t, jwt.SigningMethodRS256, rsaKey1, "k", claims(c.Now()))
			for i := range 3 {
				_, err := v.Verify(context.Background(), raw)
				if !errors.Is(err, oidc.ErrKeysUnavailable) {
					t.Fatalf("attempt %d: error = %v, want ErrKeysUnavailable", i+1, err)
				}
				if errors.Is(err, oidc.ErrInvalidToken) {
					t.Errorf("attempt %d: error %v is also ErrInvalidToken", i+1, err)
				}
				checkNoLeak(t, err, raw)
			}
			if n := p.fetches.Load(); n > 1 {
				t.Errorf("a failed fetch was retried within the interval: %d fetches", n)
			}
		})
	}

	t.Run("the key set is fetched again once the interval after a failure has passed", func(t *testing.T) {
		c := newClock()
		p := newIDP(t, rsaJWK("k", &rsaKey1.PublicKey))
		p.serveRaw(http.StatusServiceUnavailable, nil)
		v := newVerifier(t, p, c)
		raw := sign(t, jwt.SigningMethodRS256, rsaKey1, "k", claims(c.Now()))
		if _, err := v.Verify(context.Background(), raw); !errors.Is(err, oidc.ErrKeysUnavailable) {
			t.Fatalf("error = %v, want ErrKeysUnavailable", err)
		}
		p.serve(rsaJWK("k", &rsaKey1.PublicKey))
		c.Advance(time.Minute) // the default interval
		if _, err := v.Verify(context.Background(), raw); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if n := p.fetches.Load(); n != 2 {
			t.Errorf("the JWKS was fetched %d times, want 2", n)
		}
	})

	t.Run("a refetch for an unknown kid that fails gives ErrKeysUnavailable", func(t *testing.T) {
		c := newClock()
		p := newIDP(t, rsaJWK("k", &rsaKey1.PublicKey))
		v := newVerifier(t, p, c)
		if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey1, "k", claims(c.Now()))); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		p.serveRaw(http.StatusBadGateway, nil)
		for i := range 2 {
			_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey2, "new", claims(c.Now())))
			if !errors.Is(err, oidc.ErrKeysUnavailable) {
				t.Fatalf("attempt %d: error = %v, want ErrKeysUnavailable", i+1, err)
			}
		}
		if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey1, "k", claims(c.Now()))); err != nil {
			t.Errorf("a known key after the failed refetch: %v", err)
		}
		if n := p.fetches.Load(); n != 2 {
			t.Errorf("the JWKS was fetched %d times, want 2", n)
		}
	})

	t.Run("a caller whose context ends while waiting for the fetch gets ErrKeysUnavailable", func(t *testing.T) {
		c := newClock()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		v, err := oidc.New(context.Background(), oidc.Config{Issuer: issuer, Audience: audience, JWKSURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		oidc.SetClock(v, c.Now)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err = v.Verify(ctx, sign(t, jwt.SigningMethodRS256, rsaKey1, "k", claims(c.Now())))
		if !errors.Is(err, oidc.ErrKeysUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want ErrKeysUnavailable and context.DeadlineExceeded", err)
		}
	})
}

func TestKeySetMaxAge(t *testing.T) {
	keys(t)
	c := newClock()
	p := newIDP(t, rsaJWK("k", &rsaKey1.PublicKey))
	v := newVerifier(t, p, c)
	ctx := context.Background()

	steps := []struct {
		name        string
		advance     time.Duration
		setup       func()
		wantReason  string
		wantFetches int64
	}{
		{"the first verification fetches the key set", 0, nil, "", 1},
		{"a verification within the max age uses the cache", oidc.MaxKeyAge - time.Second, nil, "", 1},
		{"a verification past the max age fetches the key set again", 2 * time.Second, nil, "", 2},
		{"a stale key set is still used when the refresh fails", oidc.MaxKeyAge, func() { p.serveRaw(http.StatusInternalServerError, nil) }, "", 3},
		{"a stale key set is used without a refetch within the interval after the failure", 30 * time.Second, nil, "", 3},
		{"a refresh that drops the key makes its tokens refused", time.Minute, func() { p.serve(rsaJWK("other", &rsaKey2.PublicKey)) }, "unknown key id", 4},
	}
	for _, s := range steps {
		c.Advance(s.advance)
		if s.setup != nil {
			s.setup()
		}
		_, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, rsaKey1, "k", claims(c.Now())))
		checkStep(t, s.name, err, s.wantReason, p.fetches.Load(), s.wantFetches)
	}
}

func TestNew(t *testing.T) {
	valid := oidc.Config{Issuer: issuer, Audience: audience, JWKSURL: "https://idp.comune.example/certs"}
	tests := []struct {
		name    string
		change  func(*oidc.Config)
		wantErr string // empty when valid
	}{
		{"a complete config is accepted", func(*oidc.Config) {}, ""},
		{"an http JWKS URL on 127.0.0.1 is accepted", func(c *oidc.Config) { c.JWKSURL = "http://127.0.0.1:8080/certs" }, ""},
		{"an http JWKS URL on localhost is accepted", func(c *oidc.Config) { c.JWKSURL = "http://localhost/certs" }, ""},
		{"an http JWKS URL on ::1 is accepted", func(c *oidc.Config) { c.JWKSURL = "http://[::1]:9000/certs" }, ""},
		{"an unreachable JWKS URL is accepted, as nothing is fetched yet", func(c *oidc.Config) { c.JWKSURL = "https://127.0.0.1:1/certs" }, ""},
		{"a missing issuer is refused", func(c *oidc.Config) { c.Issuer = "" }, "Issuer is required"},
		{"a blank issuer is refused", func(c *oidc.Config) { c.Issuer = "  " }, "Issuer is required"},
		{"a missing audience is refused", func(c *oidc.Config) { c.Audience = "" }, "Audience is required"},
		{"a missing JWKS URL is refused", func(c *oidc.Config) { c.JWKSURL = "" }, "JWKSURL is required"},
		{"a JWKS URL that does not parse is refused", func(c *oidc.Config) { c.JWKSURL = "https://[::1" }, "JWKSURL is not a valid URL"},
		{"a relative JWKS URL is refused", func(c *oidc.Config) { c.JWKSURL = "/certs" }, "JWKSURL must be an absolute URL"},
		{"an http JWKS URL on a public host is refused", func(c *oidc.Config) { c.JWKSURL = "http://idp.comune.example/certs" }, "JWKSURL must use https"},
		{"an http JWKS URL on a private address is refused", func(c *oidc.Config) { c.JWKSURL = "http://10.0.0.1/certs" }, "JWKSURL must use https"},
		{"an http JWKS URL on a host named like localhost is refused", func(c *oidc.Config) { c.JWKSURL = "http://localhost.evil.example/certs" }, "JWKSURL must use https"},
		{"a JWKS URL of another scheme is refused", func(c *oidc.Config) { c.JWKSURL = "ftp://idp.comune.example/certs" }, "JWKSURL must use https"},
		{"a JWKS URL with credentials is refused", func(c *oidc.Config) { c.JWKSURL = "https://user:pw@idp.comune.example/certs" }, "JWKSURL must not carry credentials"},
		{"a negative leeway is refused", func(c *oidc.Config) { c.Leeway = -time.Second }, "Leeway must not be negative"},
		{"a negative refresh interval is refused", func(c *oidc.Config) { c.RefreshInterval = -time.Second }, "RefreshInterval must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.change(&cfg)
			v, err := oidc.New(context.Background(), cfg)
			if tc.wantErr == "" {
				if err != nil || v == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, oidc.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want ErrInvalidConfig: %s", err, tc.wantErr)
			}
			if v != nil {
				t.Error("a Verifier was returned with the error")
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error %q carries the URL's password", err)
			}
		})
	}
}

func TestLeewayIsConfigurable(t *testing.T) {
	keys(t)
	tests := []struct {
		name       string
		leeway     time.Duration
		expiredFor time.Duration
		wantReason string
	}{
		{"a token expired 20 s ago is accepted with the default leeway", 0, 20 * time.Second, ""},
		{"a token expired 40 s ago is refused with the default leeway", 0, 40 * time.Second, "expired"},
		{"a token expired 40 s ago is accepted with a 1 min leeway", time.Minute, 40 * time.Second, ""},
		{"a token expired 2 s ago is refused with a 1 s leeway", time.Second, 2 * time.Second, "expired"},
	}
	p := newIDP(t, rsaJWK("k", &rsaKey1.PublicKey))
	for _, tc := range tests {
		c := newClock()
		v := newVerifier(t, p, c, func(cfg *oidc.Config) { cfg.Leeway = tc.leeway })
		cl := claims(c.Now().Add(-time.Hour))
		cl["exp"] = c.Now().Add(-tc.expiredFor).Unix()
		_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey1, "k", cl))
		t.Run(tc.name, func(t *testing.T) {
			switch {
			case tc.wantReason == "" && err != nil:
				t.Errorf("Verify: %v", err)
			case tc.wantReason != "" && (!errors.Is(err, oidc.ErrInvalidToken) || !strings.HasSuffix(err.Error(), ": "+tc.wantReason)):
				t.Errorf("error = %v, want ErrInvalidToken: %s", err, tc.wantReason)
			}
		})
	}
}

func TestLooksLikeJWT(t *testing.T) {
	keys(t)
	rs := sign(t, jwt.SigningMethodRS256, rsaKey1, "k", claims(time.Now()))
	tests := []struct {
		name  string
		token string
		want  bool
	}{
		{"a signed JWT looks like one", rs, true},
		{"an unsigned JWT with an empty signature looks like one", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", true},
		{"an API token does not", "seg_" + b64(make([]byte, 32)), false},
		{"an empty string does not", "", false},
		{"two segments do not", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0", false},
		{"four segments do not", rs + ".abc", false},
		{"an empty header does not", ".eyJzdWIiOiJ4In0.c2ln", false},
		{"an empty payload does not", "eyJhbGciOiJub25lIn0..c2ln", false},
		{"standard base64 characters do not", "eyJh+GciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln", false},
		{"padding does not", "eyJhbGciOiJub25lIn0=.eyJzdWIiOiJ4In0.c2ln", false},
		{"spaces do not", "eyJhbGciOiJub25lIn0. eyJzdWIiOiJ4In0.c2ln", false},
		{"a segment of impossible length does not", "eyJhb.eyJzdWIiOiJ4In0.c2ln", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := oidc.LooksLikeJWT(tc.token); got != tc.want {
				t.Errorf("LooksLikeJWT = %v, want %v", got, tc.want)
			}
		})
	}
}
