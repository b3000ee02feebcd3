package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
)

// minRSABits is the smallest RSA modulus accepted from the key set.
const minRSABits = 2048

// keySet maps a key id to the usable keys carrying it (usually one; a
// provider may publish an RSA and an EC key under one id).
type keySet map[string][]publicKey

type publicKey struct {
	alg string // the JWK's `alg`, empty when it has none
	key crypto.PublicKey
}

// fetchCall is one JWKS fetch; done is closed when err is set.
type fetchCall struct {
	done chan struct{}
	err  error
}

// key returns the key with id kid that fits alg, fetching the key set when
// it has never been fetched, when it is older than maxKeyAge, or when it
// lacks kid; the last case, and any fetch after a failed one, happens at
// most once per refreshInterval. Verifications that need the fetch under
// way wait for it; those that find their key in the current set use it.
func (v *Verifier) key(ctx context.Context, kid, alg string) (any, error) {
	v.mu.Lock()
	now := v.now()
	ks, found := v.keys[kid]
	fresh := v.keys != nil && now.Sub(v.fetchedAt) < maxKeyAge
	if found && (fresh || v.inflight != nil) {
		v.mu.Unlock()
		return pick(ks, alg)
	}

	call := v.inflight
	if call == nil {
		if now.Before(v.nextFetch) {
			// Rate-limited: answer from what is known.
			lastErr := v.lastErr
			v.mu.Unlock()
			if found {
				return pick(ks, alg) // stale, but the refresh failed lately
			}
			if lastErr != nil {
				return nil, &keysError{cause: lastErr}
			}
			return nil, invalid("unknown key id")
		}
		// An unknown kid in a set known to be fresh arms the rate limit:
		// random kids must not make the provider be asked on every request.
		call = v.startFetch(ctx, now, fresh && !found)
	}
	v.mu.Unlock()

	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, &keysError{cause: ctx.Err()}
	}

	v.mu.Lock()
	ks, found = v.keys[kid]
	v.mu.Unlock()
	if found {
		return pick(ks, alg) // new, or stale after a failed refresh
	}
	if call.err != nil {
		return nil, &keysError{cause: call.err}
	}
	return nil, invalid("unknown key id")
}

// startFetch starts a fetch of the key set; v.mu must be held.
func (v *Verifier) startFetch(ctx context.Context, now time.Time, armLimit bool) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	v.inflight = call
	if armLimit {
		v.nextFetch = now.Add(v.refreshInterval)
	}
	// The fetch serves every waiting verification, so the caller's
	// cancellation must not end it; fetchTimeout bounds it.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	go func() {
		defer cancel()
		keys, err := v.fetch(fctx)
		v.mu.Lock()
		defer v.mu.Unlock()
		if err == nil {
			v.keys = keys
			v.fetchedAt = v.now()
		} else if next := v.now().Add(v.refreshInterval); next.After(v.nextFetch) {
			v.nextFetch = next
		}
		v.lastErr = err
		v.inflight = nil
		call.err = err
		close(call.done)
	}()
	return call
}

// pick returns the first of ks usable with alg.
func pick(ks []publicKey, alg string) (any, error) {
	for _, k := range ks {
		if k.alg != "" && k.alg != alg {
			continue
		}
		switch k.key.(type) {
		case *rsa.PublicKey:
			if alg == "RS256" {
				return k.key, nil
			}
		case *ecdsa.PublicKey:
			if alg == "ES256" {
				return k.key, nil
			}
		}
	}
	return nil, invalid("key does not match algorithm")
}

// fetch gets and parses the key set. Its errors say what went wrong with
// the endpoint, never anything about a token.
func (v *Verifier) fetch(ctx context.Context) (keySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.jwksURL, nil)
	if err != nil {
		return nil, fmt.Errorf("building JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxJWKSSize))
		return nil, fmt.Errorf("fetching JWKS: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading JWKS: %w", err)
	}
	if len(body) > maxJWKSSize {
		return nil, fmt.Errorf("JWKS larger than %d bytes", maxJWKSSize)
	}
	return parseJWKS(body)
}

// jwk is one JSON Web Key (RFC 7517), with the members looked at.
type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// parseJWKS returns the usable keys of a JWKS document. Keys without a kid,
// for another use than signatures, of another type than RSA or EC P-256,
// for another algorithm than RS256 or ES256, or malformed, are skipped; a
// set with no usable key is an error.
func parseJWKS(body []byte) (keySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("JWKS is not a JSON key set")
	}
	ks := keySet{}
	for _, rawKey := range doc.Keys {
		var k jwk
		if err := json.Unmarshal(rawKey, &k); err != nil {
			continue
		}
		pk, ok := parseJWK(&k)
		if !ok {
			continue
		}
		ks[k.Kid] = append(ks[k.Kid], publicKey{alg: k.Alg, key: pk})
	}
	if len(ks) == 0 {
		return nil, errors.New("JWKS has no usable signing key")
	}
	return ks, nil
}

func parseJWK(k *jwk) (crypto.PublicKey, bool) {
	if k.Kid == "" {
		return nil, false
	}
	if k.Use != "" && k.Use != "sig" {
		return nil, false
	}
	if k.KeyOps != nil && !slices.Contains(k.KeyOps, "verify") {
		return nil, false
	}
	switch k.Kty {
	case "RSA":
		if k.Alg != "" && k.Alg != "RS256" {
			return nil, false
		}
		return parseRSA(k)
	case "EC":
		if k.Alg != "" && k.Alg != "ES256" {
			return nil, false
		}
		return parseEC(k)
	}
	return nil, false
}

func parseRSA(k *jwk) (crypto.PublicKey, bool) {
	nb, err := decodeB64(k.N)
	if err != nil || len(nb) == 0 {
		return nil, false
	}
	eb, err := decodeB64(k.E)
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, false
	}
	n := new(big.Int).SetBytes(nb)
	e := int(new(big.Int).SetBytes(eb).Int64())
	if n.BitLen() < minRSABits || e < 3 || e%2 == 0 {
		return nil, false
	}
	return &rsa.PublicKey{N: n, E: e}, true
}

func parseEC(k *jwk) (crypto.PublicKey, bool) {
	if k.Crv != "P-256" {
		return nil, false
	}
	x, err := decodeB64(k.X)
	if err != nil || len(x) != 32 {
		return nil, false
	}
	y, err := decodeB64(k.Y)
	if err != nil || len(y) != 32 {
		return nil, false
	}
	point := make([]byte, 0, 65)
	point = append(point, 4)
	point = append(point, x...)
	point = append(point, y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, false // not on the curve
	}
	return pub, true
}

// decodeB64 decodes base64url, tolerating the padding some providers add.
func decodeB64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
