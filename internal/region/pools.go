package region

// The pools below are invented combinations of common names and places:
// no row describes a real person.

var (
	femaleNames = []string{"Maria", "Anna", "Giulia", "Francesca", "Sara", "Chiara", "Paola", "Elena", "Laura", "Silvia",
		"Roberta", "Giovanna", "Rosa", "Angela", "Teresa", "Lucia", "Carla", "Marta", "Alessia", "Valentina"}
	maleNames = []string{"Giuseppe", "Giovanni", "Antonio", "Mario", "Luigi", "Francesco", "Marco", "Paolo", "Luca", "Andrea",
		"Roberto", "Stefano", "Alberto", "Davide", "Matteo", "Franco", "Carlo", "Sergio", "Pietro", "Enrico"}
	surnames = []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
		"Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
		"Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone",
		"Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti",
		"Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini",
		"Brambilla", "Fumagalli", "Cattaneo", "Radaelli", "Mapelli", "Ferrario", "Pirovano", "Sala", "Galbiati", "Riva"}
	foreignNames    = []string{"Fatima", "Ahmed", "Ion", "Elena", "Mohamed", "Aisha", "Olena", "Arben", "Rosa", "Wei", "Mamadou", "Maricel", "Rahul", "Karim"}
	foreignSurnames = []string{"El Amrani", "Popescu", "Hoxha", "Kovalenko", "Quispe", "Hassan", "Chen", "Diop", "Santos", "Singh", "Rahman", "Ben Ali", "Ionescu", "Benali"}
	// countries are the non-Italian citizenships, with the Belfiore code
	// of the country of birth.
	countries = []struct{ code, belfiore string }{
		{"MA", "Z330"}, {"RO", "Z129"}, {"AL", "Z100"}, {"UA", "Z138"}, {"PE", "Z611"}, {"EG", "Z336"},
		{"CN", "Z210"}, {"SN", "Z343"}, {"PH", "Z216"}, {"IN", "Z222"}, {"BD", "Z249"}, {"TN", "Z352"},
	}
	// italianPlaces are Belfiore codes of Italian municipalities of birth.
	italianPlaces = []string{"F205", "F205", "F205", "M052", "A794", "B157", "L219", "F839", "H501", "G273", "A662", "C351"}
	// municipalities and quarters make the region's districts.
	municipalities = []string{"Vimercate", "Arcore", "Usmate Velate", "Concorezzo", "Agrate Brianza", "Bernareggio",
		"Carnate", "Sulbiate", "Ornago", "Burago di Molgora"}
	quarters = []string{"Centro", "Oreno", "Ruginello", "Velasca", "Stazione", "Cascina Rossa", "Molino", "Parco",
		"Castello", "San Maurizio", "Borgo", "Chiesa", "Villaggio", "Cascina Nuova", "Campagna", "Fornace",
		"Madonnina", "Sant'Antonio", "Pratolungo", "Cimitero"}

	// needWeight skews the main need: money, benefits and paperwork
	// first, violence and addiction rare.
	needWeight = map[string]float64{
		"ECO_INCOME": 14, "ECO_DEBT": 6, "ECO_BENEFITS": 13, "HOU_EVICTION": 4, "HOU_PUBLIC": 8, "HOU_HOMELESS": 1.5,
		"WRK_UNEMPLOYED": 7, "WRK_TRAINING": 2.5, "CARE_HOME": 6, "CARE_RESIDENTIAL": 3, "CARE_CAREGIVER": 2,
		"HLT_MENTAL": 2.5, "HLT_ADDICTION": 1, "HLT_ACCESS": 3, "DIS_SUPPORT": 4, "DIS_SCHOOL": 1, "DIS_TRANSPORT": 1.5,
		"FAM_PARENTING": 2.5, "FAM_CONFLICT": 2, "FAM_CHILD_PROTECTION": 1, "FAM_EDUCATION": 2.5, "VIO_DOMESTIC": 1,
		"MIG_DOCUMENTS": 3, "MIG_LANGUAGE": 1.5, "REL_LONELINESS": 2, "ADM_PAPERWORK": 10, "ADM_LEGAL": 2, "ADM_INFO": 8,
	}

	channels   = []choice{{"IN_PERSON", 65}, {"PHONE", 22}, {"EMAIL", 8}, {"HOME_VISIT", 3}, {"OTHER", 2}}
	requesters = []choice{{"SELF", 70}, {"FAMILY_MEMBER", 18}, {"OTHER_SERVICE", 6}, {"VOLUNTEER_ORG", 3}, {"OTHER", 3}}
	responses  = []string{"INFORMATION", "ORIENTATION", "MATERIALS", "FORMS"}

	// ageBands are ages at the end of 2025 (from, to) and their weights.
	ageBands   = [][2]int{{5, 17}, {18, 29}, {30, 44}, {45, 64}, {65, 74}, {75, 84}, {85, 99}}
	ageWeights = []float64{2, 9, 22, 30, 15, 14, 8}
	ageCDF     = cdf(len(ageWeights), func(i int) float64 { return ageWeights[i] })
)
