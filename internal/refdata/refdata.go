// Package refdata holds the reference data the service ships with: the
// need taxonomy of DOMAIN.md and the default catalogue of the services of
// the territory. Load writes what is missing and leaves the rest alone, so
// it can run at every start and never undoes an edit made through the API.
package refdata

import (
	"context"
	"fmt"

	"segretariato/ent"
	"segretariato/ent/needcategory"
	"segretariato/ent/schema/schematype"
	"segretariato/ent/service"
	"segretariato/internal/access"
)

// Need is a category of the default need taxonomy.
type Need struct {
	Code    string
	Macro   schematype.MacroArea
	LabelIT string
	LabelEN string
}

// Needs is the default two-level need taxonomy, in display order.
var Needs = []Need{
	{"ECO_INCOME", schematype.MacroAreaEconomic, "Reddito insufficiente", "Insufficient income"},
	{"ECO_DEBT", schematype.MacroAreaEconomic, "Debiti, morosità, utenze", "Debts, arrears, utility bills"},
	{"ECO_BENEFITS", schematype.MacroAreaEconomic, "Accesso a misure e contributi (ADI, assegno unico, bonus, ISEE)", "Access to benefits and allowances"},
	{"HOU_EVICTION", schematype.MacroAreaHousing, "Sfratto, perdita dell'alloggio", "Eviction, loss of housing"},
	{"HOU_PUBLIC", schematype.MacroAreaHousing, "Casa popolare (ERP/SAP)", "Public housing"},
	{"HOU_HOMELESS", schematype.MacroAreaHousing, "Senza dimora", "Homelessness"},
	{"WRK_UNEMPLOYED", schematype.MacroAreaWork, "Disoccupazione, ricerca lavoro", "Unemployment, job search"},
	{"WRK_TRAINING", schematype.MacroAreaWork, "Formazione e inserimento lavorativo", "Training and job placement"},
	{"CARE_HOME", schematype.MacroAreaCare, "Assistenza domiciliare", "Home care"},
	{"CARE_RESIDENTIAL", schematype.MacroAreaCare, "RSA, centri diurni", "Residential and day care"},
	{"CARE_CAREGIVER", schematype.MacroAreaCare, "Sostegno al caregiver", "Caregiver support"},
	{"HLT_MENTAL", schematype.MacroAreaHealth, "Salute mentale", "Mental health"},
	{"HLT_ADDICTION", schematype.MacroAreaHealth, "Dipendenze", "Addiction"},
	{"HLT_ACCESS", schematype.MacroAreaHealth, "Accesso ai servizi sanitari e socio-sanitari", "Access to health and social-health services"},
	{"DIS_SUPPORT", schematype.MacroAreaDisability, "Invalidità civile, L. 104, sostegni", "Disability benefits and support"},
	{"DIS_SCHOOL", schematype.MacroAreaDisability, "Inclusione scolastica", "School inclusion"},
	{"DIS_TRANSPORT", schematype.MacroAreaDisability, "Trasporto", "Transport"},
	{"FAM_PARENTING", schematype.MacroAreaFamily, "Genitorialità", "Parenting"},
	{"FAM_CONFLICT", schematype.MacroAreaFamily, "Conflitti familiari, separazioni", "Family conflict, separation"},
	{"FAM_CHILD_PROTECTION", schematype.MacroAreaFamily, "Tutela minori", "Child protection"},
	{"FAM_EDUCATION", schematype.MacroAreaFamily, "Servizi educativi e scolastici", "Educational and school services"},
	{"VIO_DOMESTIC", schematype.MacroAreaViolence, "Violenza domestica e di genere", "Domestic and gender-based violence"},
	{"MIG_DOCUMENTS", schematype.MacroAreaMigration, "Permesso di soggiorno, documenti", "Residence permit, documents"},
	{"MIG_LANGUAGE", schematype.MacroAreaMigration, "Lingua e integrazione", "Language and integration"},
	{"REL_LONELINESS", schematype.MacroAreaRelational, "Solitudine, isolamento", "Loneliness, isolation"},
	{"ADM_PAPERWORK", schematype.MacroAreaAdmin, "Pratiche e modulistica", "Paperwork and forms"},
	{"ADM_LEGAL", schematype.MacroAreaAdmin, "Amministratore di sostegno, questioni legali", "Legal guardianship, legal matters"},
	{"ADM_INFO", schematype.MacroAreaAdmin, "Informazioni generiche", "General information"},
}

// MacroLabelsIT are the Italian names of the macro areas.
var MacroLabelsIT = map[schematype.MacroArea]string{
	schematype.MacroAreaEconomic:   "Difficoltà economiche",
	schematype.MacroAreaHousing:    "Abitazione",
	schematype.MacroAreaWork:       "Lavoro",
	schematype.MacroAreaCare:       "Cura e non autosufficienza",
	schematype.MacroAreaHealth:     "Salute",
	schematype.MacroAreaDisability: "Disabilità",
	schematype.MacroAreaFamily:     "Famiglia e minori",
	schematype.MacroAreaViolence:   "Violenza",
	schematype.MacroAreaMigration:  "Immigrazione",
	schematype.MacroAreaRelational: "Relazioni",
	schematype.MacroAreaAdmin:      "Pratiche e informazioni",
}

// Service is a service of the default catalogue.
type Service struct {
	Code     string
	Name     string
	Provider schematype.Provider
	Kind     schematype.ServiceKind
	Areas    []schematype.TargetArea
	Internal bool
}

// InternalServiceCode is the municipality's own professional social service
// (Scheda 3): the target of an internal referral.
const InternalServiceCode = "SSP"

var (
	all     = []schematype.TargetArea{schematype.TargetAreaAdults, schematype.TargetAreaElderly, schematype.TargetAreaDisability, schematype.TargetAreaMinorsFamilies}
	adults  = []schematype.TargetArea{schematype.TargetAreaAdults}
	elderly = []schematype.TargetArea{schematype.TargetAreaElderly}
	disab   = []schematype.TargetArea{schematype.TargetAreaDisability}
	minors  = []schematype.TargetArea{schematype.TargetAreaMinorsFamilies}
)

// Services is the default catalogue of the services of the territory.
var Services = []Service{
	{"SSP", "Servizio sociale professionale (Scheda 3)", schematype.ProviderComune, schematype.ServiceKindSocioAssistenziale, all, true},
	{"SAD", "Servizio di assistenza domiciliare", schematype.ProviderComune, schematype.ServiceKindSocioAssistenziale, []schematype.TargetArea{schematype.TargetAreaElderly, schematype.TargetAreaDisability}, false},
	{"PASTI", "Pasti a domicilio", schematype.ProviderComune, schematype.ServiceKindSocioAssistenziale, []schematype.TargetArea{schematype.TargetAreaElderly, schematype.TargetAreaDisability}, false},
	{"TRASPORTO", "Trasporto sociale", schematype.ProviderComune, schematype.ServiceKindSocioAssistenziale, []schematype.TargetArea{schematype.TargetAreaElderly, schematype.TargetAreaDisability}, false},
	{"CDI", "Centro diurno integrato", schematype.ProviderASST, schematype.ServiceKindSocioSanitario, elderly, false},
	{"CDD", "Centro diurno disabili", schematype.ProviderASST, schematype.ServiceKindSocioSanitario, disab, false},
	{"RSA", "Residenza sanitaria assistenziale", schematype.ProviderASST, schematype.ServiceKindSocioSanitario, elderly, false},
	{"CPS", "Centro psico-sociale", schematype.ProviderASST, schematype.ServiceKindSocioSanitario, adults, false},
	{"SERD", "Servizio dipendenze", schematype.ProviderASST, schematype.ServiceKindSocioSanitario, adults, false},
	{"NPIA", "Neuropsichiatria dell'infanzia e dell'adolescenza", schematype.ProviderASST, schematype.ServiceKindSocioSanitario, []schematype.TargetArea{schematype.TargetAreaMinorsFamilies, schematype.TargetAreaDisability}, false},
	{"CONSULTORIO", "Consultorio familiare", schematype.ProviderASST, schematype.ServiceKindSocioSanitario, minors, false},
	{"CPI", "Centro per l'impiego", schematype.ProviderOtherPublic, schematype.ServiceKindSocioEducativo, adults, false},
	{"CAV", "Centro antiviolenza", schematype.ProviderThirdSector, schematype.ServiceKindSocioAssistenziale, []schematype.TargetArea{schematype.TargetAreaAdults, schematype.TargetAreaMinorsFamilies}, false},
	{"CARITAS", "Caritas - centro di ascolto", schematype.ProviderThirdSector, schematype.ServiceKindSocioAssistenziale, all, false},
	{"CAF", "Centro di assistenza fiscale", schematype.ProviderThirdSector, schematype.ServiceKindSocioAssistenziale, all, false},
	{"ALER", "ALER - case popolari", schematype.ProviderOtherPublic, schematype.ServiceKindSocioAssistenziale, adults, false},
	{"SCUOLA", "Servizi scolastici", schematype.ProviderComune, schematype.ServiceKindSocioEducativo, minors, false},
}

// Load writes the default need categories and services that are not in
// the database yet, matched by code. Existing rows, edited or deactivated
// through the API, are left as they are. It returns how many rows it
// created, or the first database error.
func Load(ctx context.Context, client *ent.Client) (int, error) {
	ctx = access.System(ctx)
	created := 0
	haveNeeds, err := client.NeedCategory.Query().Select(needcategory.FieldCode).Strings(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading need categories: %w", err)
	}
	have := toSet(haveNeeds)
	var needs []*ent.NeedCategoryCreate
	for i, n := range Needs {
		if have[n.Code] {
			continue
		}
		needs = append(needs, client.NeedCategory.Create().
			SetCode(n.Code).SetMacroArea(n.Macro).SetLabelIt(n.LabelIT).SetLabelEn(n.LabelEN).SetPosition(i+1))
	}
	if len(needs) > 0 {
		if err := client.NeedCategory.CreateBulk(needs...).Exec(ctx); err != nil {
			return 0, fmt.Errorf("creating need categories: %w", err)
		}
		created += len(needs)
	}
	haveServices, err := client.Service.Query().Select(service.FieldCode).Strings(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading services: %w", err)
	}
	have = toSet(haveServices)
	var services []*ent.ServiceCreate
	for _, s := range Services {
		if have[s.Code] {
			continue
		}
		services = append(services, client.Service.Create().
			SetCode(s.Code).SetName(s.Name).SetProvider(s.Provider).SetKind(s.Kind).
			SetTargetAreas(s.Areas).SetInternal(s.Internal))
	}
	if len(services) > 0 {
		if err := client.Service.CreateBulk(services...).Exec(ctx); err != nil {
			return 0, fmt.Errorf("creating services: %w", err)
		}
		created += len(services)
	}
	return created, nil
}

func toSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
