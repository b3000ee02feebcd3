// Package cellkey holds the record keys of the cell-key method, the
// perturbation that protects the analysts' figures (internal/analytics):
// every contact, citizen and referral carries a record key, a uniformly
// random integer in [0, Size) drawn once when the record is created and
// never changed, read or shown by anyone. A cell's key is the sum of the
// keys of the records it counts, modulo Size, and chooses its noise from a
// fixed table; so the same records always get the same noise, and two
// different sets of records independent noises.
//
// The keys come from crypto/rand: a key an analyst could predict (from a
// seed, an id or a creation time) would give away the noise.
package cellkey

import (
	"crypto/rand"
	"encoding/binary"
)

// Bits is the width of a record key; Size = 2^Bits.
const Bits = 12

// Size is the number of record keys (and of cell keys): 4096, the range
// the 2021 censuses of England and Wales used.
const Size = 1 << Bits

// New draws a record key, uniform in [0, Size).
func New() int {
	var b [2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return int(binary.LittleEndian.Uint16(b[:]) & (Size - 1))
}
