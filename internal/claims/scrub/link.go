package scrub

import (
	"slices"
	"strings"
	"unicode"

	"github.com/medcode/medcode/internal/claims"
)

// lnkPointers runs LNK-01.
func (k *check) lnkPointers() {
	for i, l := range k.c.Lines {
		if len(l.Pointers) == 0 {
			k.add("LNK-01", i+1, []string{l.Code}, "", "", "%s points to no diagnosis", l.Code)
		}
	}
}

// lnkCoverage runs LNK-02 against the payer's coverage policies.
func (k *check) lnkCoverage() {
	for i, l := range k.c.Lines {
		dx := k.pointed(l)
		if !k.validPx[i] || len(dx) == 0 || l.HasModifier("GA") {
			continue
		}
		for _, p := range k.s.src.Coverage.Policies(l.Code, k.c.Payer.Class, l.DOS.Time()) {
			if slices.ContainsFunc(k.c.Lines, func(o claims.Line) bool { return slices.Contains(p.WaivedBy, o.Code) }) {
				continue
			}
			non := k.patterns(p.NonCovered)
			if slices.ContainsFunc(dx, func(d string) bool { return !non.match(d) }) {
				continue
			}
			k.add("LNK-02", i+1, append([]string{l.Code}, dx...), p.Severity, "",
				"%s is pointed only to %s: %s (policy %s)", l.Code, joinCodes(dx), p.Note, p.ID)
		}
	}
}

// lnkSanity runs LNK-03: pointers that do not fit the kind of service.
func (k *check) lnkSanity() {
	sets := k.s.t.dxSets
	hasSymptom := false
	for i, d := range k.c.Diagnoses {
		hasSymptom = hasSymptom || (k.validDx[i] && sets["symptom"].match(d))
	}
	for i, l := range k.c.Lines {
		dx := k.pointed(l)
		if !k.validPx[i] || len(dx) == 0 {
			continue
		}
		all := func(set string) bool {
			return !slices.ContainsFunc(dx, func(d string) bool { return !sets[set].match(d) })
		}
		some := func(set string) bool { return slices.ContainsFunc(dx, sets[set].match) }
		code := l.Code
		_, vaccineProduct := k.s.t.vaccines[code]
		switch {
		case k.isPreventive(code) && !sets["encounter"].match(dx[0]):
			k.add("LNK-03", i+1, []string{code, dx[0]}, "", "Point "+code+" first to the routine examination code (Z00-Z13)",
				"preventive service %s is pointed first to problem diagnosis %s", code, dx[0])
		case k.in("office_em", code) && l.HasModifier("25") && all("routine_exam"):
			k.add("LNK-03", i+1, append([]string{code}, dx...), "", "Point "+code+"-25 to the problem it addressed",
				"problem-oriented %s-25 is pointed only to routine examination codes", code)
		case (vaccineProduct || k.in("vaccine_admin", code)) && !some("vaccination"):
			k.add("LNK-03", i+1, append([]string{code}, dx...), "", "Point "+code+" to Z23",
				"vaccine line %s is not pointed to Z23 (encounter for immunization)", code)
		case k.in("lab", code) && hasSymptom && all("screening"):
			k.add("LNK-03", i+1, append([]string{code}, dx...), "", "Point the test to the symptom or condition that prompted it",
				"test %s is pointed only to screening codes although the claim lists symptoms", code)
		}
	}
}

// lnkLaterality runs LNK-04: the side in a diagnosis title against the
// line's RT/LT/50.
func (k *check) lnkLaterality() {
	icd := k.s.src.ICD
	if icd == nil {
		return
	}
	for i, l := range k.c.Lines {
		side := k.side(l)
		if !k.validPx[i] || side == "" {
			continue
		}
		var dxSides []string
		var sided []string
		for _, d := range k.pointed(l) {
			if s := titleSide(icd.CheckICD(d, k.dos).Title); s != "" {
				dxSides = append(dxSides, s)
				sided = append(sided, d)
			}
		}
		if len(dxSides) == 0 || slices.Contains(dxSides, side) || (side != "bilateral" && slices.Contains(dxSides, "bilateral")) {
			continue
		}
		k.add("LNK-04", i+1, append([]string{l.Code}, sided...), "", "",
			"%s is billed for the %s side but its diagnosis %s names the %s side", l.Code, side, joinCodes(sided), strings.Join(dxSides, "/"))
	}
}

// titleSide finds "right", "left" or "bilateral" as a word of a title.
func titleSide(title string) string {
	words := strings.FieldsFunc(strings.ToLower(title), func(r rune) bool { return !unicode.IsLetter(r) })
	for _, w := range words {
		switch w {
		case "right", "left", "bilateral":
			return w
		}
	}
	return ""
}
