package analytics

import "strings"

// suppression marks, per measure, the hidden figures of the cells and of
// the total (index 0).
type suppression struct {
	cells [numMeasures][]bool
	total [numMeasures][]bool
}

// suppressDemand decides, measure by measure, which figures of a demand
// answer to withhold. The rule (the package comment has the reasons):
//
//  1. Primary: a figure of 1 to k-1 is hidden, in a cell or the total.
//  2. Secondary, for every margin the answer or a sibling answer exposes:
//     the total (all the cells) and, with two or more dimensions, every row
//     and column (the cells that share all keys but one). In such a group,
//     once one cell is hidden, the hidden cells must be at least two and
//     add up to at least k + n - 1 (n hidden cells): then total - visible
//     cells, their sum, leaves each of them anywhere from 1 to k or more.
//     Until it holds, the smallest visible non-zero cell of the group is
//     hidden too; when none is left, the total is hidden (a row's margin
//     belongs to another answer, which applies the rule itself).
//  3. Repeat until no group changes.
//
// Zeros are shown: they are not small cells, and a hidden zero would
// protect nothing the rule does not already.
func suppressDemand(cc []counts, total counts, keys [][]string, dims, k int) suppression {
	var s suppression
	groups := marginGroups(keys, dims)
	vals := make([]int, len(cc))
	for m := range numMeasures {
		for i := range cc {
			vals[i] = cc[i][m]
		}
		hidden, totalHidden := protect(vals, total[m], groups, k)
		s.cells[m] = hidden
		s.total[m] = []bool{totalHidden}
	}
	return s
}

// protect applies the rule of suppressDemand to one measure: vals are the
// cells, total the total, groups the margins (groups[0] is the total's:
// all the cells).
func protect(vals []int, total int, groups [][]int, k int) (hidden []bool, totalHidden bool) {
	hidden = make([]bool, len(vals))
	for i, v := range vals {
		hidden[i] = v >= 1 && v < k
	}
	totalHidden = total >= 1 && total < k
	for changed := true; changed; {
		changed = false
		for gi, g := range groups {
			isTotal := gi == 0
			if isTotal && totalHidden {
				continue
			}
			for !groupSafe(vals, hidden, g, k) {
				next := -1
				for _, i := range g {
					if !hidden[i] && vals[i] > 0 && (next < 0 || vals[i] < vals[next]) {
						next = i
					}
				}
				if next < 0 {
					if isTotal {
						totalHidden = true
						changed = true
					}
					break
				}
				hidden[next] = true
				changed = true
			}
		}
	}
	return hidden, totalHidden
}

// groupSafe reports whether the hidden cells of a group cannot be told
// apart from its margin: none hidden, or at least two adding up to at
// least k + n - 1.
func groupSafe(vals []int, hidden []bool, g []int, k int) bool {
	n, sum := 0, 0
	for _, i := range g {
		if hidden[i] {
			n++
			sum += vals[i]
		}
	}
	return n == 0 || (n >= 2 && sum >= k+n-1)
}

// marginGroups lists the cell groups whose margins an answer exposes:
// first all the cells (the total); then, with two or more dimensions, for
// each dimension the groups of cells sharing every other key. Groups of
// one cell are left out: their margin is the cell itself.
func marginGroups(keys [][]string, dims int) [][]int {
	all := make([]int, len(keys))
	for i := range all {
		all[i] = i
	}
	groups := [][]int{all}
	if dims < 2 {
		return groups
	}
	for d := range dims {
		byRest := map[string][]int{}
		var order []string
		for i, ks := range keys {
			var b strings.Builder
			for j, k := range ks {
				if j != d {
					b.WriteString(k)
					b.WriteByte(0)
				}
			}
			r := b.String()
			if _, ok := byRest[r]; !ok {
				order = append(order, r)
			}
			byRest[r] = append(byRest[r], i)
		}
		for _, r := range order {
			if len(byRest[r]) > 1 {
				groups = append(groups, byRest[r])
			}
		}
	}
	return groups
}
