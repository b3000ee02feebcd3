package analytics

import (
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Dimension is a way to group (and filter) contacts. Its keys are the
// stable codes listed with each constant; a contact with no value for the
// dimension has the key Unknown.
type Dimension string

const (
	// DimPeriod is the contact's local period (Europe/Rome) in the answer's
	// PeriodUnit: "2025-W09", "2025-03", "2025-Q1", "2025".
	DimPeriod Dimension = "PERIOD"
	// DimTargetArea is the seed's user area: ADULTS, ELDERLY, DISABILITY,
	// MINORS_FAMILIES.
	DimTargetArea Dimension = "TARGET_AREA"
	// DimISTATArea is the ISTAT (SIUSS) user area derived from the target
	// area and the main need: see ISTAT* constants.
	DimISTATArea Dimension = "ISTAT_AREA"
	// DimNeed is a need category code; a contact counts once in each of its
	// needs, so the cells may add up to more than the total.
	DimNeed Dimension = "NEED"
	// DimMainNeed is the code of the contact's main (first) need.
	DimMainNeed Dimension = "MAIN_NEED"
	// DimNeedMacro is a macro area of the contact's needs; a contact counts
	// once in each distinct macro area of its needs.
	DimNeedMacro Dimension = "NEED_MACRO"
	// DimAgeBand is the age band at the contact's local date: 0-17, 18-29,
	// 30-44, 45-64, 65-74, 75-84, 85+, UNKNOWN.
	DimAgeBand Dimension = "AGE_BAND"
	// DimSex is the citizen's sex, else the anonymous contact's: F, M, X,
	// UNKNOWN.
	DimSex Dimension = "SEX"
	// DimCitizenship is the citizen's ISO 3166-1 alpha-2 citizenship.
	DimCitizenship Dimension = "CITIZENSHIP"
	// DimDistrict is the citizen's district as displayed: the most frequent
	// spelling among the citizens of that district (spellings that differ
	// only in letter case and spaces are one district).
	DimDistrict Dimension = "DISTRICT"
	// DimChannel is the contact's channel.
	DimChannel Dimension = "CHANNEL"
	// DimRequester is who came to the desk.
	DimRequester Dimension = "REQUESTER"
	// DimOutcome is how the contact ended.
	DimOutcome Dimension = "OUTCOME"
	// DimOperator is the e-mail of the operator who held the contact.
	DimOperator Dimension = "OPERATOR"
	// DimReferralService is the code of the service of each of the
	// contact's referrals (a contact counts once per service it was
	// referred to); a contact without referral has the key NoReferral.
	DimReferralService Dimension = "REFERRAL_SERVICE"
	// DimAccessType says whether the contact is the citizen's first ever
	// contact (FIRST), a later one (RETURN), or anonymous (ANONYMOUS).
	DimAccessType Dimension = "ACCESS_TYPE"
)

// Values lists the dimensions.
func (Dimension) Values() []string {
	return []string{
		"PERIOD", "TARGET_AREA", "ISTAT_AREA", "NEED", "MAIN_NEED", "NEED_MACRO",
		"AGE_BAND", "SEX", "CITIZENSHIP", "DISTRICT", "CHANNEL", "REQUESTER",
		"OUTCOME", "OPERATOR", "REFERRAL_SERVICE", "ACCESS_TYPE",
	}
}

// Valid reports whether d is a known dimension.
func (d Dimension) Valid() bool { return slices.Contains(d.Values(), string(d)) }

// multiValued reports whether a contact may fall in several keys of the
// dimension (so that the cells do not partition the total).
func (d Dimension) multiValued() bool {
	return d == DimNeed || d == DimNeedMacro || d == DimReferralService
}

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

// PeriodUnit is the length of the PERIOD dimension's buckets.
type PeriodUnit string

const (
	// Week keys are ISO weeks by ISO week-year: 29 December 2025 is 2026-W01.
	Week PeriodUnit = "WEEK"
	// Month keys look like 2025-03.
	Month PeriodUnit = "MONTH"
	// Quarter keys look like 2025-Q1.
	Quarter PeriodUnit = "QUARTER"
	// Year keys look like 2025.
	Year PeriodUnit = "YEAR"
)

// Values lists the period units.
func (PeriodUnit) Values() []string { return []string{"WEEK", "MONTH", "QUARTER", "YEAR"} }

// Valid reports whether p is a known unit.
func (p PeriodUnit) Valid() bool { return slices.Contains(p.Values(), string(p)) }

// MarshalGQL writes the unit as a GraphQL enum.
func (p PeriodUnit) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(p))) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown unit.
func (p *PeriodUnit) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !PeriodUnit(s).Valid() {
		return fmt.Errorf("not a valid PeriodUnit")
	}
	*p = PeriodUnit(s)
	return nil
}

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

// Access types (DimAccessType keys).
const (
	AccessFirst     = "FIRST"
	AccessReturn    = "RETURN"
	AccessAnonymous = "ANONYMOUS"
)

// AgeBands are the AGE_BAND keys in display order (UNKNOWN last).
var AgeBands = []string{"0-17", "18-29", "30-44", "45-64", "65-74", "75-84", "85+", Unknown}

// ageBandEnds are the ages at which the bands of AgeBands end: band i holds
// the ages below ageBandEnds[i] (and from the previous end); the band after
// the last end is open. Both AgeBandAt and the SQL of AGE_BAND read it.
var ageBandEnds = []int{18, 30, 45, 65, 75, 85}
