// Package dimension declares the ways the demand figures group and filter
// the intake contacts: one entry per dimension in the table All, with its
// key, how the key is derived from a contact when the contact is written,
// whether a contact may have several keys, the keys' Italian labels and
// their display order.
//
// Everything else is derived from that table: the columns of the contact
// facts and the cells (internal/rollup), the SQL of the answers, their
// filters' checks, labels and order (internal/analytics), and the GraphQL
// enum DemandDimension. Adding a dimension means one entry in All (and its
// test in dimension_test.go).
package dimension

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/localtime"
	"segretariato/internal/refdata"
)

// Dimension is a way to group (and filter) contacts. Its keys are the
// stable codes of its declaration; a contact with no value for the
// dimension has the key Unknown.
type Dimension string

// The dimensions, in the order of All.
const (
	// Period is the contact's local period (Europe/Rome) in the answer's
	// PeriodUnit: "2025-W09", "2025-03", "2025-Q1", "2025".
	Period Dimension = "PERIOD"
	// TargetArea is the seed's user area: ADULTS, ELDERLY, DISABILITY,
	// MINORS_FAMILIES.
	TargetArea Dimension = "TARGET_AREA"
	// ISTATArea is the ISTAT (SIUSS) user area derived from the target
	// area and the main need: see ISTAT* constants.
	ISTATArea Dimension = "ISTAT_AREA"
	// Need is a need category code; a contact counts once in each of its
	// needs, so the cells may add up to more than the total.
	Need Dimension = "NEED"
	// MainNeed is the code of the contact's main (first) need.
	MainNeed Dimension = "MAIN_NEED"
	// NeedMacro is a macro area of the contact's needs; a contact counts
	// once in each distinct macro area of its needs.
	NeedMacro Dimension = "NEED_MACRO"
	// AgeBand is the age band at the contact's local date: 0-17, 18-29,
	// 30-44, 45-64, 65-74, 75-84, 85+, UNKNOWN.
	AgeBand Dimension = "AGE_BAND"
	// Sex is the citizen's sex, else the anonymous contact's: F, M, X,
	// UNKNOWN.
	Sex Dimension = "SEX"
	// Citizenship is the citizen's ISO 3166-1 alpha-2 citizenship.
	Citizenship Dimension = "CITIZENSHIP"
	// District is the citizen's district as displayed: the most frequent
	// spelling among the citizens of that district (spellings that differ
	// only in letter case and spaces are one district).
	District Dimension = "DISTRICT"
	// Channel is the contact's channel.
	Channel Dimension = "CHANNEL"
	// Requester is who came to the desk.
	Requester Dimension = "REQUESTER"
	// Outcome is how the contact ended.
	Outcome Dimension = "OUTCOME"
	// Operator is the e-mail of the operator who held the contact.
	Operator Dimension = "OPERATOR"
	// ReferralService is the code of the service of each of the contact's
	// referrals (a contact counts once per service it was referred to); a
	// contact without referral has the key NoReferral.
	ReferralService Dimension = "REFERRAL_SERVICE"
	// AccessType says whether the contact is the citizen's first ever
	// contact (FIRST), a later one (RETURN), or anonymous (ANONYMOUS).
	AccessType Dimension = "ACCESS_TYPE"
)

// Keys shared by several dimensions.
const (
	// Unknown is the key of a contact with no value for a dimension.
	Unknown = "UNKNOWN"
	// NoReferral is the REFERRAL_SERVICE key of a contact without referral.
	NoReferral = "NONE"
)

// ISTAT user areas (the ISTAT survey of municipal social services, SIUSS).
const (
	ISTATFamilyMinors = "FAMIGLIA_MINORI"
	ISTATDisabled     = "DISABILI"
	ISTATAddiction    = "DIPENDENZE"
	ISTATElderly      = "ANZIANI"
	ISTATImmigrants   = "IMMIGRATI"
	ISTATPovertyAdult = "POVERTA_DISAGIO_ADULTI"
)

// Access types (AccessType keys).
const (
	AccessFirst     = "FIRST"
	AccessReturn    = "RETURN"
	AccessAnonymous = "ANONYMOUS"
)

// AgeBands are the AGE_BAND keys in display order (UNKNOWN last).
var AgeBands = []string{"0-17", "18-29", "30-44", "45-64", "65-74", "75-84", "85+", Unknown}

// ageBandEnds are the ages at which the bands of AgeBands end: band i holds
// the ages below ageBandEnds[i] (and from the previous end); the band after
// the last end is open.
var ageBandEnds = []int{18, 30, 45, 65, 75, 85}

// Contact is what a contact's keys are derived from: its row and what the
// row points to, as stored when the contact is written.
type Contact struct {
	ID int
	// OccurredAt is the stored instant; the keys use its local date.
	OccurredAt time.Time
	// Citizen is nil for an anonymous contact.
	Citizen                                 *Citizen
	TargetArea, Channel, Requester, Outcome string
	AnonymousSex                            string // "" when not known
	AnonymousBirthYear                      *int
	// The copies an erasure made of the erased citizen's figures
	// (internal/dsr); "" when none.
	ErasedAgeBand, ErasedCitizenship, ErasedDistrictKey string
	MainNeed                                            NeedCategory
	Needs                                               []NeedCategory
	OperatorEmail                                       string
	Referrals                                           []Referral
	// First says the contact is its citizen's first ever one (earliest
	// occurred_at, then lowest id).
	First bool
}

// Citizen is what a contact's keys read of its citizen; "" is not known.
type Citizen struct {
	ID                            int
	BirthDate                     *time.Time // UTC midnight of the date
	Sex, Citizenship, DistrictKey string
}

// NeedCategory is a need's code and macro area.
type NeedCategory struct{ Code, Macro string }

// Referral is a referral's service code and its record key.
type Referral struct {
	Service   string
	Open      bool // still waiting for a step (referral.IsOpen)
	RecordKey int
}

// Value is one key of a multi-valued dimension for one contact, with the
// key of the dimension's parent (NEED's NEED_MACRO) and, for
// REFERRAL_SERVICE, the referrals it counts, the open ones among them
// and the sum of their keys.
type Value struct {
	Key, Parent             string
	Referrals, Open, RefKey int
}

// Lookup names the labels read from the database at answer time.
type Lookup int

// The lookups.
const (
	NoLookup  Lookup = iota
	Needs            // need_categories: label and position by code
	Services         // services: name by code
	Operators        // operators: name by e-mail
	Districts        // the displayed spelling by district key
)

// Decl declares one dimension.
type Decl struct {
	Dim Dimension
	// Doc describes the dimension in the GraphQL enum DemandDimension
	// (graph/schema/dimension.graphqls, written from All by go generate).
	Doc string
	// Key is a single-valued dimension's key of a contact (not PERIOD,
	// whose key depends on the unit: PeriodKey).
	Key func(c *Contact) string
	// Values are a multi-valued dimension's keys of a contact, each once,
	// in key order; never empty (Unknown or NoReferral when it has none).
	Values func(c *Contact) []Value
	// Parent is the dimension a multi-valued key belongs to (a need's
	// macro area): grouped by this dimension, a filter on Parent keeps
	// the keys of those parents.
	Parent Dimension
	// OwnReferrals says the referrals figure of a key counts only the
	// referrals of that key (Value.Referrals), not all the contact's.
	OwnReferrals bool
	// Closed lists the keys in display order when they are a closed list;
	// a filter may name only those (and Unknown when AllowUnknown).
	Closed       []string
	AllowUnknown bool
	// Labels are the Italian display names of fixed keys; UnknownLabel
	// that of Unknown.
	Labels       map[string]string
	UnknownLabel string
	// Lookup names the labels (and for NEED and MAIN_NEED the order) read
	// from the database.
	Lookup Lookup
}

// Multi reports whether a contact may fall in several keys of the
// dimension (so that the cells do not partition the total).
func (d *Decl) Multi() bool { return d.Values != nil }

// Column is the column of the contact facts that holds a single-valued
// dimension's key ("k_target_area").
func (d Dimension) Column() string { return "k_" + strings.ToLower(string(d)) }

func orUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

func citizenOr(c *Contact, f func(*Citizen) string, other string) string {
	if c.Citizen != nil {
		if v := f(c.Citizen); v != "" {
			return v
		}
	}
	return orUnknown(other)
}

// All declares the dimensions, in the order of the GraphQL enum.
var All = []*Decl{
	{Dim: Period, Doc: "The contact's Europe/Rome local period: 2025-W09 (ISO week-year), 2025-03, 2025-Q1, 2025.", Lookup: NoLookup},
	{Dim: TargetArea, Doc: "ADULTS, ELDERLY, DISABILITY, MINORS_FAMILIES.", Key: func(c *Contact) string { return orUnknown(c.TargetArea) },
		Closed: schematype.TargetArea("").Values(), Labels: map[string]string{
			"ADULTS": "Adulti", "ELDERLY": "Anziani", "DISABILITY": "Disabili", "MINORS_FAMILIES": "Minori e Famiglie",
		}},
	{Dim: ISTATArea, Doc: "ISTAT (SIUSS) user area: FAMIGLIA_MINORI, DISABILI, DIPENDENZE, ANZIANI, IMMIGRATI, POVERTA_DISAGIO_ADULTI.", Key: istatArea,
		Closed: []string{ISTATFamilyMinors, ISTATDisabled, ISTATAddiction, ISTATElderly, ISTATImmigrants, ISTATPovertyAdult},
		Labels: map[string]string{
			ISTATFamilyMinors: "Famiglia e minori", ISTATDisabled: "Disabili", ISTATAddiction: "Dipendenze",
			ISTATElderly: "Anziani", ISTATImmigrants: "Immigrati", ISTATPovertyAdult: "Povertà, disagio adulti e senza dimora",
		}},
	{Dim: Need, Doc: "Need category code; a contact counts once in each of its needs (cells may add up to more than the total).", Values: needs, Parent: NeedMacro, Lookup: Needs},
	{Dim: MainNeed, Doc: "The contact's main (first) need.", Key: func(c *Contact) string { return orUnknown(c.MainNeed.Code) }, Lookup: Needs},
	{Dim: NeedMacro, Doc: "Macro area of the contact's needs; a contact counts once per distinct macro area.", Values: needMacros, Closed: schematype.MacroArea("").Values(), AllowUnknown: true,
		Labels: macroLabels()},
	{Dim: AgeBand, Doc: "Age at the contact's date: 0-17, 18-29, 30-44, 45-64, 65-74, 75-84, 85+, UNKNOWN.", Key: ageBand, Closed: AgeBands, UnknownLabel: "Età non nota", Labels: map[string]string{
		"0-17": "0-17 anni", "18-29": "18-29 anni", "30-44": "30-44 anni", "45-64": "45-64 anni",
		"65-74": "65-74 anni", "75-84": "75-84 anni", "85+": "85 anni e oltre",
	}},
	{Dim: Sex, Doc: "The citizen's sex, else the anonymous contact's: F, M, X, UNKNOWN.", Key: func(c *Contact) string {
		return citizenOr(c, func(ci *Citizen) string { return ci.Sex }, c.AnonymousSex)
	},
		Closed: []string{"F", "M", "X", Unknown}, UnknownLabel: "Non noto",
		Labels: map[string]string{"F": "Femmine", "M": "Maschi", "X": "Altro (X)"}},
	{Dim: Citizenship, Doc: "ISO 3166-1 alpha-2 code.", Key: func(c *Contact) string {
		return citizenOr(c, func(ci *Citizen) string { return ci.Citizenship }, c.ErasedCitizenship)
	}, UnknownLabel: "Non nota", Labels: countryLabels},
	{Dim: District, Doc: "District of residence, as displayed (its most frequent spelling).", Key: func(c *Contact) string {
		return citizenOr(c, func(ci *Citizen) string { return ci.DistrictKey }, c.ErasedDistrictKey)
	}, UnknownLabel: "Non nota", Lookup: Districts},
	{Dim: Channel, Key: func(c *Contact) string { return orUnknown(c.Channel) }, Closed: schematype.Channel("").Values(),
		Labels: map[string]string{
			"IN_PERSON": "Di persona", "PHONE": "Telefono", "EMAIL": "E-mail", "HOME_VISIT": "Visita domiciliare", "OTHER": "Altro",
		}},
	{Dim: Requester, Key: func(c *Contact) string { return orUnknown(c.Requester) }, Closed: schematype.Requester("").Values(),
		Labels: map[string]string{
			"SELF": "Diretto interessato", "FAMILY_MEMBER": "Familiare", "OTHER_SERVICE": "Altro servizio",
			"VOLUNTEER_ORG": "Associazione di volontariato", "OTHER": "Altro",
		}},
	{Dim: Outcome, Key: func(c *Contact) string { return orUnknown(c.Outcome) }, Closed: schematype.Outcome("").Values(),
		Labels: map[string]string{
			"INFORMED":            "Informazione e orientamento",
			"REFERRED_INTERNAL":   "Invio al servizio sociale professionale (Scheda 3)",
			"REFERRED_EXTERNAL":   "Invio ad altro servizio",
			"FOLLOW_UP":           "Da ricontattare",
			"URGENT_INTERVENTION": "Pronto intervento",
			"NOT_COMPETENT":       "Non di competenza",
		}},
	{Dim: Operator, Doc: "The e-mail of the operator who held the contact.", Key: func(c *Contact) string { return orUnknown(c.OperatorEmail) }, Lookup: Operators},
	{Dim: ReferralService, Doc: "Service code of each referral of the contact (a contact counts once per service); NONE when the contact has no referral.", Values: referralServices, OwnReferrals: true, Lookup: Services,
		Labels: map[string]string{NoReferral: "Nessun invio"}},
	{Dim: AccessType, Doc: "FIRST (the citizen's first ever contact), RETURN, ANONYMOUS.", Key: accessType, Closed: []string{AccessFirst, AccessReturn, AccessAnonymous},
		Labels: map[string]string{AccessFirst: "Primo accesso", AccessReturn: "Accesso successivo", AccessAnonymous: "Anonimo"}},
}

var byDim = func() map[Dimension]*Decl {
	m := make(map[Dimension]*Decl, len(All))
	for _, d := range All {
		m[d.Dim] = d
	}
	return m
}()

// Of is the declaration of d; nil for an unknown dimension.
func Of(d Dimension) *Decl { return byDim[d] }

// Values lists the dimensions.
func (Dimension) Values() []string {
	out := make([]string, len(All))
	for i, d := range All {
		out[i] = string(d.Dim)
	}
	return out
}

// Valid reports whether d is a known dimension.
func (d Dimension) Valid() bool { return byDim[d] != nil }

// MarshalGQL writes the dimension as a GraphQL enum.
func (d Dimension) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(d))) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown dimension.
func (d *Dimension) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !Dimension(s).Valid() {
		return fmt.Errorf("not a valid DemandDimension")
	}
	*d = Dimension(s)
	return nil
}

// Single lists the single-valued dimensions other than PERIOD, in the
// order of All: the key columns of the contact facts.
func Single() []*Decl { return single }

// MultiValued lists the multi-valued dimensions, in the order of All.
func MultiValued() []*Decl { return multiValued }

var single, multiValued = func() (s, m []*Decl) {
	for _, d := range All {
		switch {
		case d.Key != nil:
			s = append(s, d)
		case d.Multi():
			m = append(m, d)
		}
	}
	return s, m
}()

// AllowedKeys lists the keys a filter may name for a closed dimension, or
// nil when any key may be named.
func (d *Decl) AllowedKeys() []string {
	if d.AllowUnknown {
		return append(slices.Clone(d.Closed), Unknown)
	}
	return d.Closed
}

func istatArea(c *Contact) string {
	switch c.TargetArea {
	case "ELDERLY":
		return ISTATElderly
	case "DISABILITY":
		return ISTATDisabled
	case "MINORS_FAMILIES":
		return ISTATFamilyMinors
	}
	switch {
	case c.MainNeed.Code == "HLT_ADDICTION":
		return ISTATAddiction
	case strings.HasPrefix(c.MainNeed.Code, "MIG_"):
		return ISTATImmigrants
	}
	return ISTATPovertyAdult
}

func needs(c *Contact) []Value {
	seen := map[string]bool{}
	var out []Value
	for _, n := range c.Needs {
		if !seen[n.Code] {
			seen[n.Code] = true
			out = append(out, Value{Key: n.Code, Parent: orUnknown(n.Macro)})
		}
	}
	if len(out) == 0 {
		return []Value{{Key: Unknown, Parent: Unknown}}
	}
	slices.SortFunc(out, func(a, b Value) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func needMacros(c *Contact) []Value {
	seen := map[string]bool{}
	var out []Value
	for _, n := range c.Needs {
		m := orUnknown(n.Macro)
		if !seen[m] {
			seen[m] = true
			out = append(out, Value{Key: m})
		}
	}
	if len(out) == 0 {
		return []Value{{Key: Unknown}}
	}
	slices.SortFunc(out, func(a, b Value) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func referralServices(c *Contact) []Value {
	idx := map[string]int{}
	var out []Value
	for _, r := range c.Referrals {
		i, ok := idx[r.Service]
		if !ok {
			i = len(out)
			idx[r.Service] = i
			out = append(out, Value{Key: r.Service})
		}
		out[i].Referrals++
		out[i].RefKey += r.RecordKey
		if r.Open {
			out[i].Open++
		}
	}
	if len(out) == 0 {
		return []Value{{Key: NoReferral}}
	}
	slices.SortFunc(out, func(a, b Value) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func accessType(c *Contact) string {
	switch {
	case c.Citizen == nil:
		return AccessAnonymous
	case c.First:
		return AccessFirst
	}
	return AccessReturn
}

// ageBand is the age band at the contact's local date: the erasure's copy,
// else the citizen's birth date, else (anonymous only) the birth year.
func ageBand(c *Contact) string {
	if c.ErasedAgeBand != "" {
		return c.ErasedAgeBand
	}
	if c.Citizen != nil {
		return AgeBandAt(c.Citizen.BirthDate, c.OccurredAt)
	}
	if c.AnonymousBirthYear != nil {
		return bandOf(c.OccurredAt.In(localtime.Rome).Year() - *c.AnonymousBirthYear)
	}
	return Unknown
}

// AgeBandAt is the AGE_BAND key of a citizen born on birth (a date: UTC
// midnight, as citizens store it) at a contact that occurred at at: whole
// years between the birth date and the contact's Europe/Rome local date;
// UNKNOWN without a birth date or before it.
func AgeBandAt(birth *time.Time, at time.Time) string {
	if birth == nil {
		return Unknown
	}
	b, l := birth.UTC(), at.In(localtime.Rome)
	age := l.Year() - b.Year()
	if int(l.Month())*100+l.Day() < int(b.Month())*100+b.Day() {
		age--
	}
	return bandOf(age)
}

func bandOf(age int) string {
	if age < 0 {
		return Unknown
	}
	for i, end := range ageBandEnds {
		if age < end {
			return AgeBands[i]
		}
	}
	return AgeBands[len(ageBandEnds)]
}

func macroLabels() map[string]string {
	m := map[string]string{}
	for k, v := range refdata.MacroLabelsIT {
		m[string(k)] = v
	}
	return m
}

// countryLabels names the citizenships most often met at a Lombardy desk;
// any other code is shown as it is.
var countryLabels = map[string]string{
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
