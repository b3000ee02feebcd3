package demo

import (
	"strings"

	"segretariato/ent/schema/schematype"
)

// areaNeeds are the need categories met in each target area, with their
// relative frequency as a main need.
var areaNeeds = map[schematype.TargetArea][]weighted[string]{
	schematype.TargetAreaAdults: {
		{"ECO_INCOME", 14}, {"ECO_DEBT", 9}, {"ECO_BENEFITS", 10}, {"HOU_EVICTION", 7},
		{"HOU_PUBLIC", 8}, {"HOU_HOMELESS", 3}, {"WRK_UNEMPLOYED", 12}, {"WRK_TRAINING", 4},
		{"HLT_MENTAL", 5}, {"HLT_ADDICTION", 3}, {"HLT_ACCESS", 3}, {"VIO_DOMESTIC", 3},
		{"MIG_DOCUMENTS", 4}, {"MIG_LANGUAGE", 2}, {"REL_LONELINESS", 2}, {"ADM_PAPERWORK", 5},
		{"ADM_LEGAL", 2}, {"ADM_INFO", 4},
	},
	schematype.TargetAreaElderly: {
		{"CARE_HOME", 20}, {"CARE_RESIDENTIAL", 12}, {"CARE_CAREGIVER", 8}, {"HLT_ACCESS", 12},
		{"REL_LONELINESS", 9}, {"ECO_BENEFITS", 8}, {"ECO_INCOME", 4}, {"ECO_DEBT", 2},
		{"HOU_PUBLIC", 3}, {"DIS_SUPPORT", 6}, {"DIS_TRANSPORT", 5}, {"ADM_LEGAL", 6},
		{"ADM_PAPERWORK", 5}, {"ADM_INFO", 3},
	},
	schematype.TargetAreaDisability: {
		{"DIS_SUPPORT", 22}, {"DIS_SCHOOL", 8}, {"DIS_TRANSPORT", 12}, {"CARE_HOME", 10},
		{"CARE_CAREGIVER", 9}, {"CARE_RESIDENTIAL", 5}, {"ECO_BENEFITS", 9}, {"HLT_ACCESS", 7},
		{"HLT_MENTAL", 4}, {"WRK_TRAINING", 4}, {"ADM_LEGAL", 6}, {"ADM_PAPERWORK", 4},
	},
	schematype.TargetAreaMinorsFamilies: {
		{"FAM_PARENTING", 14}, {"FAM_CONFLICT", 12}, {"FAM_CHILD_PROTECTION", 6},
		{"FAM_EDUCATION", 12}, {"ECO_BENEFITS", 12}, {"ECO_INCOME", 8}, {"ECO_DEBT", 3},
		{"HOU_EVICTION", 5}, {"HOU_PUBLIC", 4}, {"VIO_DOMESTIC", 4}, {"DIS_SCHOOL", 4},
		{"MIG_LANGUAGE", 3}, {"MIG_DOCUMENTS", 2}, {"HLT_MENTAL", 2}, {"ADM_INFO", 3},
	},
}

// urgentNeeds are the main needs of a pronto intervento.
var urgentNeeds = map[string]bool{
	"HOU_HOMELESS": true, "VIO_DOMESTIC": true, "HLT_MENTAL": true, "HOU_EVICTION": true,
	"CARE_HOME": true, "CARE_RESIDENTIAL": true, "FAM_CHILD_PROTECTION": true,
}

// notCompetentNeeds are the requests that are not the desk's remit
// (pensions, tax, private legal matters).
var notCompetentNeeds = map[string]bool{
	"ADM_INFO": true, "ADM_LEGAL": true, "ADM_PAPERWORK": true, "ECO_BENEFITS": true, "ECO_DEBT": true,
}

// person is what the generator knows of the person a contact is about.
type person struct {
	age     int // -1: unknown
	sex     schematype.Sex
	known   bool // an identified citizen
	foreign bool
}

// needFactor adjusts a need's weight to the person.
func needFactor(code string, area schematype.TargetArea, p person) float64 {
	f := 1.0
	switch {
	case strings.HasPrefix(code, "MIG_"):
		switch {
		case !p.known:
			f = 0.5
		case p.foreign:
			f = 2.5
		default:
			f = 0
		}
	case code == "VIO_DOMESTIC" && p.sex == schematype.SexM:
		f = 0.15
	case code == "DIS_SCHOOL" && p.age >= 18 && area == schematype.TargetAreaDisability:
		f = 0
	case code == "DIS_SCHOOL" && p.age >= 0 && p.age < 18:
		f = 3
	case strings.HasPrefix(code, "WRK_") && p.age >= 0 && (p.age < 16 || p.age >= 67):
		f = 0
	case code == "CARE_RESIDENTIAL" && p.age >= 0 && p.age < 18:
		f = 0
	case (strings.HasPrefix(code, "ECO_") || strings.HasPrefix(code, "HOU_")) && p.age >= 0 && p.age < 18:
		f = 0.3
	}
	return f
}

// serviceChoices returns the services of the territory that fit a need in
// a target area: where an external referral goes, and what the desk
// informs about.
func serviceChoices(need string, area schematype.TargetArea) []weighted[string] {
	elderly := area == schematype.TargetAreaElderly
	disab := area == schematype.TargetAreaDisability
	minors := area == schematype.TargetAreaMinorsFamilies
	switch need {
	case "WRK_UNEMPLOYED", "WRK_TRAINING":
		return []weighted[string]{{"CPI", 1}}
	case "HLT_ADDICTION":
		return []weighted[string]{{"SERD", 1}}
	case "HLT_MENTAL":
		if minors {
			return []weighted[string]{{"NPIA", 1}}
		}
		return []weighted[string]{{"CPS", 1}}
	case "VIO_DOMESTIC":
		return []weighted[string]{{"CAV", 1}}
	case "CARE_HOME":
		return []weighted[string]{{"SAD", 6}, {"PASTI", 4}}
	case "CARE_RESIDENTIAL":
		if disab {
			return []weighted[string]{{"CDD", 1}}
		}
		return []weighted[string]{{"RSA", 5}, {"CDI", 5}}
	case "CARE_CAREGIVER":
		if disab {
			return []weighted[string]{{"CDD", 5}, {"SAD", 5}}
		}
		return []weighted[string]{{"CDI", 5}, {"SAD", 5}}
	case "DIS_SUPPORT":
		if minors {
			return []weighted[string]{{"NPIA", 5}, {"CAF", 5}}
		}
		if disab {
			return []weighted[string]{{"CDD", 4}, {"CAF", 6}}
		}
		return []weighted[string]{{"CAF", 1}}
	case "DIS_SCHOOL":
		return []weighted[string]{{"SCUOLA", 6}, {"NPIA", 4}}
	case "DIS_TRANSPORT":
		return []weighted[string]{{"TRASPORTO", 1}}
	case "FAM_PARENTING", "FAM_CONFLICT":
		return []weighted[string]{{"CONSULTORIO", 1}}
	case "FAM_CHILD_PROTECTION":
		return []weighted[string]{{"CONSULTORIO", 5}, {"NPIA", 5}}
	case "FAM_EDUCATION":
		return []weighted[string]{{"SCUOLA", 1}}
	case "ECO_INCOME", "ECO_DEBT", "HOU_HOMELESS", "MIG_DOCUMENTS", "MIG_LANGUAGE":
		return []weighted[string]{{"CARITAS", 1}}
	case "ECO_BENEFITS", "ADM_PAPERWORK", "ADM_LEGAL", "ADM_INFO":
		return []weighted[string]{{"CAF", 1}}
	case "HOU_PUBLIC":
		return []weighted[string]{{"ALER", 1}}
	case "HOU_EVICTION":
		return []weighted[string]{{"ALER", 5}, {"CARITAS", 5}}
	case "REL_LONELINESS":
		if elderly {
			return []weighted[string]{{"CDI", 4}, {"CARITAS", 6}}
		}
		return []weighted[string]{{"CARITAS", 1}}
	case "HLT_ACCESS":
		switch {
		case elderly:
			return []weighted[string]{{"CDI", 1}}
		case disab:
			return []weighted[string]{{"CDD", 1}}
		case minors:
			return []weighted[string]{{"CONSULTORIO", 1}}
		}
		return []weighted[string]{{"CARITAS", 1}}
	}
	return []weighted[string]{{"CAF", 1}}
}

// noteTemplates are short intake notes by macro area of the main need.
// They are invented, generic and carry no personal data.
var noteTemplates = map[string][]string{
	"ECO": {
		"Richiesta di informazioni sull'Assegno di inclusione; indicato il CAF per l'ISEE.",
		"Arretrati nelle utenze di casa; orientata al fondo comunale per le utenze.",
		"Reddito insufficiente dopo la perdita del lavoro del coniuge.",
		"Chiede come presentare domanda per il bonus affitto.",
	},
	"HOU": {
		"Sfratto per morosità con udienza fissata; situazione da monitorare.",
		"Domanda per alloggio SAP: consegnato il calendario dei bandi.",
		"Segnalazione del volontariato: persona senza dimora, contattato il dormitorio.",
	},
	"WRK": {
		"In cerca di lavoro da alcuni mesi; indicati il CPI e i corsi di formazione.",
		"Interesse per un tirocinio di inclusione.",
	},
	"CARE": {
		"La figlia chiede informazioni sull'assistenza domiciliare per la madre.",
		"Valutazione di un inserimento in RSA; consegnato l'elenco delle strutture.",
		"Caregiver affaticato; informato sulle misure B2 e sui ricoveri di sollievo.",
		"Richiesta pasti a domicilio dopo una dimissione ospedaliera.",
	},
	"HLT": {
		"Difficoltà a prenotare visite specialistiche; spiegate le modalità.",
		"Familiare preoccupato per una situazione di dipendenza; fornito il contatto del SerD.",
		"Segnalata fragilità psicologica; proposto il contatto con il CPS.",
	},
	"DIS": {
		"Informazioni per la domanda di invalidità civile e L. 104.",
		"Necessità di trasporto per le terapie; informato sul trasporto sociale.",
		"Richiesta di assistente educativo scolastico per il prossimo anno.",
	},
	"FAM": {
		"Genitori separati in conflitto sulla gestione dei figli.",
		"Informazioni su centri estivi e agevolazioni per la mensa scolastica.",
		"Madre sola con due figli piccoli chiede un sostegno.",
		"Segnalazione della scuola; concordato un colloquio con i genitori.",
	},
	"VIO": {
		"Colloquio riservato; forniti il contatto del centro antiviolenza e il numero 1522.",
	},
	"MIG": {
		"Rinnovo del permesso di soggiorno; indicati gli sportelli di riferimento.",
		"Interesse per i corsi di italiano per adulti del CPIA.",
	},
	"REL": {
		"Persona anziana sola, pochi contatti con la rete familiare.",
		"Isolamento segnalato dal vicinato; proposta una visita domiciliare.",
	},
	"ADM": {
		"Aiuto nella compilazione della modulistica.",
		"Informazioni sulla nomina dell'amministratore di sostegno.",
		"Richiesta di informazioni generiche sui servizi del Comune.",
	},
}

var outcomeNotes = map[schematype.Outcome]string{
	schematype.OutcomeFollowUp:           "Da ricontattare entro la settimana.",
	schematype.OutcomeUrgentIntervention: "Situazione urgente: attivato il pronto intervento sociale.",
	schematype.OutcomeNotCompetent:       "Richiesta non di competenza del servizio; indicato l'ufficio competente.",
}
