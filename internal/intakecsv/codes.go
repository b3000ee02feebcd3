package intakecsv

import "strings"

// Column names, in the canonical order the Writer uses.
const (
	ColContactRef      = "contact_ref"
	ColOccurredAt      = "occurred_at"
	ColChannel         = "channel"
	ColOperatorEmail   = "operator_email"
	ColFiscalCode      = "fiscal_code"
	ColFirstName       = "first_name"
	ColLastName        = "last_name"
	ColBirthDate       = "birth_date"
	ColSex             = "sex"
	ColBirthYear       = "birth_year"
	ColCitizenship     = "citizenship"
	ColDistrict        = "district"
	ColRequester       = "requester"
	ColTargetArea      = "target_area"
	ColNeeds           = "needs"
	ColResponses       = "responses"
	ColOutcome         = "outcome"
	ColReferralService = "referral_service"
	ColReferralStatus  = "referral_status"
	ColInformedAbout   = "informed_about"
	ColDuration        = "duration_minutes"
	ColNotes           = "notes"
)

var columns = []string{
	ColContactRef, ColOccurredAt, ColChannel, ColOperatorEmail, ColFiscalCode,
	ColFirstName, ColLastName, ColBirthDate, ColSex, ColBirthYear, ColCitizenship,
	ColDistrict, ColRequester, ColTargetArea, ColNeeds, ColResponses, ColOutcome,
	ColReferralService, ColReferralStatus, ColInformedAbout, ColDuration, ColNotes,
}

// columnIndex is the position of each column in columns.
var columnIndex = func() map[string]int {
	m := make(map[string]int, len(columns))
	for i, c := range columns {
		m[c] = i
	}
	return m
}()

var requiredColumns = []string{
	ColContactRef, ColOccurredAt, ColChannel, ColOperatorEmail,
	ColRequester, ColTargetArea, ColNeeds, ColResponses, ColOutcome,
}

// Columns returns every column name in canonical order (a new slice).
func Columns() []string { return append([]string(nil), columns...) }

// RequiredColumns returns the columns a header must have (a new slice).
func RequiredColumns() []string { return append([]string(nil), requiredColumns...) }

// Outcomes that create a referral and so need referral_service.
const (
	OutcomeReferredInternal = "REFERRED_INTERNAL"
	OutcomeReferredExternal = "REFERRED_EXTERNAL"
)

// ListSeparator separates the codes of a list cell (needs, responses,
// referral_service, referral_status, informed_about).
const ListSeparator = "|"

// DefaultReferralStatus is the status of every referral of a row whose
// referral_status cell is empty.
const DefaultReferralStatus = "PROPOSED"

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

var (
	channels         = set("IN_PERSON PHONE EMAIL HOME_VISIT OTHER")
	requesters       = set("SELF FAMILY_MEMBER OTHER_SERVICE VOLUNTEER_ORG OTHER")
	targetAreas      = set("ADULTS ELDERLY DISABILITY MINORS_FAMILIES")
	outcomes         = set("INFORMED REFERRED_INTERNAL REFERRED_EXTERNAL FOLLOW_UP URGENT_INTERVENTION NOT_COMPETENT")
	responses        = set("INFORMATION ORIENTATION MATERIALS FORMS")
	referralStatuses = set("PROPOSED ACCEPTED DECLINED COMPLETED CANCELLED")
	sexes            = set("F M X")
)

// countries holds the officially assigned ISO 3166-1 alpha-2 codes (from the
// tz database's iso3166.tab, 249 codes) plus XK, the code the EU and Italian
// registries use for Kosovo.
var countries = set(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL
BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK
DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY
MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU
RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK`)
