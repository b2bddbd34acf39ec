package engine

import (
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/nlp"
)

// contextLexicon is tables/context.tsv: conditions whose acuity a
// documented duration sets.
type contextLexicon struct {
	acuity map[string][2]int // index main term key → acute, subacute day limits (-1 none)
	sides  map[string]string // normalized word → side
	// regions maps an nlp site region to the words tabular titles use for
	// it ("hand" is in the upper limb).
	regions map[string][]string
	// siteWords maps an nlp site to the words the classification files it
	// under (a thumb is a finger, a digit).
	siteWords map[string][]string
}

func loadContextLexicon(fsys fs.FS, words wordsFunc) (*contextLexicon, error) {
	rows, err := readTSV(fsys, "tables/context.tsv")
	if err != nil {
		return nil, err
	}
	lx := &contextLexicon{acuity: map[string][2]int{}, sides: map[string]string{}, regions: map[string][]string{}, siteWords: map[string][]string{}}
	for _, r := range rows {
		switch r.kind() {
		case "region", "site":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			ws := words(r.field(2))
			if len(ws) == 0 || strings.ContainsRune(r.field(1), ' ') {
				return nil, r.errorf("%s %q needs one name and some words", r.kind(), r.field(1))
			}
			if r.kind() == "region" {
				lx.regions[r.field(1)] = ws
			} else {
				lx.siteWords[r.field(1)] = ws
			}
			continue
		case "side":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			side := r.field(2)
			if side != sideRight && side != sideLeft && side != sideBilateral {
				return nil, r.errorf("unknown side %q", side)
			}
			ws := words(r.field(1))
			if len(ws) != 1 {
				return nil, r.errorf("side word %q must be one word", r.field(1))
			}
			lx.sides[ws[0]] = side
			continue
		case "acuity":
		default:
			return nil, r.errorf("unknown kind %q", r.kind())
		}
		if err := r.want(4, 4); err != nil {
			return nil, err
		}
		acute, err := strconv.Atoi(r.field(2))
		if err != nil || acute <= 0 {
			return nil, r.errorf("acute-days %q is not a positive number", r.field(2))
		}
		sub := -1
		if r.field(3) != "-" {
			if sub, err = strconv.Atoi(r.field(3)); err != nil || sub <= acute {
				return nil, r.errorf("subacute-days %q must be a number above acute-days", r.field(3))
			}
		}
		lx.acuity[icd.MatchKey(r.field(1))] = [2]int{acute, sub}
	}
	return lx, nil
}

// sideOf returns the side word nearest the mention in its sentence, "" when
// none.
func (c *noteCoder) sideOf(m *mention) string {
	d := c.doc
	best, bestDist := "", -1
	lo, hi := c.sentenceTerms(m.sentence)
	for i := lo; i < hi; i++ {
		t := &d.Terms[i]
		side, ok := c.e.context.sides[t.Norm]
		if !ok {
			continue
		}
		dist := 0
		switch {
		case t.End <= m.start:
			dist = m.start - t.End
		case t.Start >= m.end:
			dist = t.Start - m.end
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = side, dist
		}
	}
	return best
}

// sentenceSeq returns the normalized words of sentence s in order.
func (c *noteCoder) sentenceSeq(s int) []string {
	var out []string
	lo, hi := c.sentenceTerms(s)
	for i := lo; i < hi; i++ {
		if t := &c.doc.Terms[i]; !t.Has(nlp.Stop) && c.nw[i].norm != "" {
			out = append(out, c.nw[i].norm)
		}
	}
	return out
}

// containsSeq reports whether seq holds phrase as consecutive words.
func containsSeq(seq, phrase []string) bool {
	for i := 0; i+len(phrase) <= len(seq); i++ {
		ok := true
		for k, w := range phrase {
			if seq[i+k] != w {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// durationRe finds a stated duration: "3 days", "x2 days", "for 3 weeks",
// "2-week", "x 3 d".
var durationRe = regexp.MustCompile(`(?i)\b(?:x\s*)?(\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten)[\s-]*(days?|d|weeks?|wks?|wk|months?|mos?|years?|yrs?)\b`)

var numberWords = map[string]int{"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}

// durationDays returns the first duration stated in text, in days; an
// age ("34-year-old") is not a duration.
func durationDays(text string) (int, bool) {
	var m []string
	for _, loc := range durationRe.FindAllStringSubmatchIndex(text, -1) {
		rest := strings.ToLower(text[loc[1]:])
		if strings.HasPrefix(rest, "-old") || strings.HasPrefix(rest, " old") || strings.HasPrefix(rest, "s old") || strings.HasPrefix(rest, "s-old") {
			continue
		}
		m = make([]string, 3)
		for i := range m {
			m[i] = text[loc[2*i]:loc[2*i+1]]
		}
		break
	}
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		n = numberWords[strings.ToLower(m[1])]
	}
	unit := strings.ToLower(m[2])
	switch {
	case strings.HasPrefix(unit, "d"):
		return n, true
	case strings.HasPrefix(unit, "w"):
		return n * 7, true
	case strings.HasPrefix(unit, "m"):
		return n * 30, true
	default:
		return n * 365, true
	}
}

// acuityWord returns "acute", "subacute" or "chronic" when the mention's
// condition has a duration-defined acuity and its sentence states a
// duration.
func (c *noteCoder) acuityWord(m *mention, main *icd.Term) string {
	if main == nil || m.sentence < 0 || m.sentence >= len(c.doc.Sentences) {
		return ""
	}
	limits, ok := c.e.context.acuity[icd.MatchKey(firstPart(main.Title))]
	if !ok {
		return ""
	}
	s := c.doc.Sentences[m.sentence]
	days, ok := durationDays(c.doc.Text[s.Start:s.End])
	if !ok {
		return ""
	}
	switch {
	case days <= limits[0]:
		return "acute"
	case limits[1] > 0 && days <= limits[1]:
		return "subacute"
	default:
		return "chronic"
	}
}
