package analytics

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/refdata"
)

// Italian display names of the enumerations' keys.
var (
	targetAreaLabels = map[string]string{
		"ADULTS":          "Adulti",
		"ELDERLY":         "Anziani",
		"DISABILITY":      "Disabili",
		"MINORS_FAMILIES": "Minori e Famiglie",
	}
	istatOrder  = []string{ISTATFamilyMinors, ISTATDisabled, ISTATAddiction, ISTATElderly, ISTATImmigrants, ISTATPovertyAdult}
	istatLabels = map[string]string{
		ISTATFamilyMinors: "Famiglia e minori",
		ISTATDisabled:     "Disabili",
		ISTATAddiction:    "Dipendenze",
		ISTATElderly:      "Anziani",
		ISTATImmigrants:   "Immigrati",
		ISTATPovertyAdult: "Povertà, disagio adulti e senza dimora",
	}
	channelLabels = map[string]string{
		"IN_PERSON":  "Di persona",
		"PHONE":      "Telefono",
		"EMAIL":      "E-mail",
		"HOME_VISIT": "Visita domiciliare",
		"OTHER":      "Altro",
	}
	requesterLabels = map[string]string{
		"SELF":          "Diretto interessato",
		"FAMILY_MEMBER": "Familiare",
		"OTHER_SERVICE": "Altro servizio",
		"VOLUNTEER_ORG": "Associazione di volontariato",
		"OTHER":         "Altro",
	}
	outcomeLabels = map[string]string{
		"INFORMED":            "Informazione e orientamento",
		"REFERRED_INTERNAL":   "Invio al servizio sociale professionale (Scheda 3)",
		"REFERRED_EXTERNAL":   "Invio ad altro servizio",
		"FOLLOW_UP":           "Da ricontattare",
		"URGENT_INTERVENTION": "Pronto intervento",
		"NOT_COMPETENT":       "Non di competenza",
	}
	sexOrder  = []string{"F", "M", "X", Unknown}
	sexLabels = map[string]string{
		"F":     "Femmine",
		"M":     "Maschi",
		"X":     "Altro (X)",
		Unknown: "Non noto",
	}
	ageLabels = map[string]string{
		"0-17":  "0-17 anni",
		"18-29": "18-29 anni",
		"30-44": "30-44 anni",
		"45-64": "45-64 anni",
		"65-74": "65-74 anni",
		"75-84": "75-84 anni",
		"85+":   "85 anni e oltre",
		Unknown: "Età non nota",
	}
	accessOrder  = []string{AccessFirst, AccessReturn, AccessAnonymous}
	accessLabels = map[string]string{
		AccessFirst:     "Primo accesso",
		AccessReturn:    "Accesso successivo",
		AccessAnonymous: "Anonimo",
	}
	// countryLabels names the citizenships most often met at a Lombardy
	// desk; any other code is shown as it is.
	countryLabels = map[string]string{
		"IT": "Italia", "AL": "Albania", "RO": "Romania", "MA": "Marocco", "UA": "Ucraina",
		"CN": "Cina", "EG": "Egitto", "PE": "Perù", "EC": "Ecuador", "IN": "India",
		"PK": "Pakistan", "BD": "Bangladesh", "SN": "Senegal", "NG": "Nigeria", "TN": "Tunisia",
		"PH": "Filippine", "MD": "Moldova", "LK": "Sri Lanka", "BR": "Brasile", "GH": "Ghana",
		"CI": "Costa d'Avorio", "BF": "Burkina Faso", "ML": "Mali", "DZ": "Algeria", "TR": "Turchia",
		"RU": "Russia", "PL": "Polonia", "BG": "Bulgaria", "RS": "Serbia", "MK": "Macedonia del Nord",
		"XK": "Kosovo", "BA": "Bosnia ed Erzegovina", "HR": "Croazia", "SV": "El Salvador", "CO": "Colombia",
		"BO": "Bolivia", "DO": "Repubblica Dominicana", "CU": "Cuba", "VE": "Venezuela", "AR": "Argentina",
		"ER": "Eritrea", "ET": "Etiopia", "SO": "Somalia", "SD": "Sudan", "AF": "Afghanistan",
		"SY": "Siria", "IQ": "Iraq", "IR": "Iran", "GE": "Georgia", "FR": "Francia",
		"DE": "Germania", "ES": "Spagna", "GB": "Regno Unito", "CH": "Svizzera", "US": "Stati Uniti",
	}
	monthNames = []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
		"luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
)

// enumOrder is the display order of the keys of the dimensions whose keys
// are a closed list.
func enumOrder(d Dimension) []string {
	switch d {
	case DimTargetArea:
		return schematype.TargetArea("").Values()
	case DimISTATArea:
		return istatOrder
	case DimNeedMacro:
		return schematype.MacroArea("").Values()
	case DimAgeBand:
		return AgeBands
	case DimSex:
		return sexOrder
	case DimChannel:
		return schematype.Channel("").Values()
	case DimRequester:
		return schematype.Requester("").Values()
	case DimOutcome:
		return schematype.Outcome("").Values()
	case DimAccessType:
		return accessOrder
	}
	return nil
}

// allowedKeys lists the keys a filter may name for a closed dimension, or
// nil when any key may be named.
func allowedKeys(d Dimension) []string {
	if d == DimNeedMacro {
		// A contact always has a need; UNKNOWN is allowed all the same.
		return append(slices.Clone(enumOrder(d)), Unknown)
	}
	return enumOrder(d) // AGE_BAND and SEX list UNKNOWN already
}

// lookups are the labels read from the database for one answer: only the
// dimensions the answer groups by are read.
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

// load reads the labels of the dimensions of dims.
func (l *lookups) load(ctx context.Context, e *Engine, dims []Dimension) error {
	for _, d := range dims {
		var err error
		switch d {
		case DimNeed, DimMainNeed:
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
		case DimReferralService:
			l.services, err = e.stringMap(ctx, "SELECT code, name FROM services")
		case DimOperator:
			l.operators, err = e.stringMap(ctx, "SELECT email, name FROM operators")
		case DimDistrict:
			l.districts, err = e.districtSpellings(ctx)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// label is the Italian display name of a key.
func (l *lookups) label(d Dimension, key string, unit PeriodUnit) string {
	pick := func(m map[string]string) string {
		if s, ok := m[key]; ok {
			return s
		}
		return key
	}
	if key == Unknown {
		switch d {
		case DimAgeBand:
			return ageLabels[Unknown]
		case DimSex:
			return sexLabels[Unknown]
		case DimCitizenship, DimDistrict:
			return "Non nota"
		}
		return "Non noto"
	}
	switch d {
	case DimPeriod:
		return periodLabel(key, unit)
	case DimTargetArea:
		return pick(targetAreaLabels)
	case DimISTATArea:
		return pick(istatLabels)
	case DimNeed, DimMainNeed:
		if n, ok := l.needs[key]; ok {
			return n.label
		}
	case DimNeedMacro:
		if s, ok := refdata.MacroLabelsIT[schematype.MacroArea(key)]; ok {
			return s
		}
	case DimAgeBand:
		return pick(ageLabels)
	case DimSex:
		return pick(sexLabels)
	case DimCitizenship:
		return pick(countryLabels)
	case DimChannel:
		return pick(channelLabels)
	case DimRequester:
		return pick(requesterLabels)
	case DimOutcome:
		return pick(outcomeLabels)
	case DimOperator:
		return pick(l.operators)
	case DimReferralService:
		if key == NoReferral {
			return "Nessun invio"
		}
		return pick(l.services)
	case DimAccessType:
		return pick(accessLabels)
	}
	return key
}

// rank orders the keys of a dimension for display: closed lists in their
// order, needs in the taxonomy's order, anything else by key, and the
// UNKNOWN and NONE keys last.
func (l *lookups) rank(d Dimension, key string) int {
	if key == Unknown || key == NoReferral {
		return 1 << 20
	}
	if order := enumOrder(d); order != nil {
		if i := slices.Index(order, key); i >= 0 {
			return i
		}
		return len(order)
	}
	if d == DimNeed || d == DimMainNeed {
		if n, ok := l.needs[key]; ok {
			return n.position
		}
		return 1 << 19
	}
	return 0
}

// periodLabel is the Italian name of a period key: "marzo 2025",
// "1° trimestre 2025", "settimana 9 del 2025 (24/02/2025 - 02/03/2025)".
func periodLabel(key string, unit PeriodUnit) string {
	switch unit {
	case Month:
		if len(key) == 7 {
			if m, err := strconv.Atoi(key[5:]); err == nil && m >= 1 && m <= 12 {
				return monthNames[m-1] + " " + key[:4]
			}
		}
	case Quarter:
		if i := strings.Index(key, "-Q"); i > 0 {
			return key[i+2:] + "° trimestre " + key[:i]
		}
	case Week:
		var y, w int
		if _, err := fmt.Sscanf(key, "%d-W%d", &y, &w); err == nil {
			mon := isoWeekMonday(y, w)
			return fmt.Sprintf("settimana %d del %d (%s - %s)", w, y,
				mon.Format("02/01/2006"), mon.AddDate(0, 0, 6).Format("02/01/2006"))
		}
	}
	return key
}

// isoWeekMonday is the Monday of ISO week w of ISO year y.
func isoWeekMonday(y, w int) time.Time {
	jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, time.UTC)
	wd := (int(jan4.Weekday()) + 6) % 7 // Monday = 0
	return jan4.AddDate(0, 0, -wd+7*(w-1))
}
