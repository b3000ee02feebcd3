package rollup

import (
	"errors"
	"strconv"
	"strings"

	"segretariato/internal/dimension"
)

// The multi-valued keys of a fact are kept twice: as rows of
// contact_fact_values, which the answers' SQL joins, and in the fact's own
// row (multi_keys), so that a refresh or a recomputation reads a fact in
// one row. The text lists, for each dimension of dimension.MultiValued()
// in order, the number of its values, then each value's key and parent,
// each as its length in bytes and its bytes, and its three referral
// figures:
//
//	2|10:ECO_INCOME3:ECO0,0,0|12:HOU_EVICTION3:HOU0,0,0|1|3:ECO0:0,0,0|…

// encodeMulti writes the multi-valued keys of f.
func encodeMulti(values map[dimension.Dimension][]dimension.Value) string {
	var b strings.Builder
	for _, d := range multis {
		vs := values[d.Dim]
		b.WriteString(strconv.Itoa(len(vs)))
		b.WriteByte('|')
		for _, v := range vs {
			for _, s := range []string{v.Key, v.Parent} {
				b.WriteString(strconv.Itoa(len(s)))
				b.WriteByte(':')
				b.WriteString(s)
			}
			b.WriteString(strconv.Itoa(v.Referrals))
			b.WriteByte(',')
			b.WriteString(strconv.Itoa(v.Open))
			b.WriteByte(',')
			b.WriteString(strconv.Itoa(v.RefKey))
			b.WriteByte('|')
		}
	}
	return b.String()
}

var errMulti = errors.New("rollup: malformed multi_keys")

// decodeMulti reads what encodeMulti wrote; "" (a fact written before the
// column existed) reads as no values.
func decodeMulti(s string) (map[dimension.Dimension][]dimension.Value, error) {
	out := make(map[dimension.Dimension][]dimension.Value, len(multis))
	if s == "" {
		return out, nil
	}
	// number reads digits (and a sign) up to the byte end.
	number := func(end byte) (int, error) {
		i := strings.IndexByte(s, end)
		if i < 0 {
			return 0, errMulti
		}
		n, err := strconv.Atoi(s[:i])
		s = s[i+1:]
		return n, err
	}
	text := func() (string, error) {
		n, err := number(':')
		if err != nil || n < 0 || n > len(s) {
			return "", errMulti
		}
		t := s[:n]
		s = s[n:]
		return t, nil
	}
	for _, d := range multis {
		n, err := number('|')
		if err != nil || n < 0 || n > len(s) {
			return nil, errMulti
		}
		vs := make([]dimension.Value, n)
		for i := range vs {
			v := &vs[i]
			if v.Key, err = text(); err != nil {
				return nil, err
			}
			if v.Parent, err = text(); err != nil {
				return nil, err
			}
			if v.Referrals, err = number(','); err != nil {
				return nil, errMulti
			}
			if v.Open, err = number(','); err != nil {
				return nil, errMulti
			}
			if v.RefKey, err = number('|'); err != nil {
				return nil, errMulti
			}
		}
		out[d.Dim] = vs
	}
	if s != "" {
		return nil, errMulti
	}
	return out, nil
}
