package analytics

import "segretariato/internal/cellkey"

// The analysts' figures: the cell-key method (suppression that holds
// across answers; the package comment gives the reasons, the README the
// guarantee).
//
// Every counted record carries a record key, uniform in [0, cellkey.Size)
// and fixed at its creation (internal/cellkey). A figure's cell key is the
// sum of the keys of the records it counts, modulo cellkey.Size, computed
// in the same SQL statement as the count; it picks the figure's noise from
// noiseTable. The records of a figure are:
//
//   - contacts: the cell's contacts (their keys);
//   - citizens: the cell's distinct identified citizens (the citizens'
//     own keys, each once however many contacts it has in the cell);
//   - newCitizens: those of them whose first ever contact is in the cell
//     (the same citizens' keys);
//   - referrals: the referrals counted (the referrals' keys);
//   - the funnel's steps: the referrals that reached the step.
//
// So a figure's noise is a function of the set of records it counts:
// asked again, or through another grouping or filter that selects the
// same records, it is the same, and averaging repeated answers gives
// nothing; two figures whose record sets differ by even one record have
// cell keys that differ by that record's (uniform, unknown) key, so their
// noises are independent, and their difference is the true difference
// plus the difference of two independent noises.

// maxNoise is the largest noise, D: a published figure is within
// maxNoise of the true count.
const maxNoise = 2

// noiseTable is the perturbation table: the noise is -maxNoise+i for a
// cell key below noiseTable[i] (and not below noiseTable[i-1]). The five
// noises -2..+2 are equally likely (819 or 820 keys of 4096 each): zero
// mean, variance 2, and two independent noises are equal with
// probability 1/5, so a difference of two answers is the true difference
// in one case out of five, and the analyst cannot tell which.
var noiseTable = [2*maxNoise + 1]int{819, 1638, 2458, 3277, cellkey.Size}

// noise is the noise of a cell key (any integer; reduced modulo
// cellkey.Size).
func noise(cellKey int64) int {
	ck := int(((cellKey % cellkey.Size) + cellkey.Size) % cellkey.Size)
	for i, bound := range noiseTable {
		if ck < bound {
			return i - maxNoise
		}
	}
	return maxNoise // not reached: the last bound is cellkey.Size
}

// Perturb is the figure an analyst gets for a true count n whose records'
// keys add up to keySum, with threshold k: nil (withheld) when n is 1 to
// k-1, or when n plus its noise falls below k; otherwise n plus the noise.
// A zero is shown as it is: no record, nothing to protect. Every figure
// shown is therefore 0 or at least k, and within maxNoise of n; no count
// of 1 to k-1 is ever shown.
func Perturb(n int, keySum int64, k int) *int {
	if n == 0 {
		v := 0
		return &v
	}
	if n < k {
		return nil
	}
	v := n + noise(keySum)
	if v < k {
		return nil
	}
	return &v
}
