package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/medcode/medcode/internal/claims"
)

// noteData is data/notes.yaml.
type noteData struct {
	Time   string                   `yaml:"time"`
	Extras map[string]extraSpec     `yaml:"extras"`
	Visits map[string]noteTemplate  `yaml:"visits"`
	EM     []emLevel                `yaml:"em"`
	levels map[string]int           // level name → index in EM
	charge map[string]claims.Money  // E/M code → clinic charge
	extraC map[string]claims.Money  // extra id → charge
	byCode map[string]emCodeInLevel // E/M code → its level and patient type
}

// extraSpec is a separately billable service a note may document.
type extraSpec struct {
	Code         string   `yaml:"code"`
	Units        int      `yaml:"units"`
	Charge       string   `yaml:"charge"`
	Modifiers    []string `yaml:"modifiers"`
	Payers       []string `yaml:"payers"`
	NoModifier25 bool     `yaml:"no_modifier_25"`
	NotPOS       []string `yaml:"not_pos"`
	Text         string   `yaml:"text"`
}

// noteTemplate is the note of one visit template.
type noteTemplate struct {
	Level      string   `yaml:"level"` // "" for visits without an office E/M
	NewPatient bool     `yaml:"new_patient"`
	CC         string   `yaml:"cc"`
	HPI        []string `yaml:"hpi"`
	Exam       []string `yaml:"exam"`
	Plan       string   `yaml:"plan"`
	Minutes    []int    `yaml:"minutes"` // a fixed total-time range the note always states
	Extras     []string `yaml:"extras"`
}

// emLevel is one office E/M level.
type emLevel struct {
	Level             string `yaml:"level"`
	Established       string `yaml:"established"`
	New               string `yaml:"new"`
	EstablishedMinute int    `yaml:"established_minutes"`
	NewMinutes        int    `yaml:"new_minutes"`
	EstablishedCharge string `yaml:"established_charge"`
	NewCharge         string `yaml:"new_charge"`
}

type emCodeInLevel struct {
	level      int
	newPatient bool
}

var (
	notesOnce sync.Once
	notesData *noteData
	notesErr  error
)

func loadNotes() (*noteData, error) {
	notesOnce.Do(func() { notesData, notesErr = parseNotes() })
	return notesData, notesErr
}

func parseNotes() (*noteData, error) {
	b, err := dataFS.ReadFile("data/notes.yaml")
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	var d noteData
	if err := yaml.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("synth: data/notes.yaml: %w", err)
	}
	if !strings.Contains(d.Time, "{minutes}") {
		return nil, fmt.Errorf("synth: data/notes.yaml: the time statement has no {minutes}")
	}
	d.levels, d.charge, d.byCode, d.extraC = map[string]int{}, map[string]claims.Money{}, map[string]emCodeInLevel{}, map[string]claims.Money{}
	for i, l := range d.EM {
		d.levels[l.Level] = i
		for _, c := range []struct {
			code, charge string
			isNew        bool
		}{{l.Established, l.EstablishedCharge, false}, {l.New, l.NewCharge, true}} {
			m, err := claims.ParseMoney(c.charge)
			if err != nil || c.code == "" {
				return nil, fmt.Errorf("synth: data/notes.yaml: E/M level %s: code %q charge %q: %v", l.Level, c.code, c.charge, err)
			}
			d.charge[c.code] = m
			d.byCode[c.code] = emCodeInLevel{i, c.isNew}
		}
		if i > 0 && (l.EstablishedMinute <= d.EM[i-1].EstablishedMinute || l.NewMinutes <= d.EM[i-1].NewMinutes) {
			return nil, fmt.Errorf("synth: data/notes.yaml: E/M level %s: minutes do not rise with the level", l.Level)
		}
	}
	for id, x := range d.Extras {
		m, err := claims.ParseMoney(x.Charge)
		if err != nil || x.Code == "" || x.Units <= 0 || x.Text == "" {
			return nil, fmt.Errorf("synth: data/notes.yaml: extra %s needs a code, units, charge and text", id)
		}
		d.extraC[id] = m
		for _, p := range x.Payers {
			if _, err := claims.ParsePayerClass(p); err != nil {
				return nil, fmt.Errorf("synth: data/notes.yaml: extra %s: %w", id, err)
			}
		}
	}
	for id, t := range d.Visits {
		if _, ok := d.levels[t.Level]; t.Level != "" && !ok {
			return nil, fmt.Errorf("synth: data/notes.yaml: visit %s: unknown level %q", id, t.Level)
		}
		if len(t.HPI) == 0 || len(t.Exam) == 0 || t.CC == "" || t.Plan == "" {
			return nil, fmt.Errorf("synth: data/notes.yaml: visit %s needs cc, hpi, exam and plan", id)
		}
		if len(t.Minutes) != 0 && (len(t.Minutes) != 2 || t.Minutes[0] > t.Minutes[1]) {
			return nil, fmt.Errorf("synth: data/notes.yaml: visit %s: minutes is not [min, max]", id)
		}
		for _, x := range t.Extras {
			if _, ok := d.Extras[x]; !ok {
				return nil, fmt.Errorf("synth: data/notes.yaml: visit %s: unknown extra %q", id, x)
			}
		}
	}
	return &d, nil
}

// NoteOptions shape the visit notes of a data set and how billing departs
// from them. Rates are probabilities in [0,1]; zero takes the default.
type NoteOptions struct {
	// UnderRate is the share of office E/M visits whose claim bills less
	// than the note supports (default 0.06); the first
	// ConservativeProviders providers seen (default 1) under-code at
	// ConservativeUnderRate (default 0.35) instead.
	UnderRate             float64
	ConservativeUnderRate float64
	ConservativeProviders int
	// OverRate is the share of office E/M visits billed one level above
	// what the note supports (default 0.03).
	OverRate float64
	// TimeRate is the share of notes that state the total time (default 0.3).
	TimeRate float64
	// ExtraRate is the chance that a note documents each separately
	// billable service its visit allows (default 0.3), and MissedRate the
	// share of those left off the claim (default 0.4).
	ExtraRate  float64
	MissedRate float64
}

func (o *NoteOptions) defaults() {
	set := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	set(&o.UnderRate, 0.06)
	set(&o.ConservativeUnderRate, 0.35)
	set(&o.OverRate, 0.03)
	set(&o.TimeRate, 0.3)
	set(&o.ExtraRate, 0.3)
	set(&o.MissedRate, 0.4)
	if o.ConservativeProviders == 0 {
		o.ConservativeProviders = 1
	}
}

// Plants: how the claim's E/M level departs from the note's.
const (
	// PlantUnderBilled: the claim bills one level below the note.
	PlantUnderBilled = "under-billed"
	// PlantUnderTime: the note states a total time that supports one
	// level above the one billed (billed by MDM alone).
	PlantUnderTime = "under-time"
	// PlantOver: the claim bills one level above the note.
	PlantOver = "over"
)

// Note is a generated visit note with what it documents: the truth a
// report that re-codes it should find.
type Note struct {
	ClaimID string
	Text    string
	// Billed is the claim's office E/M code and Documented the one the
	// note supports ("" for visits without an office E/M).
	Billed, Documented string
	// Basis is what selects the documented level: "mdm" or "time".
	Basis string
	// Plant is "" when the claim bills what the note supports, else one
	// of PlantUnderBilled, PlantUnderTime, PlantOver.
	Plant string
	// Services are the separately billable services the note documents
	// beyond its visit's own lines.
	Services []Service
}

// Service is a separately billable service a note documents.
type Service struct {
	Code   string
	Units  int
	Billed bool // false: left off the claim (missed revenue)
}

// UnderCoded reports whether the claim bills less than the note supports.
func (n Note) UnderCoded() bool { return n.Plant == PlantUnderBilled || n.Plant == PlantUnderTime }

// noteWriter writes the notes of a data set.
type noteWriter struct {
	rng          *rand.Rand
	d            *noteData
	o            NoteOptions
	conservative map[string]bool // provider NPIs that under-code
	seen         int
}

// providerNPI is the NPI a claim's care is attributed to.
func providerNPI(c *claims.Claim) string {
	if c.Rendering != nil {
		return c.Rendering.NPI
	}
	return c.Billing.NPI
}

func (w *noteWriter) chance(p float64) bool { return w.rng.Float64() < p }

// write makes the note of a claim drawn from template t, changing the
// claim's billing where the plan departs from the note. ok is false for
// visits that have no note.
func (w *noteWriter) write(c *claims.Claim, t template) (Note, bool, error) {
	nt, ok := w.d.Visits[t.id]
	if !ok {
		return Note{}, false, nil
	}
	npi := providerNPI(c)
	if _, known := w.conservative[npi]; !known {
		w.conservative[npi] = w.seen < w.o.ConservativeProviders
		w.seen++
	}
	n := Note{ClaimID: c.ID, Basis: "mdm"}
	minutes := 0
	if len(nt.Minutes) == 2 {
		minutes = nt.Minutes[0] + w.rng.IntN(nt.Minutes[1]-nt.Minutes[0]+1)
		n.Basis = "time"
	}
	if nt.Level != "" {
		var err error
		if minutes, err = w.planLevel(c, nt, &n, minutes); err != nil {
			return Note{}, false, err
		}
	}
	extras := w.extras(c, nt, &n)
	return n, true, w.render(c, nt, &n, extras, minutes)
}

// planLevel decides the documented and billed E/M levels and returns the
// minutes the note states (0 for none).
func (w *noteWriter) planLevel(c *claims.Claim, nt noteTemplate, n *Note, minutes int) (int, error) {
	line := slices.IndexFunc(c.Lines, func(l claims.Line) bool { return isOfficeEM(l.Code) })
	if line < 0 {
		return 0, fmt.Errorf("synth: claim %s: visit has a note level but no office E/M line", c.ID)
	}
	natural := w.d.levels[nt.Level]
	top := len(w.d.EM) - 1
	prolonged := slices.ContainsFunc(c.Lines, func(l claims.Line) bool { return l.Code == "99417" || l.Code == "G2212" })
	under := w.o.UnderRate
	if w.conservative[providerNPI(c)] {
		under = w.o.ConservativeUnderRate
	}
	documented, billed := natural, natural
	switch r := w.rng.Float64(); {
	case prolonged:
		// The prolonged-service lines follow from the note's time: the level stays.
	case r < under && natural > 0 && (natural == top || w.rng.IntN(2) == 0):
		billed, n.Plant = natural-1, PlantUnderBilled
	case r < under && natural < top:
		documented, n.Plant, n.Basis = natural+1, PlantUnderTime, "time"
		minutes = w.minutesFor(documented, nt.NewPatient)
	case r >= under && r < under+w.o.OverRate && natural < top:
		billed, n.Plant = natural+1, PlantOver
	}
	if minutes == 0 && w.chance(w.o.TimeRate) {
		minutes, n.Basis = w.minutesFor(documented, nt.NewPatient), "time"
	}
	n.Documented = w.code(documented, nt.NewPatient)
	n.Billed = w.code(billed, nt.NewPatient)
	if n.Billed != c.Lines[line].Code {
		c.Lines[line].Code = n.Billed
		c.Lines[line].Charge = w.d.charge[n.Billed]
	}
	return minutes, nil
}

func (w *noteWriter) code(level int, newPatient bool) string {
	if newPatient {
		return w.d.EM[level].New
	}
	return w.d.EM[level].Established
}

// minutesFor draws a total time that selects the level and no higher one
// (and no prolonged service at the top level).
func (w *noteWriter) minutesFor(level int, newPatient bool) int {
	lo := w.d.EM[level].EstablishedMinute
	if newPatient {
		lo = w.d.EM[level].NewMinutes
	}
	return lo + w.rng.IntN(5)
}

// extras picks the separately billable services the note documents and
// adds to the claim those that are billed.
func (w *noteWriter) extras(c *claims.Claim, nt noteTemplate, n *Note) []string {
	var texts []string
	for _, id := range nt.Extras {
		x := w.d.Extras[id]
		if !w.eligible(c, x) || !w.chance(w.o.ExtraRate) {
			continue
		}
		s := Service{Code: x.Code, Units: x.Units, Billed: !w.chance(w.o.MissedRate)}
		n.Services = append(n.Services, s)
		texts = append(texts, x.Text)
		if s.Billed {
			dos := c.Lines[0].DOS
			c.Lines = append(c.Lines, claims.Line{Code: x.Code, Modifiers: slices.Clone(x.Modifiers), Units: x.Units,
				Charge: w.d.extraC[id] * claims.Money(x.Units), DOS: dos, Pointers: []int{1}})
		}
	}
	return texts
}

func (w *noteWriter) eligible(c *claims.Claim, x extraSpec) bool {
	if len(x.Payers) > 0 && !slices.Contains(x.Payers, string(c.Payer.Class)) {
		return false
	}
	if slices.Contains(x.NotPOS, c.PlaceOfService) {
		return false
	}
	if x.NoModifier25 && slices.ContainsFunc(c.Lines, func(l claims.Line) bool { return isOfficeEM(l.Code) && l.HasModifier("25") }) {
		return false
	}
	return !slices.ContainsFunc(c.Lines, func(l claims.Line) bool { return l.Code == x.Code })
}

// noteAge writes an age as a de-identified note may state it: Safe
// Harbor makes every age over 89 one category, so an exact one would be
// PHI and the upload's guard would refuse the note.
func noteAge(age int) string {
	if age > 89 {
		return "90+"
	}
	return strconv.Itoa(age)
}

// render writes the note text.
func (w *noteWriter) render(c *claims.Claim, nt noteTemplate, n *Note, extras []string, minutes int) error {
	person, subject, possessive, object := "woman", "She", "her", "her"
	if c.Patient.Sex == claims.Male {
		person, subject, possessive, object = "man", "He", "his", "him"
	}
	if c.Patient.Age < 18 {
		person = map[string]string{"woman": "girl", "man": "boy"}[person]
	}
	fill := strings.NewReplacer("{age}", noteAge(c.Patient.Age), "{person}", person, "{subject}", subject,
		"{possessive}", possessive, "{object}", object, "{minutes}", fmt.Sprint(minutes))
	var b strings.Builder
	fmt.Fprintf(&b, "CHIEF COMPLAINT: %s\n\n", nt.CC)
	fmt.Fprintf(&b, "HISTORY OF PRESENT ILLNESS: %s\n\n", fill.Replace(nt.HPI[w.rng.IntN(len(nt.HPI))]))
	fmt.Fprintf(&b, "PHYSICAL EXAM: %s\n\n", fill.Replace(nt.Exam[w.rng.IntN(len(nt.Exam))]))
	b.WriteString("ASSESSMENT AND PLAN:\n")
	b.WriteString(strings.TrimRight(fill.Replace(nt.Plan), "\n"))
	b.WriteByte('\n')
	for _, x := range extras {
		b.WriteString(fill.Replace(strings.TrimSpace(x)))
		b.WriteByte('\n')
	}
	if minutes > 0 {
		b.WriteString(fill.Replace(strings.TrimSpace(w.d.Time)))
		b.WriteByte('\n')
	}
	if strings.Contains(b.String(), "{") {
		return fmt.Errorf("synth: data/notes.yaml: visit note of claim %s has an unknown placeholder", c.ID)
	}
	n.Text = b.String()
	return nil
}
