package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/medcode/medcode/internal/claims"
)

// Options shape a generated claim set.
type Options struct {
	// Start is the first possible date of service; Days the length of the
	// window dates of service are drawn from (default 60).
	Start claims.Date
	Days  int
	// Identified makes BAA-mode claims with patient and insured identities,
	// as an 837P needs; otherwise patients are de-identified (key, age, sex).
	Identified bool
	// IDPrefix starts every claim id (default "C").
	IDPrefix string
}

// clinic is a billing provider with its rendering providers.
type clinic struct {
	billing   claims.Provider
	renderers []claims.Provider
}

// Claims generates n claims drawn from the visit templates, reproducibly
// for a given rng state.
func Claims(rng *rand.Rand, n int, o Options) ([]*claims.Claim, error) {
	g, clinics, err := newGenerator(rng, o)
	if err != nil {
		return nil, err
	}
	out := make([]*claims.Claim, n)
	for i := range out {
		out[i], _ = g.next(i, clinics)
	}
	return out, nil
}

// newGenerator fills the defaults of o and draws the clinics.
func newGenerator(rng *rand.Rand, o Options) (*generator, []clinic, error) {
	v, err := load()
	if err != nil {
		return nil, nil, err
	}
	if o.Start.IsZero() {
		return nil, nil, fmt.Errorf("synth: no start date")
	}
	if o.Days <= 0 {
		o.Days = 60
	}
	if o.IDPrefix == "" {
		o.IDPrefix = "C"
	}
	g := &generator{rng: rng, v: v, o: o}
	clinics := make([]clinic, len(v.clinics))
	for i, name := range v.clinics {
		clinics[i] = g.clinic(name)
	}
	return g, clinics, nil
}

// next draws the i-th claim (0-based) at one of the clinics.
func (g *generator) next(i int, clinics []clinic) (*claims.Claim, template) {
	return g.claim(fmt.Sprintf("%s%06d", g.o.IDPrefix, i+1), clinics[g.rng.IntN(len(clinics))])
}

type generator struct {
	rng *rand.Rand
	v   *vocabulary
	o   Options
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *generator) npi() string {
	npi, _ := claims.CompleteNPI(fmt.Sprintf("1%08d", g.rng.IntN(100_000_000)))
	return npi
}

func (g *generator) address() *claims.Address {
	a := g.v.cities[g.rng.IntN(len(g.v.cities))]
	a.Line1 = fmt.Sprintf("%d %s", 100+g.rng.IntN(9800), g.pick(g.v.streets))
	if g.rng.IntN(5) == 0 {
		a.Line2 = fmt.Sprintf("Apt %d", 1+g.rng.IntN(40))
	}
	return &a
}

// specialties are NUCC taxonomy codes of office practitioners.
var specialties = []string{"207Q00000X", "207R00000X", "208D00000X", "363LF0000X", "363A00000X"}

func (g *generator) clinic(name string) clinic {
	addr := g.address()
	addr.Line2 = ""
	addr.Zip += fmt.Sprintf("%04d", g.rng.IntN(10000)) // billing providers need ZIP+4
	c := clinic{billing: claims.Provider{
		NPI: g.npi(), Taxonomy: "261QP2300X", Organization: name,
		TaxID: fmt.Sprintf("%02d%07d", 10+g.rng.IntN(89), g.rng.IntN(10_000_000)), Address: addr,
	}}
	for range 2 + g.rng.IntN(3) {
		first := g.pick(g.v.female)
		if g.rng.IntN(2) == 0 {
			first = g.pick(g.v.male)
		}
		c.renderers = append(c.renderers, claims.Provider{
			NPI: g.npi(), Taxonomy: specialties[g.rng.IntN(len(specialties))], LastName: g.pick(g.v.last), FirstName: first,
		})
	}
	return c
}

// template draws a visit template by weight.
func (g *generator) template() template {
	n := g.rng.IntN(g.v.totalWeight)
	for _, t := range g.v.templates {
		if n < t.weight {
			return t
		}
		n -= t.weight
	}
	return g.v.templates[len(g.v.templates)-1]
}

// payerClass draws a payer class that fits the patient's age and the template.
func (g *generator) payerClass(t template, age int) claims.PayerClass {
	if len(t.payers) > 0 {
		return t.payers[g.rng.IntN(len(t.payers))]
	}
	r := g.rng.IntN(100)
	switch {
	case age >= 65 && r < 70:
		return claims.Medicare
	case age >= 65 && r < 95:
		return claims.MedicareAdvantage
	case age < 65 && r < 68:
		return claims.Commercial
	case age < 65 && r < 95:
		return claims.Medicaid
	}
	return claims.OtherPayer
}

// claim draws one claim and returns it with the visit template it follows.
func (g *generator) claim(id string, cl clinic) (*claims.Claim, template) {
	t := g.template()
	age := t.minAge + g.rng.IntN(t.maxAge-t.minAge+1)
	sex := t.sex
	if sex == "" {
		sex = claims.Female
		if g.rng.IntN(2) == 0 {
			sex = claims.Male
		}
	}
	class := g.payerClass(t, age)
	plans := g.v.payers[class]
	p := plans[g.rng.IntN(len(plans))]
	dos := g.o.Start.AddDays(g.rng.IntN(g.o.Days))

	c := &claims.Claim{
		ID: id, Frequency: "1", PlaceOfService: t.pos, Billing: cl.billing,
		Payer:     claims.Payer{ID: p.id, Name: p.name, Class: class},
		Patient:   claims.Patient{Age: age, Sex: sex},
		Diagnoses: slices.Clone(t.diagnoses),
	}
	if g.rng.IntN(10) < 7 {
		r := cl.renderers[g.rng.IntN(len(cl.renderers))]
		c.Rendering = &r
	}
	for _, l := range t.lines {
		l.DOS = dos
		l.Modifiers = slices.Clone(l.Modifiers)
		l.Pointers = slices.Clone(l.Pointers)
		if l.Drug != nil {
			d := *l.Drug
			l.Drug = &d
		}
		if strings.HasPrefix(l.Code, "J") && class.MedicareLike() {
			// Medicare wants JZ when nothing of a single-dose vial was discarded.
			l.Modifiers = append(l.Modifiers, "JZ")
		}
		c.Lines = append(c.Lines, l)
	}
	g.addComorbidities(c)
	if g.o.Identified {
		g.identify(c, dos)
	} else {
		c.Patient.Key = fmt.Sprintf("%016x", g.rng.Uint64())
	}
	return c, t
}

// addComorbidities appends chronic diagnoses the visit did not address
// (most claims carry none to three; a few fill all twelve places).
func (g *generator) addComorbidities(c *claims.Claim) {
	if c.Patient.Age < 18 {
		return
	}
	extra := []int{0, 0, 0, 1, 1, 2, 3}[g.rng.IntN(7)]
	if g.rng.IntN(30) == 0 {
		extra = claims.MaxDiagnoses
	}
	for _, i := range g.rng.Perm(len(g.v.extraDiagnoses)) {
		if extra == 0 || len(c.Diagnoses) == claims.MaxDiagnoses {
			return
		}
		if dx := g.v.extraDiagnoses[i]; !slices.Contains(c.Diagnoses, dx) {
			c.Diagnoses = append(c.Diagnoses, dx)
			extra--
		}
	}
}

// identify adds the BAA identity: the patient, and the subscriber when a
// child is covered by a parent's plan or a spouse by the other's.
func (g *generator) identify(c *claims.Claim, dos claims.Date) {
	c.Patient.Identity = g.person(c.Patient.Sex, c.Patient.Age, dos)
	c.Insured = &claims.Insured{MemberID: g.memberID()}
	if c.Payer.Class == claims.Commercial {
		c.Insured.GroupNumber = fmt.Sprintf("GRP%05d", g.rng.IntN(100000))
	}
	switch {
	case c.Patient.Age < 18 && c.Payer.Class != claims.Medicaid:
		c.Patient.Relationship = "19"
	case c.Patient.Age >= 18 && c.Patient.Age < 65 && g.rng.IntN(8) == 0:
		c.Patient.Relationship = "01"
	default:
		return
	}
	sex := claims.Female
	if g.rng.IntN(2) == 0 {
		sex = claims.Male
	}
	age := c.Patient.Age + g.rng.IntN(5)
	if c.Patient.Relationship == "19" {
		age = c.Patient.Age + 22 + g.rng.IntN(20)
	}
	c.Insured.Person = g.person(sex, age, dos)
	c.Insured.Person.LastName = c.Patient.Identity.LastName
	c.Insured.Person.Address = c.Patient.Identity.Address
	c.Insured.Sex = sex
}

// person makes an identity whose age on dos is age.
func (g *generator) person(sex claims.Sex, age int, dos claims.Date) *claims.Person {
	first := g.pick(g.v.female)
	if sex == claims.Male {
		first = g.pick(g.v.male)
	}
	// A birthday between one and 364 days before the age-th anniversary
	// keeps the age exact on the date of service.
	birth := dos.AddDays(-(1 + g.rng.IntN(364)))
	birth.Year -= age
	if birth.Month == 2 && birth.Day == 29 {
		birth.Day = 28
	}
	p := &claims.Person{LastName: g.pick(g.v.last), FirstName: first, BirthDate: birth, Address: g.address()}
	if g.rng.IntN(3) == 0 {
		p.MiddleName = string("ABCDEFGHJKLMNPRSTW"[g.rng.IntN(18)])
	}
	return p
}

func (g *generator) memberID() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	var b strings.Builder
	for range 11 {
		b.WriteByte(alphabet[g.rng.IntN(len(alphabet))])
	}
	return b.String()
}
