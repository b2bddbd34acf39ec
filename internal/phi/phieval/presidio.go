// Package phieval measures the PHI detector against annotated data: the
// presidio-research synthetic sentences (recall and precision per HIPAA
// kind) and the patient names of the ACI-Bench visit notes.
package phieval

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"unicode"

	"github.com/medcode/medcode/internal/phi"
)

// PresidioFile is the file name of the presidio synthetic set under
// eval-dev/phi.
const PresidioFile = "presidio_synth_v2.json"

// presidioRecord is one sentence of the presidio synthetic set.
type presidioRecord struct {
	FullText string         `json:"full_text"`
	Spans    []presidioSpan `json:"spans"`
}

type presidioSpan struct {
	EntityType string `json:"entity_type"`
	Value      string `json:"entity_value"`
	Start      int    `json:"start_position"`
	End        int    `json:"end_position"`
}

// Mapping of the presidio entity types to HIPAA kinds. PERSON, STREET_ADDRESS,
// ZIP_CODE, PHONE_NUMBER, EMAIL_ADDRESS, US_SSN, IP_ADDRESS, DOMAIN_NAME (a
// URL), CREDIT_CARD and IBAN_CODE (account numbers) and US_DRIVER_LICENSE
// are Safe Harbor identifiers whatever their value. Three types are
// identifiers only for some values:
//   - GPE (a place) counts when it is a city or region inside a postal
//     address (next to a street or postcode) and is not a state or a
//     country: Safe Harbor keeps state-level geography, and a city outside an
//     address ("flew to Phoenix") is not the individual's address.
//   - DATE_TIME counts when it is more specific than a year: a year alone or
//     a weekday alone is not a Safe Harbor date element.
//   - AGE counts when it is over 89.
//
// ORGANIZATION, NRP (nationality, religion, political group) and TITLE
// (job title or honorific) are not Safe Harbor identifiers and are not
// counted; a detection that falls on one of them is reported as "neutral"
// rather than as an error.
var presidioKinds = map[string]phi.Kind{
	"PERSON":            phi.KindName,
	"STREET_ADDRESS":    phi.KindAddress,
	"ZIP_CODE":          phi.KindAddress,
	"GPE":               phi.KindAddress,
	"DATE_TIME":         phi.KindDate,
	"AGE":               phi.KindAge,
	"PHONE_NUMBER":      phi.KindPhone,
	"EMAIL_ADDRESS":     phi.KindEmail,
	"US_SSN":            phi.KindSSN,
	"IP_ADDRESS":        phi.KindIP,
	"DOMAIN_NAME":       phi.KindURL,
	"CREDIT_CARD":       phi.KindAccount,
	"IBAN_CODE":         phi.KindAccount,
	"US_DRIVER_LICENSE": phi.KindLicense,
}

// compatible reports whether a detection of kind got matches a gold span
// of kind want: a phone number announced as a fax is still the number.
func compatible(want, got phi.Kind) bool {
	if want == got {
		return true
	}
	return want == phi.KindPhone && got == phi.KindFax || want == phi.KindFax && got == phi.KindPhone
}

// goldSpan is a gold entity with its HIPAA kind; relevant is false for the
// entities that are not Safe Harbor identifiers.
type goldSpan struct {
	start, end int
	kind       phi.Kind
	relevant   bool
	source     string
}

// KindScore is the score of one HIPAA kind.
type KindScore struct {
	Kind      phi.Kind `json:"kind"`
	Gold      int      `json:"gold"`      // relevant gold entities of the kind
	Found     int      `json:"found"`     // of them, detected with a compatible kind
	Predicted int      `json:"predicted"` // detections of the kind
	Correct   int      `json:"correct"`   // of them, on a relevant gold entity of a compatible kind
	Neutral   int      `json:"neutral"`   // of them, on a gold entity that is not an identifier
	Recall    float64  `json:"recall"`
	Precision float64  `json:"precision"` // Correct / (Predicted - Neutral)
}

// Report is the result of one evaluation.
type Report struct {
	Dataset   string      `json:"dataset"`
	Documents int         `json:"documents"`
	Kinds     []KindScore `json:"kinds"`
	Total     KindScore   `json:"total"`
	// StrictPrecision counts neutral detections as errors.
	StrictPrecision float64 `json:"strict_precision"`
	// Misses and FalsePositives list a few errors for inspection, as
	// kind + offsets + the identifier text of the public synthetic set.
	Misses         []string `json:"misses,omitempty"`
	FalsePositives []string `json:"false_positives,omitempty"`
}

// Presidio scores the detector on the presidio synthetic set at path.
// A gold entity counts as found when detections of a compatible kind cover
// at least half of its non-space characters; a detection counts as correct
// when relevant gold entities of a compatible kind cover at least half of
// its own.
func Presidio(det *phi.Detector, path string, keepErrors int) (*Report, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("phieval: %w", err)
	}
	var records []presidioRecord
	if err := json.Unmarshal(raw, &records); err != nil {
		return nil, fmt.Errorf("phieval: %s: %w", path, err)
	}
	scores := map[phi.Kind]*KindScore{}
	score := func(k phi.Kind) *KindScore {
		if scores[k] == nil {
			scores[k] = &KindScore{Kind: k}
		}
		return scores[k]
	}
	rep := &Report{Dataset: "presidio-research synthetic v2 (" + path + ")", Documents: len(records)}
	for n, r := range records {
		gold, err := goldSpans(r)
		if err != nil {
			return nil, fmt.Errorf("phieval: %s: record %d: %w", path, n, err)
		}
		spans := det.Scan(r.FullText)
		for _, g := range gold {
			if !g.relevant {
				continue
			}
			s := score(g.kind)
			s.Gold++
			if covered(r.FullText, g.start, g.end, spans, g.kind) {
				s.Found++
			} else if len(rep.Misses) < keepErrors {
				rep.Misses = append(rep.Misses, fmt.Sprintf("record %d %s %q in %q", n, g.source, r.FullText[g.start:g.end], r.FullText))
			}
		}
		for _, p := range spans {
			s := score(p.Type)
			s.Predicted++
			switch {
			case coveredByGold(r.FullText, p, gold, true):
				s.Correct++
			case coveredByGold(r.FullText, p, gold, false):
				s.Neutral++
			default:
				if len(rep.FalsePositives) < keepErrors {
					rep.FalsePositives = append(rep.FalsePositives, fmt.Sprintf("record %d %s %q in %q", n, p.Type, p.Text, r.FullText))
				}
			}
		}
	}
	for _, k := range phi.Kinds() {
		if s := scores[k]; s != nil {
			s.finish()
			rep.Kinds = append(rep.Kinds, *s)
			rep.Total.Gold += s.Gold
			rep.Total.Found += s.Found
			rep.Total.Predicted += s.Predicted
			rep.Total.Correct += s.Correct
			rep.Total.Neutral += s.Neutral
		}
	}
	rep.Total.finish()
	if rep.Total.Predicted > 0 {
		rep.StrictPrecision = float64(rep.Total.Correct) / float64(rep.Total.Predicted)
	}
	return rep, nil
}

func (s *KindScore) finish() {
	if s.Gold > 0 {
		s.Recall = float64(s.Found) / float64(s.Gold)
	}
	if n := s.Predicted - s.Neutral; n > 0 {
		s.Precision = float64(s.Correct) / float64(n)
	}
}

// goldSpans maps a record's entities to HIPAA kinds and decides which are
// Safe Harbor identifiers. The set gives character (code point) offsets;
// the detector works in bytes.
func goldSpans(r presidioRecord) ([]goldSpan, error) {
	byteAt := make([]int, 0, len(r.FullText)+1)
	for i := range r.FullText {
		byteAt = append(byteAt, i)
	}
	byteAt = append(byteAt, len(r.FullText))
	var out []goldSpan
	for _, s := range r.Spans {
		if s.Start < 0 || s.End >= len(byteAt) || s.Start >= s.End {
			return nil, fmt.Errorf("span %s [%d,%d) outside the text", s.EntityType, s.Start, s.End)
		}
		kind, ok := presidioKinds[s.EntityType]
		g := goldSpan{start: byteAt[s.Start], end: byteAt[s.End], kind: kind, relevant: ok, source: s.EntityType}
		value := r.FullText[g.start:g.end]
		if value != s.Value {
			return nil, fmt.Errorf("span %s [%d,%d) is %q in the text, %q in the annotation", s.EntityType, s.Start, s.End, value, s.Value)
		}
		switch s.EntityType {
		case "DATE_TIME":
			g.relevant = digitRuns(value) >= 2
		case "AGE":
			age, err := strconv.Atoi(value)
			g.relevant = err == nil && age > 89
		}
		out = append(out, g)
	}
	// A GPE counts only inside a postal address and below state level.
	for i := range out {
		if out[i].source == "GPE" {
			out[i].relevant = !phi.StateLevel(r.FullText[out[i].start:out[i].end]) && nextToAddress(r.FullText, out, i)
		}
	}
	return out, nil
}

// nextToAddress reports whether gold span i touches a street or postcode
// span, with only spaces, commas and line breaks between them.
func nextToAddress(text string, gold []goldSpan, i int) bool {
	g := gold[i]
	for j, o := range gold {
		if j == i || o.source != "STREET_ADDRESS" && o.source != "ZIP_CODE" {
			continue
		}
		a, b := o.end, g.start
		if g.end <= o.start {
			a, b = g.end, o.start
		}
		if a <= b && onlySeparators(text[a:b]) {
			return true
		}
	}
	return false
}

func onlySeparators(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && r != ',' {
			return false
		}
	}
	return true
}

func digitRuns(s string) int {
	n := 0
	in := false
	for _, r := range s {
		d := r >= '0' && r <= '9'
		if d && !in {
			n++
		}
		in = d
	}
	return n
}

// nonSpace counts the non-space bytes of text[a:b] that are inside the
// given intervals.
func coveredBytes(text string, a, b int, intervals [][2]int) (covered, total int) {
	sort.Slice(intervals, func(i, j int) bool { return intervals[i][0] < intervals[j][0] })
	for i := a; i < b; i++ {
		if c := text[i]; c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			continue
		}
		total++
		for _, iv := range intervals {
			if iv[0] <= i && i < iv[1] {
				covered++
				break
			}
		}
	}
	return covered, total
}

// covered reports whether detections of a compatible kind cover at least
// half of text[a:b].
func covered(text string, a, b int, spans []phi.Span, kind phi.Kind) bool {
	var iv [][2]int
	for _, s := range spans {
		if compatible(kind, s.Type) && s.Start < b && s.End > a {
			iv = append(iv, [2]int{s.Start, s.End})
		}
	}
	c, t := coveredBytes(text, a, b, iv)
	return t > 0 && 2*c >= t
}

// coveredByGold reports whether gold entities cover at least half of the
// detection: relevant ones of a compatible kind, or (relevant false) any
// entity that is not an identifier.
func coveredByGold(text string, p phi.Span, gold []goldSpan, relevant bool) bool {
	var iv [][2]int
	for _, g := range gold {
		if g.start >= p.End || g.end <= p.Start {
			continue
		}
		if relevant && g.relevant && compatible(g.kind, p.Type) || !relevant && !g.relevant {
			iv = append(iv, [2]int{g.start, g.end})
		}
	}
	c, t := coveredBytes(text, p.Start, p.End, iv)
	return t > 0 && 2*c >= t
}
