package phi

import (
	"bufio"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The lexicons are data, not code: data/README.md says where each list
// comes from and how to change it.
//
//go:embed data/*.txt data/*.tsv
var dataFS embed.FS

// wordFlag records which lexicons a lower-case word belongs to; one map
// lookup per token answers every membership question.
type wordFlag uint32

const (
	wGiven          wordFlag = 1 << iota // given name
	wSurname                             // family name
	wOtherName                           // name of either kind
	wEnglish                             // common English word
	wClinical                            // drug, device or clinical term
	wEponymDisease                       // eponym used alone for a disease
	wEponymSign                          // eponym of a sign, test or device
	wEponymHead                          // head word after an eponym ("syndrome")
	wTitle                               // honorific before a name
	wClinicianTitle                      // clinician title before a name
	wCredential                          // clinician credential after a name
	wCountry                             // one-word country name
	wState                               // one-word US state name
	wStreetSuffix                        // "Street", "Ave"
	wStreetPrefix                        // "Rue", "Via"
	wUnit                                // "Apt", "Suite"
	wBox                                 // "Box", "PSC"
	wOrgSuffix                           // "Inc", "Technologies"
	wMonth                               // month name or abbreviation
	wWeekday                             // weekday name or abbreviation
	wDateCue                             // word after which "3/14" is a date
	wFunction                            // English function word, never a name
	wDrugContext                         // word after which a capitalised word is a drug
	wProper                              // proper noun that is not a personal name
	wMeasure                             // unit of measure or counted thing after a number
	wRareWord                            // less common English word
	wNameCueEnd                          // last word of a name cue
	wIDCueEnd                            // last word of an identifier cue
)

const wAnyName = wGiven | wSurname | wOtherName

// phrase is a cue of one or more lower-case words.
type phrase struct {
	words  []string
	strong bool // name cues: strong or weak
	staff  bool // name cues: the name is a clinician's
	greet  bool // name cues: a greeting, which may address a common-word name
	poss   bool // name cues: follows a possessive name ("Misty's daughter")
	kind   Kind // identifier cues: the kind that follows
}

// phraseIndex finds phrases by their last word (cues before a target are
// matched backwards from the target) or first word (cues after it).
type phraseIndex map[string][]phrase

func (ix phraseIndex) add(p phrase, key string) { ix[key] = append(ix[key], p) }

// lexicon is every word list the detector uses, parsed once.
type lexicon struct {
	words        map[string]wordFlag
	months       map[string]int
	stateCodes   map[string]bool // "IL", "NY"
	multiGeo     phraseIndex     // multi-word countries and states, by first word
	streetEnding []string        // "katu", "strasse"
	clinicalEnd  []string        // "pril", "itis"
	nameBefore   phraseIndex     // cues before a name, by last word
	nameAfter    phraseIndex     // cues after a name, by first word
	idCues       phraseIndex     // identifier cues, by last word
	// Stand-in words for pseudonymised names.
	surrogateGiven, surrogateFamily []string
}

var loadLexicon = sync.OnceValues(func() (*lexicon, error) { return parseLexicon(dataFS) })

// mustLexicon returns the embedded lexicon. The files are part of the
// binary and covered by tests, so a parse error is a build defect.
func mustLexicon() *lexicon {
	lx, err := loadLexicon()
	if err != nil {
		panic(err)
	}
	return lx
}

func parseLexicon(fsys embed.FS) (*lexicon, error) {
	lx := &lexicon{
		words:      make(map[string]wordFlag, 190000),
		months:     map[string]int{},
		stateCodes: map[string]bool{},
		multiGeo:   phraseIndex{},
		nameBefore: phraseIndex{},
		nameAfter:  phraseIndex{},
		idCues:     phraseIndex{},
	}
	simple := []struct {
		file string
		flag wordFlag
	}{
		{"given_names.txt", wGiven},
		{"surnames.txt", wSurname},
		{"other_names.txt", wOtherName},
		{"english_words.txt", wEnglish},
		{"english_rare.txt", wRareWord},
		{"clinical_words.txt", wClinical},
		{"eponym_heads.txt", wEponymHead},
		{"org_suffixes.txt", wOrgSuffix},
		{"function_words.txt", wFunction},
		{"drug_context.txt", wDrugContext},
		{"proper_nouns.txt", wProper},
		{"nationalities.txt", wProper},
		{"units.txt", wMeasure},
	}
	for _, s := range simple {
		err := eachLine(fsys, s.file, 1, func(f []string) error {
			lx.words[f[0]] |= s.flag
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	err := eachLine(fsys, "countries.txt", 1, func(f []string) error {
		if words := phraseWords(f[0]); len(words) > 1 {
			lx.multiGeo.add(phrase{words: words}, words[0])
		} else {
			lx.words[f[0]] |= wCountry
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(fsys, "us_states.tsv", 2, func(f []string) error {
		if words := phraseWords(f[0]); len(words) > 1 {
			lx.multiGeo.add(phrase{words: words}, words[0])
		} else {
			lx.words[f[0]] |= wState
		}
		if len(f[1]) != 2 || strings.ToUpper(f[1]) != f[1] {
			return fmt.Errorf("state code %q is not two capital letters", f[1])
		}
		lx.stateCodes[f[1]] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(fsys, "eponyms.tsv", 2, func(f []string) error {
		switch f[1] {
		case "disease":
			lx.words[f[0]] |= wEponymDisease
		case "sign":
			lx.words[f[0]] |= wEponymSign
		default:
			return fmt.Errorf("unknown eponym class %q", f[1])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(fsys, "titles.tsv", 2, func(f []string) error {
		switch f[1] {
		case "honorific":
			lx.words[f[0]] |= wTitle
		case "clinician":
			lx.words[f[0]] |= wTitle | wClinicianTitle
		case "credential":
			lx.words[f[0]] |= wCredential
		default:
			return fmt.Errorf("unknown title role %q", f[1])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	streetClass := map[string]wordFlag{"suffix": wStreetSuffix, "prefix": wStreetPrefix, "unit": wUnit, "box": wBox}
	err = eachLine(fsys, "street_words.tsv", 2, func(f []string) error {
		if f[1] == "ending" {
			lx.streetEnding = append(lx.streetEnding, f[0])
			return nil
		}
		flag, ok := streetClass[f[1]]
		if !ok {
			return fmt.Errorf("unknown street word class %q", f[1])
		}
		lx.words[f[0]] |= flag
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(fsys, "clinical_suffixes.txt", 1, func(f []string) error {
		lx.clinicalEnd = append(lx.clinicalEnd, f[0])
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(fsys, "date_words.tsv", 2, func(f []string) error {
		switch f[1] {
		case "weekday":
			lx.words[f[0]] |= wWeekday
			return nil
		case "cue":
			lx.words[f[0]] |= wDateCue
			return nil
		case "holiday":
			lx.words[f[0]] |= wProper
			return nil
		}
		m, err := strconv.Atoi(f[1])
		if err != nil || m < 1 || m > 12 {
			return fmt.Errorf("value %q is not a month 1-12, \"weekday\", \"cue\" or \"holiday\"", f[1])
		}
		lx.words[f[0]] |= wMonth
		lx.months[f[0]] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(fsys, "name_cues.tsv", 3, func(f []string) error {
		p := phrase{words: phraseWords(f[0])}
		switch f[2] {
		case "strong":
			p.strong = true
		case "staff":
			p.strong, p.staff = true, true
		case "greeting":
			p.greet = true
		case "possessive":
			p.poss = true
		case "weak":
		default:
			return fmt.Errorf("unknown cue strength %q", f[2])
		}
		switch f[1] {
		case "before":
			lx.nameBefore.add(p, p.words[len(p.words)-1])
			lx.words[p.words[len(p.words)-1]] |= wNameCueEnd
		case "after":
			lx.nameAfter.add(p, p.words[0])
		default:
			return fmt.Errorf("unknown cue position %q", f[1])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(fsys, "id_cues.tsv", 2, func(f []string) error {
		k := Kind(f[1])
		if !k.Valid() {
			return fmt.Errorf("unknown kind %q", f[1])
		}
		p := phrase{words: phraseWords(f[0]), kind: k}
		lx.idCues.add(p, p.words[len(p.words)-1])
		lx.words[p.words[len(p.words)-1]] |= wIDCueEnd
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachRawLine(fsys, "surrogates.tsv", func(f []string) error {
		if len(f) != 2 || f[0] == "" {
			return fmt.Errorf("want word and role")
		}
		switch f[1] {
		case "given":
			lx.surrogateGiven = append(lx.surrogateGiven, f[0])
		case "family":
			lx.surrogateFamily = append(lx.surrogateFamily, f[0])
		default:
			return fmt.Errorf("unknown role %q", f[1])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(lx.surrogateGiven) == 0 || len(lx.surrogateFamily) == 0 {
		return nil, fmt.Errorf("phi: lexicon surrogates.tsv: needs given and family names")
	}
	return lx, nil
}

// eachLine is eachRawLine for the lexicon files: it checks the field count
// and that the first field is lower case, as lookups are.
func eachLine(fsys embed.FS, name string, fields int, fn func([]string) error) error {
	return eachRawLine(fsys, name, func(parts []string) error {
		if len(parts) != fields {
			return fmt.Errorf("%d fields, want %d", len(parts), fields)
		}
		if parts[0] == "" || strings.ToLower(parts[0]) != parts[0] || !utf8.ValidString(parts[0]) {
			return fmt.Errorf("entry %q is empty or not lower case", parts[0])
		}
		return fn(parts)
	})
}

// eachRawLine calls fn with the tab-separated fields of every non-comment
// line of a data file; errors name the file and line.
func eachRawLine(fsys embed.FS, name string, fn func([]string) error) error {
	f, err := fsys.Open("data/" + name)
	if err != nil {
		return fmt.Errorf("phi: lexicon %s: %w", name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := fn(strings.Split(line, "\t")); err != nil {
			return fmt.Errorf("phi: lexicon %s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("phi: lexicon %s: %w", name, err)
	}
	return nil
}

// phraseWords splits a cue into the words the tokenizer would produce, so
// that "driver's license" matches the tokens of the text.
func phraseWords(s string) []string {
	toks := tokenize(s)
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = lowerWord(t.text(s))
	}
	return words
}

// lowerWord lower-cases s, without allocating when it already is.
func lowerWord(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
