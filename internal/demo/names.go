package demo

import "segretariato/ent/schema/schematype"

// The pools below are invented combinations of common names: no row of the
// demo describes a real person.

// operatorSeed is one demo member of staff.
type operatorSeed struct {
	first, last string
	role        schematype.Role
}

// operatorSeeds are the demo staff: the first four are the social workers,
// in the order the training attendance and the districts refer to them.
var operatorSeeds = []operatorSeed{
	{"Chiara", "Brambilla", schematype.RoleSocialWorker},
	{"Elena", "Fumagalli", schematype.RoleSocialWorker},
	{"Silvia", "Cattaneo", schematype.RoleSocialWorker},
	{"Giulia", "Radaelli", schematype.RoleSocialWorker},
	{"Paola", "Mapelli", schematype.RoleCoordinator},
	{"Davide", "Ferrario", schematype.RoleAnalyst},
	{"Marco", "Pirovano", schematype.RoleAdmin},
}

// socialWorkers is how many of operatorSeeds are social workers.
const socialWorkers = 4

// district is a district (frazione, quartiere) of the demo town, with its
// share of the population and the social worker who usually holds its
// cases (-1: the centre's cases are shared among all of them).
type district struct {
	name   string
	weight float64
	holder int // index into operatorSeeds; -1: any social worker
}

var districts = []district{
	{"Centro", 30, -1},
	{"Riva", 15, 0},
	{"Seggiolera", 14, 1},
	{"Cascina Pelizza", 10, 3},
	{"Molino Vecchio", 13, 3},
	{"Villaggio Argentia", 18, 2},
}

var streets = []string{
	"Via Roma", "Via Milano", "Via Italia", "Via Cavour", "Via Mazzini", "Via Garibaldi",
	"Via Matteotti", "Via Verdi", "Via Dante", "Via Manzoni", "Via Leopardi", "Via Piave",
	"Via Trieste", "Via Trento", "Via dei Tigli", "Via delle Rose", "Via dei Mille",
	"Via Don Sturzo", "Via Pasubio", "Via San Carlo", "Via Molino", "Via Cascina Nuova",
}

// Belfiore codes of the places of birth.
const (
	belfioreGorgonzola = "E094"
	belfioreMilano     = "F205"
)

type place struct {
	code   string
	weight float64
}

// Lombardy places of birth.
var northPlaces = []place{
	{belfioreMilano, 45}, {belfioreGorgonzola, 25}, {"F704", 7}, // Monza
	{"A794", 6}, // Bergamo
	{"B157", 3}, // Brescia
	{"L219", 2}, // Torino
	{"D969", 1}, // Genova
	{"H501", 2}, // Roma
}

// Southern places of birth, typical of the 1950s-70s migrations to Milan.
var southPlaces = []place{
	{"F839", 16}, // Napoli
	{"A662", 12}, // Bari
	{"D643", 10}, // Foggia
	{"G273", 12}, // Palermo
	{"C351", 10}, // Catania
	{"H224", 8},  // Reggio Calabria
	{"D086", 8},  // Cosenza
	{"E506", 8},  // Lecce
	{"F158", 6},  // Messina
}

// country is a citizenship of the demo population.
type country struct {
	iso      string
	belfiore string // Z code of the country, for those born there
	maleFirst, femaleFirst,
	last []string
}

var italy = country{
	iso: "IT",
	last: []string{
		"Brambilla", "Colombo", "Villa", "Galli", "Sala", "Ferrario", "Mariani", "Fumagalli",
		"Cattaneo", "Bianchi", "Rossi", "Ferrari", "Riva", "Pirovano", "Mauri", "Radaelli",
		"Motta", "Gatti", "Longoni", "Crippa", "Vigano", "Confalonieri", "Meroni", "Rigamonti",
		"Perego", "Galbiati", "Mapelli", "Spinelli", "Bonfanti", "Cazzaniga", "Re", "Vitali",
		"Barzaghi", "Zanetti", "Moretti", "Beretta", "Magni", "Pozzi", "Redaelli", "Sironi",
		"Esposito", "Russo", "Romano", "Greco", "De Luca", "Caruso", "Marino", "Rizzo", "Gallo",
		"Amato", "Costa", "Messina", "Leone", "Palumbo", "D'Angelo", "Sorrentino", "Ferrara",
		"Santoro", "Lombardo", "Mancuso", "Fontana", "Conti", "Ricci", "Bruno", "Dell'Orto",
	},
}

// Italian first names by generation: born before 1960, 1960-1999, from 2000.
var (
	itMaleOld   = []string{"Giuseppe", "Giovanni", "Luigi", "Antonio", "Mario", "Carlo", "Francesco", "Angelo", "Pietro", "Ernesto", "Franco", "Bruno", "Renato", "Sergio", "Gianni", "Enrico", "Ambrogio", "Natale", "Vincenzo", "Salvatore"}
	itFemaleOld = []string{"Maria", "Giuseppina", "Rosa", "Angela", "Giovanna", "Anna", "Carla", "Luigia", "Teresa", "Franca", "Lucia", "Carmela", "Pierina", "Ernesta", "Rita", "Bruna", "Antonietta", "Adele", "Gianna", "Emilia", "Concetta", "Assunta"}
	itMaleMid   = []string{"Marco", "Andrea", "Roberto", "Stefano", "Paolo", "Massimo", "Alessandro", "Davide", "Luca", "Fabio", "Claudio", "Maurizio", "Daniele", "Simone", "Matteo", "Gianluca", "Cristian", "Emanuele", "Riccardo", "Fabrizio"}
	itFemaleMid = []string{"Laura", "Paola", "Elena", "Silvia", "Francesca", "Barbara", "Monica", "Simona", "Cristina", "Federica", "Valentina", "Chiara", "Sara", "Roberta", "Daniela", "Elisa", "Alessandra", "Stefania", "Manuela", "Michela"}
	itMaleNew   = []string{"Lorenzo", "Matteo", "Gabriele", "Riccardo", "Tommaso", "Edoardo", "Mattia", "Francesco", "Leonardo", "Filippo", "Alessandro", "Andrea"}
	itFemaleNew = []string{"Giulia", "Martina", "Alessia", "Sofia", "Aurora", "Chiara", "Giorgia", "Sara", "Beatrice", "Alice", "Emma", "Gaia"}
)

// foreign citizenships, with their share among the foreign citizens of
// working age and among the elderly ones.
type foreignShare struct {
	c            country
	young, older float64
}

var foreigners = []foreignShare{
	{country{iso: "RO", belfiore: "Z129",
		maleFirst:   []string{"Andrei", "Ion", "Mihai", "Gheorghe", "Florin", "Adrian", "Cristian", "Vasile"},
		femaleFirst: []string{"Elena", "Ioana", "Maria", "Mihaela", "Andreea", "Daniela", "Gabriela", "Florentina"},
		last:        []string{"Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Munteanu", "Constantin", "Lungu", "Marin", "Tudor"},
	}, 24, 20},
	{country{iso: "MA", belfiore: "Z330",
		maleFirst:   []string{"Mohamed", "Youssef", "Abdelkader", "Rachid", "Hicham", "Said", "Mustapha", "Khalid"},
		femaleFirst: []string{"Fatima", "Khadija", "Naima", "Samira", "Malika", "Latifa", "Hanane", "Souad"},
		last:        []string{"El Amrani", "Benali", "Bouzid", "El Idrissi", "Ouali", "Hamdaoui", "Chakir", "Naciri", "Berrada"},
	}, 26, 20},
	{country{iso: "AL", belfiore: "Z100",
		maleFirst:   []string{"Arben", "Gentian", "Ilir", "Besnik", "Fatmir", "Agron", "Dritan", "Erion"},
		femaleFirst: []string{"Elona", "Mirela", "Anila", "Valbona", "Ermira", "Entela", "Lindita", "Blerina"},
		last:        []string{"Hoxha", "Shehu", "Kola", "Gjoka", "Leka", "Dervishi", "Brahimi", "Cela", "Marku"},
	}, 18, 15},
	{country{iso: "UA", belfiore: "Z138",
		maleFirst:   []string{"Oleksandr", "Andrii", "Volodymyr", "Serhii", "Mykola", "Ihor"},
		femaleFirst: []string{"Olena", "Oksana", "Natalia", "Svitlana", "Tetiana", "Halyna", "Liudmyla", "Iryna"},
		last:        []string{"Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Melnyk", "Kravchenko", "Boyko", "Savchenko"},
	}, 12, 35},
	{country{iso: "EG", belfiore: "Z336",
		maleFirst:   []string{"Ahmed", "Mahmoud", "Mohamed", "Mostafa", "Karim", "Hany", "Tarek", "Amr"},
		femaleFirst: []string{"Amira", "Mona", "Rania", "Heba", "Nour", "Dina", "Yasmin", "Samar"},
		last:        []string{"Abdelrahman", "Hassan", "Ibrahim", "Mansour", "Farag", "Soliman", "Youssef", "Attia"},
	}, 9, 3},
	{country{iso: "PE", belfiore: "Z611",
		maleFirst:   []string{"Luis", "Carlos", "Jorge", "Miguel", "Juan", "Cesar", "Victor"},
		femaleFirst: []string{"Rosa", "Carmen", "Gladys", "Milagros", "Elizabeth", "Ana", "Jessica", "Maribel"},
		last:        []string{"Quispe", "Huaman", "Flores", "Mamani", "Rojas", "Vargas", "Chavez", "Ramirez", "Torres"},
	}, 7, 5},
	{country{iso: "CN", belfiore: "Z210",
		maleFirst:   []string{"Wei", "Jun", "Hao", "Ming", "Qiang", "Jian"},
		femaleFirst: []string{"Jing", "Li", "Xiaomei", "Hong", "Yan", "Fang", "Ling"},
		last:        []string{"Hu", "Wang", "Chen", "Zhou", "Lin", "Zhang", "Huang", "Wu", "Ye"},
	}, 4, 2},
}
