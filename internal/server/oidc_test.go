package server_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/auth/oidc"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

// TestOIDCTokensThroughTheHandler checks the JWT cases end to end: the
// provider's keys served by the test, tokens mapped to operators by
// subject or verified e-mail, and every bad token answered 401.
func TestOIDCTokensThroughTheHandler(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]any{{
			"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	}))
	defer jwks.Close()
	const iss, aud = "https://idp.comune.example.it", "segretariato"
	verifier, err := oidc.New(t.Context(), oidc.Config{Issuer: iss, Audience: aud, JWKSURL: jwks.URL})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(claims jwt.MapClaims, edit func(*jwt.Token)) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = "k1"
		if edit != nil {
			edit(tok)
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	claims := func(sub, email string, mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": iss, "aud": aud, "sub": sub, "email": email, "email_verified": true,
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}

	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db, func(o *server.Options) { o.OIDC = verifier })
		op, _ := api.Operator(t, schematype.RoleSocialWorker)
		bySub, _ := api.Operator(t, schematype.RoleCoordinator)
		db.Client.Operator.UpdateOne(bySub).SetOidcSubject("idp-123").ExecX(sys(t))

		valid := sign(claims("whatever", op.Email, nil), nil)
		parts := strings.Split(valid, ".")
		payload, _ := json.Marshal(claims("whatever", bySub.Email, nil))
		tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"k1"}`)) + "." + parts[1] + "."

		cases := []struct {
			name, token string
			email       string // the operator expected; "" = 401
		}{
			{"valid, by verified e-mail", valid, op.Email},
			{"valid, by subject", sign(claims("idp-123", "other@example.it", nil), nil), bySub.Email},
			{"expired", sign(claims("x", op.Email, func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), nil), ""},
			{"not yet valid", sign(claims("x", op.Email, func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() }), nil), ""},
			{"wrong issuer", sign(claims("x", op.Email, func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), nil), ""},
			{"wrong audience", sign(claims("x", op.Email, func(c jwt.MapClaims) { c["aud"] = "other-app" }), nil), ""},
			{"e-mail not verified", sign(claims("x", op.Email, func(c jwt.MapClaims) { c["email_verified"] = false }), nil), ""},
			{`e-mail "verified" as the string "true"`, sign(claims("x", op.Email, func(c jwt.MapClaims) { c["email_verified"] = "true" }), nil), ""},
			{`e-mail "verified" as the number 1`, sign(claims("x", op.Email, func(c jwt.MapClaims) { c["email_verified"] = 1 }), nil), ""},
			{"e-mail verification missing", sign(claims("x", op.Email, func(c jwt.MapClaims) { delete(c, "email_verified") }), nil), ""},
			{`by subject, e-mail "verified" as a string`, sign(claims("idp-123", op.Email, func(c jwt.MapClaims) { c["email_verified"] = "true" }), nil), bySub.Email},
			{"unknown key id", sign(claims("x", op.Email, nil), func(tk *jwt.Token) { tk.Header["kid"] = "k9" }), ""},
			{"alg none", none, ""},
			{"tampered payload", tampered, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := api.Do(t, tc.token, `{ me { email } }`, nil)
				if tc.email == "" {
					if r.Status != http.StatusUnauthorized {
						t.Fatalf("status %d, want 401: %s", r.Status, r.Body)
					}
					return
				}
				if r.Status != http.StatusOK || !strings.Contains(string(r.Data), tc.email) {
					t.Fatalf("status %d, body %s; want %s", r.Status, r.Body, tc.email)
				}
			})
		}
		t.Run("deactivated operator", func(t *testing.T) {
			db.Client.Operator.UpdateOne(op).SetActive(false).ExecX(sys(t))
			if r := api.Do(t, valid, `{ me { email } }`, nil); r.Status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", r.Status)
			}
		})
	})
}
