package intakecsv

import (
	"encoding/binary"
	"hash/maphash"
)

// refSet is the set of contact_ref values a Reader has seen, kept compact
// because it is the one thing that grows with the file: the values are
// packed one after the other in chunks of bytes (each after its length),
// found through an open-addressing table of 8 bytes per slot (the value's
// place in the chunks and 24 bits of its hash), at most three quarters
// full. Neither holds a pointer, so the collector never scans them. A
// 12-byte value costs about 13 bytes in the chunks and 11 to 21 in the
// table, against about 70 in a map[string]bool with a copy of each key.
type refSet struct {
	seed   maphash.Seed
	chunks [][]byte
	slots  []uint64 // 0: empty; else (position+1) << 24 | hash & 0xFFFFFF
	n      int
}

const (
	refChunk    = 1 << 20 // bytes per chunk
	refHashBits = 24
	refHashMask = 1<<refHashBits - 1
)

func newRefSet() *refSet { return &refSet{seed: maphash.MakeSeed(), slots: make([]uint64, 1024)} }

// add puts ref in the set and reports whether it was there already.
func (s *refSet) add(ref string) (seen bool) {
	h := maphash.String(s.seed, ref)
	if s.find(ref, h) >= 0 {
		return true
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	s.put(s.store(ref)+1, h)
	s.n++
	return false
}

// has reports whether ref is in the set.
func (s *refSet) has(ref string) bool { return s.find(ref, maphash.String(s.seed, ref)) >= 0 }

// find returns the slot holding ref, or -1.
func (s *refSet) find(ref string, h uint64) int {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		v := s.slots[i]
		if v == 0 {
			return -1
		}
		if v&refHashMask == (h>>40)&refHashMask && string(s.at(v>>refHashBits-1)) == ref {
			return int(i)
		}
	}
}

// put writes position pos+1 with hash h into the first free slot from h.
func (s *refSet) put(pos1, h uint64) {
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for s.slots[i] != 0 {
		i = (i + 1) & mask
	}
	s.slots[i] = pos1<<refHashBits | (h>>40)&refHashMask
}

// grow doubles the table, placing every value again by its hash.
func (s *refSet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	for _, v := range old {
		if v != 0 {
			pos1 := v >> refHashBits
			s.put(pos1, maphash.Bytes(s.seed, s.at(pos1-1)))
		}
	}
}

// store appends ref, after its length, to the last chunk (a new one when
// it does not fit) and returns its position: chunk index × refChunk plus
// offset. A value longer than a chunk gets a chunk of its own, at offset
// 0, and the next value a new chunk.
func (s *refSet) store(ref string) uint64 {
	need := binary.MaxVarintLen64 + len(ref)
	last := len(s.chunks) - 1
	if last < 0 || len(s.chunks[last])+need > refChunk {
		s.chunks = append(s.chunks, make([]byte, 0, max(refChunk, need)))
		last++
	}
	c := s.chunks[last]
	pos := uint64(last)*refChunk + uint64(len(c))
	c = binary.AppendUvarint(c, uint64(len(ref)))
	s.chunks[last] = append(c, ref...)
	return pos
}

// at is the value stored at position pos, in its chunk.
func (s *refSet) at(pos uint64) []byte {
	c := s.chunks[pos/refChunk][pos%refChunk:]
	n, k := binary.Uvarint(c)
	return c[k : k+int(n)]
}
