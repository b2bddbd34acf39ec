package nlp

import (
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"
)

// MeasureKind is the kind of a measurement.
type MeasureKind uint8

// Measurement kinds (coding-domain.md §3.5).
const (
	BMI           MeasureKind = iota + 1 // kg/m2
	BMIPercentile                        // pediatric BMI percentile
	A1c                                  // %
	BloodPressure                        // Value systolic, Value2 diastolic, mmHg
	EGFR                                 // mL/min/1.73m2; Detail holds a comparator (">")
	Temperature                          // Unit "F" or "C"
	SpO2                                 // %
	CKDStage                             // Value 1-5, Detail the stage as written ("3a")
	TotalTime                            // minutes of practitioner time
	DrugDose                             // Value and Unit of a dose, Detail the drug (canonical name)
	Length                               // cm (mm converted); Value2 second dimension; Detail the noun
	LesionCount                          // Detail the lesion noun
	PHQ9
	PHQ2
	GAD7
	PackYears
	Age // Unit "year", "month", "week" or "day"
	Sex // Detail "female" or "male"
	numMeasureKinds
)

var measureNames = [numMeasureKinds]string{
	"", "bmi", "bmi-percentile", "a1c", "bp", "egfr", "temperature", "spo2", "ckd-stage", "total-time",
	"dose", "length", "lesion-count", "phq9", "phq2", "gad7", "pack-years", "age", "sex",
}

// String returns the kind's name ("bmi", "bp").
func (k MeasureKind) String() string {
	if k > 0 && k < numMeasureKinds {
		return measureNames[k]
	}
	return fmt.Sprintf("measure(%d)", k)
}

// Measurement is a value the note states, with its unit and span.
type Measurement struct {
	Kind   MeasureKind
	Value  float64
	Value2 float64
	Unit   string
	Detail string
	// Start, End span the whole mention, label to unit ("BP 128/76 mmHg").
	Start, End int
	// ValueStart, ValueEnd span the value as written ("128/76").
	ValueStart, ValueEnd int
	Sentence             int
}

// labelKinds maps the label kinds of data/measurements.tsv.
var labelKinds = map[string]MeasureKind{
	"bmi": BMI, "a1c": A1c, "bp": BloodPressure, "egfr": EGFR, "temp": Temperature, "spo2": SpO2,
	"phq9": PHQ9, "phq2": PHQ2, "gad7": GAD7, "time": TotalTime, "ckd": CKDStage, "age": Age,
}

type labelDef struct {
	kind  MeasureKind
	upper bool
}

type sexDef struct {
	value string
	upper bool
}

// measureLexicon holds data/measurements.tsv.
type measureLexicon struct {
	labels  *phraseTable[labelDef]
	fillers *phraseTable[struct{}]
	units   map[string]*phraseTable[float64] // unit kind -> unit -> factor
	nouns   map[string]*phraseTable[string]  // noun kind -> phrase -> canonical noun
	after   map[string]*phraseTable[struct{}]
	sex     *phraseTable[sexDef]
}

var (
	unitKinds  = []string{"length", "dose", "time", "temp"}
	nounKinds  = []string{"wound", "size", "lesion"}
	afterKinds = []string{"packyears", "age-year", "age-month", "age-week", "age-day"}
)

func (a *Analyzer) loadMeasures(fsys fs.FS) (*measureLexicon, error) {
	rows, err := readRows(fsys, "data/measurements.tsv")
	if err != nil {
		return nil, err
	}
	lx := &measureLexicon{
		labels:  newPhraseTable[labelDef](a, lowerKeys),
		fillers: newPhraseTable[struct{}](a, lowerKeys),
		units:   map[string]*phraseTable[float64]{},
		nouns:   map[string]*phraseTable[string]{},
		after:   map[string]*phraseTable[struct{}]{},
		sex:     newPhraseTable[sexDef](a, lowerKeys),
	}
	for _, k := range unitKinds {
		lx.units[k] = newPhraseTable[float64](a, lowerKeys)
	}
	for _, k := range nounKinds {
		lx.nouns[k] = newPhraseTable[string](a, normKeys)
	}
	for _, k := range afterKinds {
		lx.after[k] = newPhraseTable[struct{}](a, lowerKeys)
	}
	for _, r := range rows {
		switch r.kind() {
		case "label":
			if err := r.want(3, 4); err != nil {
				return nil, err
			}
			k, ok := labelKinds[r.field(1)]
			if !ok {
				return nil, r.errorf("unknown label kind %q", r.field(1))
			}
			def := labelDef{kind: k}
			switch r.field(3) {
			case "":
			case "upper":
				def.upper = true
			default:
				return nil, r.errorf("unknown label flag %q", r.field(3))
			}
			for _, p := range alternatives(r.field(2)) {
				if err := addDistinct(r, lx.labels, a.keys(p, lowerKeys), def, p); err != nil {
					return nil, err
				}
			}
		case "filler":
			if err := r.want(2, 2); err != nil {
				return nil, err
			}
			for _, p := range alternatives(r.field(1)) {
				lx.fillers.add(a.keys(p, lowerKeys), struct{}{})
			}
		case "unit":
			if err := r.want(4, 4); err != nil {
				return nil, err
			}
			table, ok := lx.units[r.field(1)]
			if !ok {
				return nil, r.errorf("unknown unit kind %q", r.field(1))
			}
			f, err := r.number(2)
			if err != nil {
				return nil, err
			}
			for _, p := range alternatives(r.field(3)) {
				if err := addDistinct(r, table, a.keys(p, lowerKeys), f, p); err != nil {
					return nil, err
				}
			}
		case "noun":
			if err := r.want(4, 4); err != nil {
				return nil, err
			}
			table, ok := lx.nouns[r.field(1)]
			if !ok {
				return nil, r.errorf("unknown noun kind %q", r.field(1))
			}
			for _, p := range alternatives(r.field(3)) {
				if err := addDistinct(r, table, a.keys(p, normKeys), r.field(2), p); err != nil {
					return nil, err
				}
			}
		case "after":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			table, ok := lx.after[r.field(1)]
			if !ok {
				return nil, r.errorf("unknown kind %q", r.field(1))
			}
			for _, p := range alternatives(r.field(2)) {
				table.add(a.keys(p, lowerKeys), struct{}{})
			}
		case "sex":
			if err := r.want(3, 4); err != nil {
				return nil, err
			}
			v := r.field(1)
			if v != "female" && v != "male" {
				return nil, r.errorf("sex must be female or male, not %q", v)
			}
			def := sexDef{value: v, upper: r.field(3) == "upper"}
			for _, p := range alternatives(r.field(2)) {
				if err := addDistinct(r, lx.sex, a.keys(p, lowerKeys), def, p); err != nil {
					return nil, err
				}
			}
		default:
			return nil, r.errorf("unknown entry kind %q", r.kind())
		}
	}
	return lx, nil
}

// measureScan is the state of the measurement scanner in one sentence.
type measureScan struct {
	a    *Analyzer
	d    *Doc
	toks []Token
	si   int
	end  int // sentence end token
}

// findMeasurements scans every sentence for measurements.
func (a *Analyzer) findMeasurements(d *Doc) {
	for si := range d.Sentences {
		s := &d.Sentences[si]
		sc := measureScan{a: a, d: d, toks: d.Tokens, si: si, end: s.EndToken}
		for i := s.FirstToken; i < s.EndToken; {
			if next := sc.at(i); next > i {
				i = next
			} else {
				i++
			}
		}
	}
}

// at tries every pattern at token i and returns the token after the
// measurement found, or i when none.
func (sc *measureScan) at(i int) int {
	lx := sc.a.measures
	t := &sc.toks[i]
	if def, n := lx.labels.match(sc.toks, i, sc.end); n > 0 && (!def.upper || sc.allUpper(i, i+n)) {
		if next := sc.labeled(def.kind, i, i+n); next > i {
			return next
		}
	}
	next := i
	switch {
	case t.Kind == Number:
		if next = sc.age(i); next == i {
			if next = sc.packYears(i); next == i {
				if next = sc.length(i); next == i {
					if next = sc.lesionCount(i); next == i {
						next = sc.unlabeledVitals(i)
					}
				}
			}
		}
	case t.Kind == Word && t.Has(HasDigit):
		if next = sc.ageToken(i); next == i {
			if next = sc.ckdToken(i); next == i {
				next = sc.length(i)
			}
		}
	case t.Kind == Word && t.Lower == "stage":
		next = sc.stageBeforeCKD(i)
	case t.Kind == Word:
		next = sc.lesionCount(i)
	}
	return next
}

func (sc *measureScan) allUpper(from, to int) bool {
	for k := from; k < to; k++ {
		if sc.toks[k].Kind == Word && !sc.toks[k].Has(AllUpper) {
			return false
		}
	}
	return true
}

func (sc *measureScan) add(m Measurement, first, end, vFirst, vEnd int) int {
	m.Start, m.End = sc.toks[first].Start, sc.toks[end-1].End
	m.ValueStart, m.ValueEnd = sc.toks[vFirst].Start, sc.toks[vEnd-1].End
	m.Sentence = sc.si
	sc.d.Measurements = append(sc.d.Measurements, m)
	return end
}

// skipFillers skips up to four filler words after a label.
func (sc *measureScan) skipFillers(k int) int {
	for n := 0; k < sc.end && n < 4; n++ {
		_, m := sc.a.measures.fillers.match(sc.toks, k, sc.end)
		if m == 0 {
			break
		}
		k += m
	}
	return k
}

// number reads the number token at k.
func (sc *measureScan) number(k int) (float64, bool) {
	if k >= sc.end || sc.toks[k].Kind != Number {
		return 0, false
	}
	return parseNumber(sc.toks[k].Lower)
}

func parseNumber(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// unit matches a unit of the given kind at k and returns its factor and
// length in tokens.
func (sc *measureScan) unit(kind string, k int) (float64, int) {
	if k >= sc.end {
		return 0, 0
	}
	return sc.a.measures.units[kind].match(sc.toks, k, sc.end)
}

func (sc *measureScan) punct(k int, p string) bool { return k < sc.end && sc.toks[k].IsPunct(p) }

// labeled parses the value after a label at [first, k).
func (sc *measureScan) labeled(kind MeasureKind, first, k int) int {
	v0 := sc.skipFillers(k)
	if kind != TotalTime && sc.durationFollows(v0) {
		return first // "recheck A1c in 3 months" is a date, not a value
	}
	switch kind {
	case BloodPressure:
		return sc.bloodPressure(first, v0)
	case BMI:
		if p, ok := ordinal(sc, v0); ok && v0+1 < sc.end && strings.HasPrefix(sc.toks[v0+1].Lower, "percentile") {
			return sc.add(Measurement{Kind: BMIPercentile, Value: p, Unit: "percentile"}, first, v0+2, v0, v0+1)
		}
		v, ok := sc.number(v0)
		if !ok || v < 8 || v > 150 {
			return first
		}
		end := v0 + 1
		if end < sc.end && (sc.toks[end].Lower == "kg/m2" || sc.toks[end].Lower == "kg") {
			end = sc.skipUnitTail(end)
		}
		return sc.add(Measurement{Kind: BMI, Value: v, Unit: "kg/m2"}, first, end, v0, v0+1)
	case A1c:
		return sc.percent(A1c, first, v0, 3, 20)
	case SpO2:
		return sc.percent(SpO2, first, v0, 50, 100)
	case EGFR:
		detail := ""
		if v0 < sc.end && (sc.toks[v0].Lower == ">" || sc.toks[v0].Lower == "<" || sc.toks[v0].Lower == "≥" || sc.toks[v0].Lower == "≤") {
			detail = sc.toks[v0].Lower
			v0++
		}
		v, ok := sc.number(v0)
		if !ok || v < 1 || v > 200 {
			return first
		}
		return sc.add(Measurement{Kind: EGFR, Value: v, Unit: "mL/min/1.73m2", Detail: detail}, first, v0+1, v0, v0+1)
	case Temperature:
		return sc.temperature(first, v0, true)
	case PHQ9, PHQ2, GAD7:
		limit := map[MeasureKind]float64{PHQ9: 27, PHQ2: 6, GAD7: 21}[kind]
		v, ok := sc.number(v0)
		if !ok || v < 0 || v > limit || v != math.Trunc(v) {
			return first
		}
		end := v0 + 1
		if sc.punct(end, "/") && end+1 < sc.end && sc.toks[end+1].Kind == Number {
			end += 2
		}
		return sc.add(Measurement{Kind: kind, Value: v, Unit: "points"}, first, end, v0, v0+1)
	case TotalTime:
		return sc.totalTime(first, k)
	case CKDStage:
		if sc.punct(v0, ",") {
			v0 = sc.skipFillers(v0 + 1)
		}
		stage, n := sc.stage(v0)
		if n == 0 {
			return first
		}
		return sc.add(Measurement{Kind: CKDStage, Value: stage.value, Detail: stage.label}, first, v0+n, v0, v0+n)
	case Age:
		v, ok := sc.number(v0)
		if !ok || v < 0 || v > 120 {
			return first
		}
		return sc.add(Measurement{Kind: Age, Value: v, Unit: "year"}, first, v0+1, v0, v0+1)
	}
	return first
}

// durationFollows reports a number at k followed by a time unit.
func (sc *measureScan) durationFollows(k int) bool {
	if k+1 >= sc.end || sc.toks[k].Kind != Number {
		return false
	}
	switch sc.toks[k+1].Norm {
	case "day", "week", "month", "year", "wk", "mo", "yr", "hour", "hr", "minut", "min", "d":
		return true
	}
	return false
}

// skipUnitTail steps over a unit written in pieces ("kg/m2", "kg / m 2").
func (sc *measureScan) skipUnitTail(k int) int {
	end := k + 1
	if sc.toks[k].Lower == "kg" && sc.punct(end, "/") && end+1 < sc.end && strings.HasPrefix(sc.toks[end+1].Lower, "m") {
		end += 2
	}
	return end
}

// ordinal reads "97th" at k.
func ordinal(sc *measureScan, k int) (float64, bool) {
	if k >= sc.end || sc.toks[k].Kind != Word || !sc.toks[k].Has(HasDigit) {
		return 0, false
	}
	num, rest := leadingDigits(sc.toks[k].Lower)
	if num == "" || rest != "th" && rest != "st" && rest != "nd" && rest != "rd" {
		return 0, false
	}
	return parseNumber(num)
}

// leadingDigits splits "58yo" into "58" and "yo".
func leadingDigits(s string) (string, string) {
	i := 0
	for i < len(s) && isASCIIDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func (sc *measureScan) percent(kind MeasureKind, first, v0 int, lo, hi float64) int {
	v, ok := sc.number(v0)
	if !ok || v < lo || v > hi {
		return first
	}
	end := v0 + 1
	if sc.punct(end, "%") {
		end++
	}
	return sc.add(Measurement{Kind: kind, Value: v, Unit: "%"}, first, end, v0, v0+1)
}

// bloodPressure reads "128/76" at v0, with an optional mmHg.
func (sc *measureScan) bloodPressure(first, v0 int) int {
	sys, ok1 := sc.number(v0)
	dia, ok2 := sc.number(v0 + 2)
	if !ok1 || !ok2 || !sc.punct(v0+1, "/") || !plausibleBP(sys, dia) {
		return first
	}
	end := sc.mmHg(v0 + 3)
	return sc.add(Measurement{Kind: BloodPressure, Value: sys, Value2: dia, Unit: "mmHg"}, first, end, v0, v0+3)
}

func plausibleBP(sys, dia float64) bool {
	return sys >= 50 && sys <= 300 && dia >= 20 && dia <= 200 && sys > dia && sys == math.Trunc(sys) && dia == math.Trunc(dia)
}

// mmHg steps over "mmHg" or "mm Hg" at k.
func (sc *measureScan) mmHg(k int) int {
	if k < sc.end && sc.toks[k].Lower == "mmhg" {
		return k + 1
	}
	if k+1 < sc.end && sc.toks[k].Lower == "mm" && sc.toks[k+1].Lower == "hg" {
		return k + 2
	}
	return k
}

// temperature reads a temperature at v0; without a label it needs a unit.
func (sc *measureScan) temperature(first, v0 int, labeled bool) int {
	v, ok := sc.number(v0)
	if !ok {
		return first
	}
	end := v0 + 1
	unit := ""
	if _, n := sc.unit("temp", end); n > 0 {
		for k := end; k < end+n; k++ {
			switch sc.toks[k].Lower {
			case "f", "°f", "fahrenheit":
				unit = "F"
			case "c", "°c", "celsius", "centigrade":
				unit = "C"
			}
		}
		end += n
	} else if !labeled {
		return first
	}
	if unit == "" {
		unit = "C"
		if v >= 50 {
			unit = "F"
		}
	}
	if unit == "F" && (v < 90 || v > 110) || unit == "C" && (v < 30 || v > 45) {
		return first
	}
	if !labeled && sc.toks[v0+1].Kind == Word && !sc.toks[v0+1].Has(AllUpper) && sc.toks[v0+1].Lower != "fahrenheit" && sc.toks[v0+1].Lower != "celsius" {
		return first // "37 c" in prose is too weak without a label
	}
	return sc.add(Measurement{Kind: Temperature, Value: v, Unit: unit}, first, end, v0, v0+1)
}

// totalTime finds "N minutes" within a dozen tokens after a time label.
func (sc *measureScan) totalTime(first, k int) int {
	for j := k; j < sc.end && j < k+12; j++ {
		v, ok := sc.number(j)
		if !ok {
			continue
		}
		u := j + 1
		if sc.punct(u, "-") {
			u++ // "45-minute visit"
		}
		if f, n := sc.unit("time", u); n > 0 && v > 0 && v*f <= 24*60 {
			return sc.add(Measurement{Kind: TotalTime, Value: v * f, Unit: "min"}, first, u+n, j, j+1)
		}
	}
	return first
}

type ckdStage struct {
	value float64
	label string
}

// stage reads a CKD stage at k: "3", "3a", "IIIb", "4".
func (sc *measureScan) stage(k int) (ckdStage, int) {
	if k >= sc.end {
		return ckdStage{}, 0
	}
	t := &sc.toks[k]
	switch t.Kind {
	case Number:
		v, ok := parseNumber(t.Lower)
		if !ok || v < 1 || v > 5 || v != math.Trunc(v) {
			return ckdStage{}, 0
		}
		label := t.Lower
		n := 1
		if v == 3 && k+1 < sc.end && !sc.toks[k+1].Has(SpaceBefore) && (sc.toks[k+1].Lower == "a" || sc.toks[k+1].Lower == "b") {
			label += sc.toks[k+1].Lower
			n = 2
		}
		return ckdStage{v, label}, n
	case Word:
		if s, ok := parseStage(t.Lower); ok {
			return s, 1
		}
	}
	return ckdStage{}, 0
}

// parseStage reads "3a", "4", "iiib", "iv".
func parseStage(s string) (ckdStage, bool) {
	if r, ok := roman(s); ok {
		s = r
	}
	num, rest := leadingDigits(s)
	if len(num) != 1 || num[0] < '1' || num[0] > '5' {
		return ckdStage{}, false
	}
	if rest != "" && !(num == "3" && (rest == "a" || rest == "b")) {
		return ckdStage{}, false
	}
	return ckdStage{float64(num[0] - '0'), num + rest}, true
}

// ckdToken reads "CKD3a" written as one token.
func (sc *measureScan) ckdToken(i int) int {
	rest, ok := strings.CutPrefix(sc.toks[i].Lower, "ckd")
	if !ok {
		return i
	}
	s, ok := parseStage(rest)
	if !ok {
		return i
	}
	return sc.add(Measurement{Kind: CKDStage, Value: s.value, Detail: s.label}, i, i+1, i, i+1)
}

// stageBeforeCKD reads "stage 3a CKD" / "stage 4 chronic kidney disease".
func (sc *measureScan) stageBeforeCKD(i int) int {
	s, n := sc.stage(i + 1)
	if n == 0 || i+1+n >= sc.end {
		return i
	}
	def, m := sc.a.measures.labels.match(sc.toks, i+1+n, sc.end)
	if m == 0 || def.kind != CKDStage {
		return i
	}
	return sc.add(Measurement{Kind: CKDStage, Value: s.value, Detail: s.label}, i, i+1+n+m, i+1, i+1+n)
}

// age reads "58-year-old woman", "58 yo M", "3 month old".
func (sc *measureScan) age(i int) int {
	v, ok := sc.number(i)
	if !ok || v < 0 || v > 120 {
		return i
	}
	k := i + 1
	if sc.punct(k, "-") {
		k++
	}
	for _, kind := range afterKinds[1:] {
		if k >= sc.end {
			break
		}
		if _, n := sc.a.measures.after[kind].match(sc.toks, k, sc.end); n > 0 {
			unit := strings.TrimPrefix(kind, "age-")
			end := sc.add(Measurement{Kind: Age, Value: v, Unit: unit}, i, k+n, i, i+1)
			return sc.sexAfter(end)
		}
	}
	return i
}

// sexAfter looks for the patient's sex within three words after an age.
func (sc *measureScan) sexAfter(k int) int {
	if sc.punct(k, ".") && !sc.toks[k].Has(SpaceBefore) {
		k++ // the period of "75 y.o. female"
	}
	for j, words := k, 0; j < sc.end && words < 3; j++ {
		if sc.toks[j].Kind == Punct && sc.toks[j].Lower != "-" && sc.toks[j].Lower != "," {
			break
		}
		if def, n := sc.a.measures.sex.match(sc.toks, j, sc.end); n > 0 && (!def.upper || sc.allUpper(j, j+n)) {
			return sc.add(Measurement{Kind: Sex, Detail: def.value}, j, j+n, j, j+n)
		}
		if sc.toks[j].Kind == Word {
			words++
		}
	}
	return k
}

// ageToken reads ages written as one token: "58M", "45F", "58yo", "58yof".
func (sc *measureScan) ageToken(i int) int {
	t := &sc.toks[i]
	num, rest := leadingDigits(t.Lower)
	if num == "" || len(num) > 3 {
		return i
	}
	v, _ := parseNumber(num)
	if v > 120 {
		return i
	}
	surface := sc.d.Text[t.Start:t.End]
	sex := ""
	switch rest {
	case "yo", "y", "yr":
	case "yom", "ym":
		sex = "male"
	case "yof", "yf":
		sex = "female"
	case "m", "f":
		// A bare letter must be a capital and not a device size ("10F Foley").
		if !strings.HasSuffix(surface, "M") && !strings.HasSuffix(surface, "F") || sc.deviceFollows(i+1) {
			return i
		}
		sex = map[string]string{"m": "male", "f": "female"}[rest]
	default:
		return i
	}
	sc.add(Measurement{Kind: Age, Value: v, Unit: "year"}, i, i+1, i, i+1)
	if sex != "" {
		return sc.add(Measurement{Kind: Sex, Detail: sex}, i, i+1, i, i+1)
	}
	return sc.sexAfter(i + 1)
}

func (sc *measureScan) deviceFollows(k int) bool {
	if k >= sc.end {
		return false
	}
	switch sc.toks[k].Norm {
	case "foley", "catheter", "fr", "french", "sheath", "tube", "needle", "gauge", "cannula":
		return true
	}
	return false
}

// packYears reads "30 pack-year", "30-pack-year history".
func (sc *measureScan) packYears(i int) int {
	v, ok := sc.number(i)
	if !ok || v <= 0 || v > 300 {
		return i
	}
	k := i + 1
	if sc.punct(k, "-") {
		k++
	}
	if k >= sc.end {
		return i
	}
	if _, n := sc.a.measures.after["packyears"].match(sc.toks, k, sc.end); n > 0 {
		return sc.add(Measurement{Kind: PackYears, Value: v, Unit: "pack-years"}, i, k+n, i, i+1)
	}
	return i
}

// length reads "3.0 cm", "3cm", "2 x 1.5 cm", "6 mm" and names what it
// measures from a nearby noun.
func (sc *measureScan) length(i int) int {
	v, unitAt, ok := sc.numberWithUnitStart(i)
	if !ok {
		return i
	}
	v2 := 0.0
	if unitAt == i+1 && i+2 < sc.end && (sc.toks[i+1].Lower == "x" || sc.toks[i+1].Lower == "by") {
		// "2 x 3 cm": the unit follows the second number.
		if w, at, ok := sc.numberWithUnitStart(i + 2); ok {
			v2, unitAt = w, at
		}
	}
	f, n, inToken := sc.lengthUnit(i, unitAt)
	if n == 0 && !inToken {
		return i
	}
	end := unitAt + n
	if inToken {
		end = unitAt + 1
	}
	if end < sc.end && (sc.toks[end].Lower == "hg" || sc.toks[end].Lower == "mmhg") {
		return i
	}
	if v2 == 0 && end+1 < sc.end && (sc.toks[end].Lower == "x" || sc.toks[end].Lower == "by") {
		// "2 cm x 3 cm"
		if w, at, ok := sc.numberWithUnitStart(end + 1); ok {
			if f2, n2, in2 := sc.lengthUnit(end+1, at); n2 > 0 || in2 {
				v2 = w * f2 / f
				end = at + max(n2, 1)
			}
		}
	}
	m := Measurement{Kind: Length, Value: round2(v * f), Value2: round2(v2 * f), Unit: "cm", Detail: sc.nounNear(i, end)}
	if m.Value <= 0 || m.Value > 200 {
		return i
	}
	return sc.add(m, i, end, i, i+1)
}

// numberWithUnitStart reads a number at k, either a number token (unit in
// the next token) or a digit-led word ("3cm", unit inside the token). It
// returns the value and the index where the unit starts.
func (sc *measureScan) numberWithUnitStart(k int) (float64, int, bool) {
	if k >= sc.end {
		return 0, 0, false
	}
	t := &sc.toks[k]
	if t.Kind == Number {
		v, ok := parseNumber(t.Lower)
		return v, k + 1, ok
	}
	if t.Kind == Word && t.Has(HasDigit) {
		num, rest := leadingDigits(t.Lower)
		if num != "" && rest != "" {
			v, ok := parseNumber(num)
			return v, k, ok
		}
	}
	return 0, 0, false
}

// lengthUnit matches a length unit at unitAt; when the unit sits inside the
// number's own token ("3cm") inToken is set.
func (sc *measureScan) lengthUnit(numAt, unitAt int) (factor float64, n int, inToken bool) {
	if unitAt == numAt {
		_, rest := leadingDigits(sc.toks[numAt].Lower)
		probe := []Token{{Kind: Word, Lower: rest, lid: sc.a.vocab.ids[rest]}}
		sc.a.setHeads(&probe[0])
		f, m := sc.a.measures.units["length"].match(probe, 0, 1)
		return f, 0, m > 0
	}
	f, m := sc.unit("length", unitAt)
	return f, m, false
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// nounNear names what a length measures: the nearest wound or size noun
// within six tokens after it or three before it (after wins a tie).
func (sc *measureScan) nounNear(first, end int) string {
	lx := sc.a.measures
	s := &sc.d.Sentences[sc.si]
	nounAt := func(k int) string {
		for _, kind := range []string{"wound", "size"} {
			if noun, n := lx.nouns[kind].match(sc.toks, k, sc.end); n > 0 {
				return noun
			}
		}
		return ""
	}
	for dist := 0; dist < 6; dist++ {
		if k := end + dist; k < sc.end {
			if noun := nounAt(k); noun != "" {
				return noun
			}
		}
		if k := first - 1 - dist; dist < 3 && k >= s.FirstToken {
			if noun := nounAt(k); noun != "" {
				return noun
			}
		}
	}
	return ""
}

// lesionCount reads "12 actinic keratoses", "twelve AKs", "AKs x 12".
func (sc *measureScan) lesionCount(i int) int {
	lx := sc.a.measures.nouns["lesion"]
	t := &sc.toks[i]
	if v, ok := countValue(t); ok {
		if _, n := sc.unit("length", i+1); n > 0 || sc.punct(i+1, "%") {
			return i
		}
		for k := i + 1; k < sc.end && k <= i+3; k++ {
			if noun, n := lx.match(sc.toks, k, sc.end); n > 0 {
				return sc.add(Measurement{Kind: LesionCount, Value: v, Detail: noun}, i, k+n, i, i+1)
			}
			if sc.toks[k].Kind != Word {
				break
			}
		}
		return i
	}
	noun, n := lx.match(sc.toks, i, sc.end)
	if n == 0 {
		return i
	}
	k := i + n
	if k < sc.end && (sc.toks[k].Lower == "x" || sc.toks[k].Lower == "#" || sc.toks[k].Lower == ":") {
		k++
	} else {
		return i
	}
	if k < sc.end {
		if v, ok := countValue(&sc.toks[k]); ok {
			return sc.add(Measurement{Kind: LesionCount, Value: v, Detail: noun}, i, k+1, k, k+1)
		}
	}
	return i
}

// countValue reads a whole count from a number or a number word.
func countValue(t *Token) (float64, bool) {
	s := t.Lower
	if t.Kind == Word {
		s = t.Norm
	} else if t.Kind != Number {
		return 0, false
	}
	if len(s) == 0 || len(s) > 3 {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	if v < 1 || v > 200 {
		return 0, false
	}
	return float64(v), true
}

// unlabeledVitals reads values that identify themselves without a label:
// "150/92 mmHg" (or a bare pair in the vitals section), "101.2 °F", and
// "94% on room air".
func (sc *measureScan) unlabeledVitals(i int) int {
	if sc.punct(i+1, "/") {
		inVitals := sc.d.Sections[sc.d.Sentences[sc.si].Section].Kind == SectionVitals
		if sc.mmHg(i+3) > i+3 || inVitals {
			return sc.bloodPressure(i, i)
		}
		return i
	}
	if next := sc.temperature(i, i, false); next > i {
		return next
	}
	if sc.punct(i+1, "%") && i+2 < sc.end {
		k := i + 2
		if sc.toks[k].Lower == "on" {
			k++
		}
		if k < sc.end && (sc.toks[k].Lower == "ra" || sc.toks[k].Lower == "room" || sc.toks[k].Lower == "o2") {
			return sc.percent(SpO2, i, i, 50, 100)
		}
	}
	return i
}
