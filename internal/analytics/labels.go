package analytics

import (
	"context"
	"slices"

	"segretariato/internal/dimension"
)

// The labels and order of the keys come from each dimension's declaration
// (internal/dimension); what a declaration names as a lookup is read from
// the database for the answer.

// lookups are the labels read from the database for one answer: only the
// lookups of the dimensions the answer groups by are read.
type lookups struct {
	needs     map[string]needInfo // code → label and position
	services  map[string]string   // code → name
	operators map[string]string   // e-mail → name
	districts map[string]string   // district_key → display spelling
}

type needInfo struct {
	label    string
	position int
}

// load reads the lookups of the dimensions of dims.
func (l *lookups) load(ctx context.Context, e *Engine, dims []dimension.Dimension) error {
	for _, d := range dims {
		var err error
		switch dimension.Of(d).Lookup {
		case dimension.Needs:
			if l.needs == nil {
				l.needs = map[string]needInfo{}
				err = e.rows(ctx, "SELECT code, label_it, position FROM need_categories", nil, func(scan func(...any) error) error {
					var code, label string
					var pos int
					if err := scan(&code, &label, &pos); err != nil {
						return err
					}
					l.needs[code] = needInfo{label, pos}
					return nil
				})
			}
		case dimension.Services:
			l.services, err = e.stringMap(ctx, "SELECT code, name FROM services")
		case dimension.Operators:
			l.operators, err = e.stringMap(ctx, "SELECT email, name FROM operators")
		case dimension.Districts:
			l.districts, err = e.districtSpellings(ctx)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// display is the key a cell shows for a stored key: a district's most
// frequent spelling, any other key as it is.
func (l *lookups) display(d dimension.Dimension, key string) string {
	if dimension.Of(d).Lookup == dimension.Districts && key != dimension.Unknown {
		if s, ok := l.districts[key]; ok {
			return s
		}
	}
	return key
}

// label is the Italian display name of a key.
func (l *lookups) label(d dimension.Dimension, key string, unit dimension.PeriodUnit) string {
	decl := dimension.Of(d)
	if key == dimension.Unknown {
		if decl.UnknownLabel != "" {
			return decl.UnknownLabel
		}
		return "Non noto"
	}
	if d == dimension.Period {
		return dimension.PeriodLabel(key, unit)
	}
	if s, ok := decl.Labels[key]; ok {
		return s
	}
	var m map[string]string
	switch decl.Lookup {
	case dimension.Needs:
		if n, ok := l.needs[key]; ok {
			return n.label
		}
	case dimension.Services:
		m = l.services
	case dimension.Operators:
		m = l.operators
	}
	if s, ok := m[key]; ok {
		return s
	}
	return key
}

// rank orders the keys of a dimension for display: closed lists in their
// order, needs in the taxonomy's order, anything else by key, and the
// UNKNOWN and NONE keys last.
func (l *lookups) rank(d dimension.Dimension, key string) int {
	if key == dimension.Unknown || key == dimension.NoReferral {
		return 1 << 20
	}
	decl := dimension.Of(d)
	if decl.Closed != nil {
		if i := slices.Index(decl.Closed, key); i >= 0 {
			return i
		}
		return len(decl.Closed)
	}
	if decl.Lookup == dimension.Needs {
		if n, ok := l.needs[key]; ok {
			return n.position
		}
		return 1 << 19
	}
	return 0
}
