// Package region generates a synthetic region: years of intake cards of
// a district-level Segretariato sociale (several municipalities, about
// 200 districts, 150 social workers), written as an intake-card CSV
// (docs/intake-csv.md, version 2) with intakecsv.Writer. The same Config
// always gives the same file, byte for byte.
//
// The shape follows a real desk: a few citizens come back often and most
// come once (contacts per citizen follow a power law), about 17% of the
// contacts are anonymous, demand is seasonal (a quiet August and
// Christmas) and falls in the desk's opening hours (Europe/Rome,
// mornings on weekdays, two afternoons), districts and main needs are
// skewed, about a quarter of the contacts are referred to a service of the
// catalogue, with referrals in every status.
package region

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/demo"
	"segretariato/internal/intakecsv"
	"segretariato/internal/localtime"
	"segretariato/internal/refdata"
)

// Config sizes a region. The zero value is the default region.
type Config struct {
	// Contacts is the number of rows (default 1,000,000).
	Contacts int
	// Seed makes another region of the same shape (default 1).
	Seed uint64
	// CitizensPerContact is the target number of distinct citizens per
	// contact (default 0.3).
	CitizensPerContact float64
}

// Default sizes.
const (
	DefaultContacts           = 1_000_000
	DefaultCitizensPerContact = 0.3
	// AnonymousShare is the share of anonymous contacts.
	AnonymousShare = 0.17
	// SocialWorkers is the number of social workers holding the contacts.
	SocialWorkers = 150
	// Districts is the number of districts of the region.
	Districts = 200
)

// First and End bound the contacts: 2021-01-01 (inclusive) to 2026-01-01
// (exclusive), Europe/Rome.
var (
	First = time.Date(2021, 1, 1, 0, 0, 0, 0, localtime.Rome)
	End   = time.Date(2026, 1, 1, 0, 0, 0, 0, localtime.Rome)
)

// Normalised returns the config with its defaults filled in.
func (c Config) Normalised() Config {
	if c.Contacts <= 0 {
		c.Contacts = DefaultContacts
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.CitizensPerContact <= 0 || c.CitizensPerContact > 1-AnonymousShare {
		c.CitizensPerContact = DefaultCitizensPerContact
	}
	return c
}

// Operator is one social worker of the region.
type Operator struct {
	Email, Name string
}

// Operators are the region's social workers: their e-mails are the
// operator_email of the generated rows, so they must exist as operators
// before the file is imported.
func Operators() []Operator {
	ops := make([]Operator, SocialWorkers)
	for i := range ops {
		first := femaleNames[i%len(femaleNames)]
		if i%5 == 4 {
			first = maleNames[i%len(maleNames)]
		}
		last := surnames[(i*7)%len(surnames)]
		ops[i] = Operator{
			Email: fmt.Sprintf("as%03d.%s@ambito.example.it", i+1, lower(last)),
			Name:  first + " " + last,
		}
	}
	return ops
}

// DistrictName is the name of district i (0 to Districts-1): the
// municipality and the district, as written in the file.
func DistrictName(i int) string {
	return municipalities[i%len(municipalities)] + " - " + quarters[(i/len(municipalities))%len(quarters)]
}

// Stats describe a generated file.
type Stats struct {
	Contacts, Anonymous, Citizens, Referrals int
}

// CachePath is where the file of cfg lives in dir: region-N-seed.csv.
func CachePath(dir string, cfg Config) string {
	cfg = cfg.Normalised()
	return filepath.Join(dir, fmt.Sprintf("region-%d-%d.csv", cfg.Contacts, cfg.Seed))
}

// DefaultCacheDir is $XDG_CACHE_HOME/segretariato (os.UserCacheDir).
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "segretariato"), nil
}

// Cached returns the path of cfg's file in dir, generating it first when
// it is not there (into a temporary file renamed when complete, so an
// interrupted run leaves no half file). created says whether it was
// generated now.
func Cached(dir string, cfg Config) (path string, created bool, err error) {
	path = CachePath(dir, cfg)
	if _, err := os.Stat(path); err == nil {
		return path, false, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return "", false, err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if _, err := Generate(bw, cfg); err != nil {
		tmp.Close()
		return "", false, err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return "", false, err
	}
	if err := tmp.Close(); err != nil {
		return "", false, err
	}
	return path, true, os.Rename(tmp.Name(), path)
}

// Generate writes cfg's region to w. Memory is bounded by the fiscal codes
// already used (a set of the citizens' codes), never by the rows.
func Generate(w io.Writer, cfg Config) (Stats, error) {
	cfg = cfg.Normalised()
	g := newGenerator(cfg)
	cw, err := intakecsv.NewWriter(w, intakecsv.WriterOptions{})
	if err != nil {
		return Stats{}, err
	}
	var st Stats
	emit := func(row *intakecsv.Row) error {
		st.Contacts++
		row.ContactRef = fmt.Sprintf("RG%d-%08d", cfg.Seed, st.Contacts)
		st.Referrals += len(row.Referrals)
		if row.FiscalCode == "" {
			st.Anonymous++
		}
		return cw.Write(row)
	}
	// Identified contacts come citizen by citizen; anonymous ones are
	// interleaved so that they are AnonymousShare of the whole.
	for st.Contacts < cfg.Contacts {
		c, err := g.citizen()
		if err != nil {
			return st, err
		}
		st.Citizens++
		for k := g.visits(); k > 0 && st.Contacts < cfg.Contacts; k-- {
			if err := emit(g.contact(&c)); err != nil {
				return st, err
			}
			for st.Contacts < cfg.Contacts && g.r.Float64() < AnonymousShare {
				if err := emit(g.contact(nil)); err != nil {
					return st, err
				}
			}
		}
	}
	return st, cw.Flush()
}

type citizen struct {
	code, first, last string
	birth             time.Time
	sex, country      string
	district          string
	need              int // index into refdata.Needs: the citizen's usual main need
	operator          int
}

type generator struct {
	cfg       Config
	r         *rand.Rand
	codes     map[string]bool
	visitsCDF []float64
	days      []time.Time
	daysCDF   []float64
	districts []float64 // CDF over the districts
	opsCDF    []float64
	needsCDF  []float64
	ops       []Operator
	services  map[schematype.TargetArea][]string
}

func newGenerator(cfg Config) *generator {
	g := &generator{cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, 0x5e9)), codes: map[string]bool{}, ops: Operators()}
	// Contacts per citizen: P(k) ∝ k^-a for k = 1..maxVisits, a chosen so
	// that the mean gives CitizensPerContact.
	mean := (1 - AnonymousShare) / cfg.CitizensPerContact
	lo, hi := 1.01, 6.0
	for range 60 {
		a := (lo + hi) / 2
		if powerMean(a) > mean {
			lo = a
		} else {
			hi = a
		}
	}
	g.visitsCDF = cdf(maxVisits, func(i int) float64 { return math.Pow(float64(i+1), -(lo+hi)/2) })
	for d := First; d.Before(End); d = d.AddDate(0, 0, 1) {
		g.days = append(g.days, d)
	}
	g.daysCDF = cdf(len(g.days), func(i int) float64 { return dayWeight(g.days[i]) })
	g.districts = cdf(Districts, func(i int) float64 { return 1 / math.Pow(float64(i+1), 0.9) })
	g.opsCDF = cdf(SocialWorkers, func(i int) float64 { return 1 / math.Pow(float64(i+1), 0.5) })
	g.needsCDF = cdf(len(refdata.Needs), func(i int) float64 { return needWeight[refdata.Needs[i].Code] })
	g.services = map[schematype.TargetArea][]string{}
	for _, s := range refdata.Services {
		if s.Internal {
			continue
		}
		for _, a := range s.Areas {
			g.services[a] = append(g.services[a], s.Code)
		}
	}
	return g
}

const maxVisits = 250

func powerMean(a float64) float64 {
	var s, m float64
	for k := 1; k <= maxVisits; k++ {
		p := math.Pow(float64(k), -a)
		s += p
		m += p * float64(k)
	}
	return m / s
}

func cdf(n int, weight func(int) float64) []float64 {
	c := make([]float64, n)
	var sum float64
	for i := range c {
		sum += weight(i)
		c[i] = sum
	}
	for i := range c {
		c[i] /= sum
	}
	return c
}

func (g *generator) pick(c []float64) int {
	i, _ := slices.BinarySearch(c, g.r.Float64())
	return min(i, len(c)-1)
}

func (g *generator) visits() int { return 1 + g.pick(g.visitsCDF) }

// dayWeight shapes the demand: none on Sundays, Saturdays and public
// holidays, a quiet August and Christmas, busy Mondays, a growth of 4% a
// year.
func dayWeight(d time.Time) float64 {
	if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || holiday(d) {
		return 0
	}
	week := map[time.Weekday]float64{time.Monday: 1.25, time.Tuesday: 1.1, time.Wednesday: 1, time.Thursday: 1.1, time.Friday: 0.8}
	return monthWeight[d.Month()-1] * week[d.Weekday()] * (1 + 0.04*float64(d.Year()-First.Year()))
}

var monthWeight = [12]float64{1.15, 1.05, 1.05, 1.0, 1.0, 0.95, 0.8, 0.45, 1.05, 1.15, 1.1, 0.8}

func holiday(d time.Time) bool {
	switch [2]int{int(d.Month()), d.Day()} {
	case [2]int{1, 1}, [2]int{1, 6}, [2]int{4, 25}, [2]int{5, 1}, [2]int{6, 2}, [2]int{8, 15}, [2]int{11, 1}, [2]int{12, 8}, [2]int{12, 25}, [2]int{12, 26}:
		return true
	}
	m, day := demo.EasterMonday(d.Year())
	return int(d.Month()) == m && d.Day() == day
}

// openingSlot is a desk opening of day d: every weekday morning, Tuesday and
// Thursday afternoons (minutes from midnight, Europe/Rome).
func openingSlot(r *rand.Rand, d time.Time) (from, to int) {
	if (d.Weekday() == time.Tuesday || d.Weekday() == time.Thursday) && r.IntN(3) == 0 {
		return 14*60 + 30, 17 * 60
	}
	return 9 * 60, 12*60 + 30
}

// citizen draws the next citizen, with a fiscal code not used yet.
func (g *generator) citizen() (citizen, error) {
	r := g.r
	var c citizen
	female := r.IntN(100) < 56
	c.sex = "M"
	if female {
		c.sex = "F"
	}
	c.country = "IT"
	if r.IntN(100) < 18 {
		c.country = countries[r.IntN(len(countries))].code
	}
	if female {
		c.first = femaleNames[r.IntN(len(femaleNames))]
	} else {
		c.first = maleNames[r.IntN(len(maleNames))]
	}
	c.last = surnames[r.IntN(len(surnames))]
	place := italianPlaces[r.IntN(len(italianPlaces))]
	if c.country != "IT" {
		for _, k := range countries {
			if k.code == c.country {
				place = k.belfiore
			}
		}
		c.first, c.last = foreignNames[r.IntN(len(foreignNames))], foreignSurnames[r.IntN(len(foreignSurnames))]
	}
	// Age at the end of 2025: a desk of adults and elderly people, some
	// young parents; everyone born before the first contact.
	age := ageBands[g.pick(ageCDF)]
	years := age[0] + r.IntN(age[1]-age[0]+1)
	birth := time.Date(2025-years, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365))
	sex := schematype.SexM
	if female {
		sex = schematype.SexF
	}
	for try := 0; ; try++ {
		code, err := demo.FiscalCode(c.last, c.first, birth, sex, place)
		if err != nil {
			return c, err
		}
		if !g.codes[code] {
			g.codes[code] = true
			c.code, c.birth = code, birth
			break
		}
		if try > 1000 {
			return c, fmt.Errorf("region: no free fiscal code for %s %s", c.first, c.last)
		}
		birth = birth.AddDate(0, 0, 1)
	}
	c.district = DistrictName(g.pick(g.districts))
	c.need = g.pick(g.needsCDF)
	c.operator = g.pick(g.opsCDF)
	return c, nil
}

// contact draws one contact of c (nil: an anonymous one).
func (g *generator) contact(c *citizen) *intakecsv.Row {
	r := g.r
	d := g.days[g.pick(g.daysCDF)]
	from, to := openingSlot(r, d)
	m := from + 5*r.IntN((to-from)/5)
	row := &intakecsv.Row{
		OccurredAt: time.Date(d.Year(), d.Month(), d.Day(), m/60, m%60, 0, 0, localtime.Rome),
		Channel:    weighted(r, channels),
		Requester:  weighted(r, requesters),
	}
	main := g.pick(g.needsCDF)
	op := g.pick(g.opsCDF)
	age := -1
	if c != nil {
		row.FiscalCode, row.FirstName, row.LastName = c.code, c.first, c.last
		if r.IntN(2) == 0 {
			b := c.birth
			row.BirthDate = &b
		}
		row.Citizenship, row.District = c.country, c.district
		if r.IntN(10) < 7 {
			main = c.need
		}
		if r.IntN(10) < 8 {
			op = c.operator
		}
		age = d.Year() - c.birth.Year()
	} else {
		if r.IntN(2) == 0 {
			row.Sex = []string{"F", "M"}[r.IntN(2)]
		}
		if r.IntN(10) < 4 {
			y := 1935 + r.IntN(70)
			row.BirthYear = &y
			age = d.Year() - y
		}
	}
	row.OperatorEmail = g.ops[op].Email
	row.Needs = []string{refdata.Needs[main].Code}
	for extra := []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 2}[r.IntN(10)]; extra > 0; {
		n := refdata.Needs[g.pick(g.needsCDF)].Code
		if !slices.Contains(row.Needs, n) {
			row.Needs = append(row.Needs, n)
			extra--
		}
	}
	area := targetArea(r, refdata.Needs[main], age)
	row.TargetArea = string(area)
	row.Responses = []string{responses[r.IntN(len(responses))]}
	if r.IntN(3) == 0 {
		if s := responses[r.IntN(len(responses))]; s != row.Responses[0] {
			row.Responses = append(row.Responses, s)
		}
	}
	switch p := r.IntN(100); {
	case p < 13:
		row.Outcome = "REFERRED_INTERNAL"
		row.Referrals = []intakecsv.Referral{{Service: refdata.InternalServiceCode, Status: status(r, d)}}
	case p < 25:
		row.Outcome = "REFERRED_EXTERNAL"
		svcs := g.services[area]
		row.Referrals = []intakecsv.Referral{{Service: svcs[r.IntN(len(svcs))], Status: status(r, d)}}
		if r.IntN(10) == 0 {
			row.Referrals = append(row.Referrals, intakecsv.Referral{Service: svcs[r.IntN(len(svcs))], Status: status(r, d)})
		}
	case p < 80:
		row.Outcome = "INFORMED"
	case p < 92:
		row.Outcome = "FOLLOW_UP"
	case p < 95:
		row.Outcome = "URGENT_INTERVENTION"
	default:
		row.Outcome = "NOT_COMPETENT"
	}
	if r.IntN(10) < 3 {
		svcs := g.services[area]
		row.InformedAbout = []string{svcs[r.IntN(len(svcs))]}
		if s := svcs[r.IntN(len(svcs))]; r.IntN(3) == 0 && s != row.InformedAbout[0] {
			row.InformedAbout = append(row.InformedAbout, s)
		}
	}
	if r.IntN(5) > 0 {
		n := 5 + r.IntN(56)
		row.DurationMinutes = &n
	}
	if r.IntN(10) == 0 {
		row.Notes = "Colloquio di orientamento"
	}
	return row
}

// targetArea follows the main need and the age.
func targetArea(r *rand.Rand, n refdata.Need, age int) schematype.TargetArea {
	switch {
	case n.Macro == schematype.MacroAreaDisability:
		return schematype.TargetAreaDisability
	case n.Macro == schematype.MacroAreaFamily:
		return schematype.TargetAreaMinorsFamilies
	case age >= 65 && r.IntN(10) < 8, n.Macro == schematype.MacroAreaCare && r.IntN(10) < 7:
		return schematype.TargetAreaElderly
	case r.IntN(20) == 0:
		return schematype.TargetAreaMinorsFamilies
	}
	return schematype.TargetAreaAdults
}

// status is a referral's status: recent referrals are mostly open, older
// ones mostly closed; every status occurs.
func status(r *rand.Rand, d time.Time) string {
	recent := End.Sub(d) < 90*24*time.Hour
	p := r.IntN(100)
	if recent {
		switch {
		case p < 50:
			return "PROPOSED"
		case p < 80:
			return "ACCEPTED"
		case p < 88:
			return "DECLINED"
		case p < 96:
			return "COMPLETED"
		}
		return "CANCELLED"
	}
	switch {
	case p < 6:
		return "PROPOSED"
	case p < 18:
		return "ACCEPTED"
	case p < 33:
		return "DECLINED"
	case p < 88:
		return "COMPLETED"
	}
	return "CANCELLED"
}

type choice struct {
	v string
	w int
}

func weighted(r *rand.Rand, cs []choice) string {
	total := 0
	for _, c := range cs {
		total += c.w
	}
	n := r.IntN(total)
	for _, c := range cs {
		if n < c.w {
			return c.v
		}
		n -= c.w
	}
	return cs[len(cs)-1].v
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == ' ' || c == '\'':
			b[i] = '-'
		}
	}
	return string(b)
}
