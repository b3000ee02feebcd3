// Package schematype holds the domain's enumerations, shared by the ent
// schema, the GraphQL API, the CSV format and the analytics.
//
// Each enumeration is a string type with its values as constants, a Values
// method (which ent uses for the database enum) and the GraphQL marshalling
// gqlgen binds to. The Italian labels are the ones the charter and the
// dashboard use.
package schematype

import (
	"fmt"
	"io"
	"slices"
	"strconv"
)

// TargetArea is the seed's user area (Adulti, Anziani, Disabili, Minori e Famiglie).
type TargetArea string

const (
	TargetAreaAdults         TargetArea = "ADULTS"
	TargetAreaElderly        TargetArea = "ELDERLY"
	TargetAreaDisability     TargetArea = "DISABILITY"
	TargetAreaMinorsFamilies TargetArea = "MINORS_FAMILIES"
)

// Channel is how the contact happened.
type Channel string

const (
	ChannelInPerson  Channel = "IN_PERSON"
	ChannelPhone     Channel = "PHONE"
	ChannelEmail     Channel = "EMAIL"
	ChannelHomeVisit Channel = "HOME_VISIT"
	ChannelOther     Channel = "OTHER"
)

// Requester is who came to the desk: often not the person concerned.
type Requester string

const (
	RequesterSelf         Requester = "SELF"
	RequesterFamilyMember Requester = "FAMILY_MEMBER"
	RequesterOtherService Requester = "OTHER_SERVICE"
	RequesterVolunteerOrg Requester = "VOLUNTEER_ORG"
	RequesterOther        Requester = "OTHER"
)

// Response is what the desk gave.
type Response string

const (
	ResponseInformation Response = "INFORMATION"
	ResponseOrientation Response = "ORIENTATION"
	ResponseMaterials   Response = "MATERIALS"
	ResponseForms       Response = "FORMS"
)

// Outcome is how the contact ended.
type Outcome string

const (
	OutcomeInformed           Outcome = "INFORMED"
	OutcomeReferredInternal   Outcome = "REFERRED_INTERNAL"
	OutcomeReferredExternal   Outcome = "REFERRED_EXTERNAL"
	OutcomeFollowUp           Outcome = "FOLLOW_UP"
	OutcomeUrgentIntervention Outcome = "URGENT_INTERVENTION"
	OutcomeNotCompetent       Outcome = "NOT_COMPETENT"
)

// IsReferral reports whether the outcome sends the citizen on to a service.
func (o Outcome) IsReferral() bool {
	return o == OutcomeReferredInternal || o == OutcomeReferredExternal
}

// ReferralStatus is a referral's state: PROPOSED → ACCEPTED or DECLINED,
// ACCEPTED → COMPLETED, and any open state → CANCELLED.
type ReferralStatus string

const (
	ReferralStatusProposed  ReferralStatus = "PROPOSED"
	ReferralStatusAccepted  ReferralStatus = "ACCEPTED"
	ReferralStatusDeclined  ReferralStatus = "DECLINED"
	ReferralStatusCompleted ReferralStatus = "COMPLETED"
	ReferralStatusCancelled ReferralStatus = "CANCELLED"
)

// FailureReason says why a completed referral did not succeed.
type FailureReason string

const (
	FailureReasonClientRefused      FailureReason = "CLIENT_REFUSED"
	FailureReasonNoCapacity         FailureReason = "NO_CAPACITY"
	FailureReasonNoLongerNeeded     FailureReason = "NO_LONGER_NEEDED"
	FailureReasonClientUnreachable  FailureReason = "CLIENT_UNREACHABLE"
	FailureReasonServiceUnreachable FailureReason = "SERVICE_UNREACHABLE"
	FailureReasonOther              FailureReason = "OTHER"
)

// Role is an operator's role.
type Role string

const (
	RoleSocialWorker Role = "SOCIAL_WORKER"
	RoleCoordinator  Role = "COORDINATOR"
	RoleAnalyst      Role = "ANALYST"
	RoleAdmin        Role = "ADMIN"
)

// Sex as written in the fiscal code (F, M), or X.
type Sex string

const (
	SexF Sex = "F"
	SexM Sex = "M"
	SexX Sex = "X"
)

// MacroArea is the first level of the need taxonomy.
type MacroArea string

const (
	MacroAreaEconomic   MacroArea = "ECONOMIC"
	MacroAreaHousing    MacroArea = "HOUSING"
	MacroAreaWork       MacroArea = "WORK"
	MacroAreaCare       MacroArea = "CARE"
	MacroAreaHealth     MacroArea = "HEALTH"
	MacroAreaDisability MacroArea = "DISABILITY"
	MacroAreaFamily     MacroArea = "FAMILY"
	MacroAreaViolence   MacroArea = "VIOLENCE"
	MacroAreaMigration  MacroArea = "MIGRATION"
	MacroAreaRelational MacroArea = "RELATIONAL"
	MacroAreaAdmin      MacroArea = "ADMIN"
)

// ServiceKind is the kind of intervention a service of the territory gives.
type ServiceKind string

const (
	ServiceKindSocioAssistenziale ServiceKind = "SOCIO_ASSISTENZIALE"
	ServiceKindSocioEducativo     ServiceKind = "SOCIO_EDUCATIVO"
	ServiceKindSocioSanitario     ServiceKind = "SOCIO_SANITARIO"
)

// Provider is who runs a service.
type Provider string

const (
	ProviderComune      Provider = "COMUNE"
	ProviderASST        Provider = "ASST_ATS"
	ProviderThirdSector Provider = "THIRD_SECTOR"
	ProviderOtherPublic Provider = "OTHER_PUBLIC"
)

// Medium is where the opening hours were published.
type Medium string

const (
	MediumPeriodical Medium = "PERIODICAL"
	MediumWebsite    Medium = "WEBSITE"
	MediumOther      Medium = "OTHER"
)

// Values lists the enumeration's values; ent uses it for the database enum.
func (TargetArea) Values() []string {
	return []string{"ADULTS", "ELDERLY", "DISABILITY", "MINORS_FAMILIES"}
}

// Values lists the enumeration's values.
func (Channel) Values() []string {
	return []string{"IN_PERSON", "PHONE", "EMAIL", "HOME_VISIT", "OTHER"}
}

// Values lists the enumeration's values.
func (Requester) Values() []string {
	return []string{"SELF", "FAMILY_MEMBER", "OTHER_SERVICE", "VOLUNTEER_ORG", "OTHER"}
}

// Values lists the enumeration's values.
func (Response) Values() []string {
	return []string{"INFORMATION", "ORIENTATION", "MATERIALS", "FORMS"}
}

// Values lists the enumeration's values.
func (Outcome) Values() []string {
	return []string{"INFORMED", "REFERRED_INTERNAL", "REFERRED_EXTERNAL", "FOLLOW_UP", "URGENT_INTERVENTION", "NOT_COMPETENT"}
}

// Values lists the enumeration's values.
func (ReferralStatus) Values() []string {
	return []string{"PROPOSED", "ACCEPTED", "DECLINED", "COMPLETED", "CANCELLED"}
}

// Values lists the enumeration's values.
func (FailureReason) Values() []string {
	return []string{"CLIENT_REFUSED", "NO_CAPACITY", "NO_LONGER_NEEDED", "CLIENT_UNREACHABLE", "SERVICE_UNREACHABLE", "OTHER"}
}

// Values lists the enumeration's values.
func (Role) Values() []string {
	return []string{"SOCIAL_WORKER", "COORDINATOR", "ANALYST", "ADMIN"}
}

// Values lists the enumeration's values.
func (Sex) Values() []string { return []string{"F", "M", "X"} }

// Values lists the enumeration's values.
func (MacroArea) Values() []string {
	return []string{"ECONOMIC", "HOUSING", "WORK", "CARE", "HEALTH", "DISABILITY", "FAMILY", "VIOLENCE", "MIGRATION", "RELATIONAL", "ADMIN"}
}

// Values lists the enumeration's values.
func (ServiceKind) Values() []string {
	return []string{"SOCIO_ASSISTENZIALE", "SOCIO_EDUCATIVO", "SOCIO_SANITARIO"}
}

// Values lists the enumeration's values.
func (Provider) Values() []string {
	return []string{"COMUNE", "ASST_ATS", "THIRD_SECTOR", "OTHER_PUBLIC"}
}

// Values lists the enumeration's values.
func (Medium) Values() []string { return []string{"PERIODICAL", "WEBSITE", "OTHER"} }

// Valid reports whether v is one of the values of its enumeration.
func Valid[T interface {
	~string
	Values() []string
}](v T) bool {
	return slices.Contains(v.Values(), string(v))
}

// Parse converts s to the enumeration T, or returns an error naming the
// enumeration (never the value, which may come from a user's file).
func Parse[T interface {
	~string
	Values() []string
}](s string) (T, error) {
	v := T(s)
	if !Valid(v) {
		var zero T
		return zero, fmt.Errorf("not a valid %T", zero)
	}
	return v, nil
}

func unmarshal[T interface {
	~string
	Values() []string
}](dst *T, v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("enums must be strings")
	}
	p, err := Parse[T](s)
	if err != nil {
		return err
	}
	*dst = p
	return nil
}

func marshal(w io.Writer, s string) { _, _ = io.WriteString(w, strconv.Quote(s)) }
