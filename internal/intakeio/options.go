package intakeio

import (
	"errors"
	"strings"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/intakecsv"
)

// ParseExportOptions turns the words of the command line or of a download
// link into export options. Dates are YYYY-MM-DD or DD/MM/YYYY; to is
// inclusive (the query's bound is the day after); areas are comma-separated
// target areas. It returns an error naming the bad parameter.
func ParseExportOptions(from, to, areas string, notes, excel bool) (ExportOptions, error) {
	var opt ExportOptions
	if from != "" {
		d, err := intakecsv.ParseDate(from)
		if err != nil {
			return opt, errors.New("from: not a date (YYYY-MM-DD or DD/MM/YYYY)")
		}
		opt.From = &d
	}
	if to != "" {
		d, err := intakecsv.ParseDate(to)
		if err != nil {
			return opt, errors.New("to: not a date (YYYY-MM-DD or DD/MM/YYYY)")
		}
		d = d.AddDate(0, 0, 1)
		opt.To = &d
	}
	for _, a := range strings.Split(areas, ",") {
		if a = strings.TrimSpace(strings.ToUpper(a)); a == "" {
			continue
		}
		area, err := schematype.Parse[schematype.TargetArea](a)
		if err != nil {
			return opt, errors.New("area: one of ADULTS, ELDERLY, DISABILITY, MINORS_FAMILIES")
		}
		opt.Areas = append(opt.Areas, area)
	}
	opt.Notes = notes
	if excel {
		opt.Writer = intakecsv.WriterOptions{Comma: ';', BOM: true, CRLF: true, DateStyle: intakecsv.Italian}
	}
	return opt, nil
}
