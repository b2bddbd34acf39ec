package phi

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// entries returns the non-comment lines of a data file, split on tabs.
func entries(t *testing.T, name string) [][]string {
	t.Helper()
	var out [][]string
	err := eachRawLine(dataFS, name, func(f []string) error {
		out = append(out, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s is empty", name)
	}
	return out
}

// title capitalises a lower-case entry as it stands in a sentence.
func title(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// kindsIn returns the kinds Scan finds in text.
func kindsIn(text string) map[Kind][]string {
	out := map[Kind][]string{}
	for _, s := range Scan(text) {
		out[s.Type] = append(out[s.Type], s.Text)
	}
	return out
}

func TestLexiconLoads(t *testing.T) {
	lx, err := parseLexicon(dataFS)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[wordFlag]int{}
	for _, f := range lx.words {
		for b := wordFlag(1); b != 0 && b <= wIDCueEnd; b <<= 1 {
			if f&b != 0 {
				counts[b]++
			}
		}
	}
	for _, c := range []struct {
		flag wordFlag
		min  int
		name string
	}{
		{wGiven, 20000, "given names"}, {wSurname, 80000, "surnames"}, {wEnglish, 50000, "English words"},
		{wRareWord, 40000, "rare words"}, {wProper, 5000, "proper nouns"}, {wClinical, 300, "clinical words"},
		{wEponymDisease, 50, "disease eponyms"}, {wEponymSign, 50, "sign eponyms"}, {wEponymHead, 100, "head words"},
		{wTitle, 30, "titles"}, {wCredential, 5, "credentials"}, {wCountry, 150, "countries"},
		{wState, 40, "states"}, {wStreetSuffix, 50, "street suffixes"}, {wStreetPrefix, 20, "street prefixes"},
		{wUnit, 5, "units"}, {wBox, 3, "boxes"}, {wOrgSuffix, 30, "organisation words"}, {wMonth, 20, "months"},
		{wWeekday, 7, "weekdays"}, {wDateCue, 10, "date cues"}, {wFunction, 100, "function words"},
		{wDrugContext, 30, "drug context words"}, {wMeasure, 50, "units of measure"},
	} {
		if counts[c.flag] < c.min {
			t.Errorf("%s: %d entries, want at least %d", c.name, counts[c.flag], c.min)
		}
	}
	if len(lx.streetEnding) < 20 || len(lx.clinicalEnd) < 30 || len(lx.stateCodes) < 50 ||
		len(lx.surrogateGiven) < 8 || len(lx.surrogateFamily) < 8 {
		t.Errorf("endings %d, clinical endings %d, state codes %d, surrogates %d/%d",
			len(lx.streetEnding), len(lx.clinicalEnd), len(lx.stateCodes), len(lx.surrogateGiven), len(lx.surrogateFamily))
	}
}

// Every disease eponym is left alone in a clinical sentence, and a title
// before it still makes it a name.
func TestEponymsAreNotNames(t *testing.T) {
	for _, e := range entries(t, "eponyms.tsv") {
		word := title(e[0])
		var text string
		switch e[1] {
		case "disease":
			text = "History of " + word + " with follow-up as planned."
		case "sign":
			text = "Exam: positive " + word + " sign on the left."
		}
		if got := kindsIn(text)[KindName]; len(got) > 0 {
			t.Errorf("%s eponym %q: names %q in %q", e[1], word, got, text)
		}
	}
	if got := kindsIn("Seen by Dr. Parkinson today.")[KindName]; len(got) != 1 || got[0] != "Parkinson" {
		t.Errorf("Dr. Parkinson: names %q", got)
	}
}

func TestEponymHeadWordsMakeEponyms(t *testing.T) {
	for _, e := range entries(t, "eponym_heads.txt") {
		text := "Findings consistent with Quenbury " + e[0] + " on the left."
		if got := kindsIn(text)[KindName]; len(got) > 0 {
			t.Errorf("head %q: names %q in %q", e[0], got, text)
		}
	}
}

func TestClinicalWordsAreNotNames(t *testing.T) {
	for _, e := range entries(t, "clinical_words.txt") {
		text := "Discussed " + title(e[0]) + " at length today."
		if got := kindsIn(text)[KindName]; len(got) > 0 {
			t.Errorf("clinical word %q: names %q", e[0], got)
		}
	}
}

func TestClinicalSuffixesAreNotNames(t *testing.T) {
	for _, e := range entries(t, "clinical_suffixes.txt") {
		word := "Quenbo" + e[0]
		if got := kindsIn("Discussed " + word + " at length today.")[KindName]; len(got) > 0 {
			t.Errorf("suffix %q: %q taken for a name", e[0], word)
		}
	}
}

func TestDrugContextWords(t *testing.T) {
	for _, e := range entries(t, "drug_context.txt") {
		text := "We will " + e[0] + " Quenbatrix for now."
		if got := kindsIn(text)[KindName]; len(got) > 0 {
			t.Errorf("drug context %q: names %q", e[0], got)
		}
	}
	if got := kindsIn("We will see Quenbatrix for now.")[KindName]; len(got) != 1 {
		t.Errorf("without a drug context the proper noun is a name, got %q", got)
	}
}

func TestTitlesAndCredentials(t *testing.T) {
	keep, err := NewDetector(Options{KeepClinicianNames: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries(t, "titles.tsv") {
		var text string
		if e[1] == "credential" {
			text = "Signed, Quenby Lavelle, " + strings.ToUpper(e[0]) + " on the ward."
		} else {
			text = "We spoke with " + title(e[0]) + ". Quenby Lavelle today."
		}
		if got := kindsIn(text)[KindName]; len(got) != 1 || got[0] != "Quenby Lavelle" {
			t.Errorf("title %q: names %q in %q", e[0], got, text)
			continue
		}
		kept := len(keep.Scan(text)) == 0
		if kept != (e[1] != "honorific") {
			t.Errorf("title %q (%s): KeepClinicianNames kept the name: %v", e[0], e[1], kept)
		}
	}
}

func TestNameCues(t *testing.T) {
	for _, e := range entries(t, "name_cues.tsv") {
		var text string
		switch e[1] {
		case "before":
			text = "Then " + e[0] + " Quenby Lavelle again"
		case "after":
			text = "Quenby Lavelle " + e[0] + " again"
		}
		if got := kindsIn(text)[KindName]; len(got) != 1 || !strings.HasSuffix(got[0], "Quenby Lavelle") {
			t.Errorf("cue %q (%s): names %q in %q", e[0], e[2], got, text)
		}
	}
	// Only strong cues make a name of a word in no list.
	for _, e := range entries(t, "name_cues.tsv") {
		if e[1] != "before" || e[2] == "weak" || e[2] == "greeting" || strings.HasSuffix(e[0], ":") || strings.HasSuffix(e[0], "?") {
			continue
		}
		text := "Then " + e[0] + " Zqxvorth again"
		if got := kindsIn(text)[KindName]; len(got) != 1 {
			t.Errorf("strong cue %q: names %q in %q", e[0], got, text)
		}
	}
}

func TestIdentifierCues(t *testing.T) {
	for _, e := range entries(t, "id_cues.tsv") {
		kind := Kind(e[1])
		cue := e[0]
		if len(cue) <= 3 {
			cue = strings.ToUpper(cue)
		}
		value := "48213977"
		if kind == KindPhone || kind == KindFax {
			value = "48 21 39 77"
		}
		text := "Noted " + cue + ": " + value + " today."
		got := kindsIn(text)[kind]
		if len(got) != 1 || got[0] != value {
			t.Errorf("cue %q: %s spans %q in %q (all: %v)", e[0], kind, got, text, kindsIn(text))
		}
	}
}

func TestStreetWords(t *testing.T) {
	for _, e := range entries(t, "street_words.tsv") {
		w := title(e[0])
		var text, want string
		switch e[1] {
		case "suffix":
			want = "48 Quenby " + w
		case "prefix":
			want = w + " Quenby 48"
		case "ending":
			want = "48 Quenby" + e[0] + " 12"
		case "unit":
			want = "48 Quenby Street " + w + " 5"
		case "box":
			if e[0] == "box" {
				want = "P.O. Box 4821"
			} else if e[0] == "pob" {
				want = "POB 4821"
			} else if e[0] == "postbox" {
				want = "Postbox 4821"
			} else {
				want = strings.ToUpper(e[0]) + " 4821, Box 77"
			}
			if e[0] == "usns" || e[0] == "uss" || e[0] == "usnv" || e[0] == "uscgc" {
				want = strings.ToUpper(e[0]) + " Quenby"
			}
		}
		text = "Mail goes to " + want + "\nthank you"
		got := kindsIn(text)[KindAddress]
		if len(got) != 1 || !strings.HasPrefix(got[0], want) {
			t.Errorf("street word %q (%s): addresses %q in %q", e[0], e[1], got, text)
		}
	}
}

func TestStatesAndCountries(t *testing.T) {
	for _, e := range entries(t, "us_states.tsv") {
		text := "Mailing address Quenbyville, " + e[1] + " 62704 on file."
		if got := kindsIn(text)[KindAddress]; len(got) != 1 || got[0] != "Quenbyville, "+e[1]+" 62704" {
			t.Errorf("state %s: addresses %q", e[1], got)
		}
		if !StateLevel(e[0]) || !StateLevel(e[1]) {
			t.Errorf("StateLevel(%q / %q) = false", e[0], e[1])
		}
	}
	for _, e := range entries(t, "countries.txt") {
		words := strings.Fields(e[0])
		for i, w := range words {
			if w != "of" {
				words[i] = title(w)
			}
		}
		name := strings.Join(words, " ")
		if !StateLevel(e[0]) {
			t.Errorf("StateLevel(%q) = false", e[0])
		}
		if got := Scan("She moved here from " + name + " last year."); len(got) > 0 {
			t.Errorf("country %q: %v", name, got)
		}
	}
	if StateLevel("Springfield") {
		t.Error("a city is state level")
	}
}

func TestDateWords(t *testing.T) {
	for _, e := range entries(t, "date_words.tsv") {
		w := title(e[0])
		var text, want string
		switch e[1] {
		case "weekday", "holiday":
			text = "Seen on " + w + " for a recheck."
			if got := Scan(text); len(got) > 0 {
				t.Errorf("%s %q alone: %v", e[1], w, got)
			}
			continue
		case "cue":
			text, want = "Noted "+e[0]+" 3/14 in the chart.", "3/14"
		default:
			text, want = "Seen "+w+" 14, 2025 for a recheck.", w+" 14, 2025"
		}
		if got := kindsIn(text)[KindDate]; len(got) != 1 || got[0] != want {
			t.Errorf("date word %q (%s): dates %q in %q", e[0], e[1], got, text)
		}
	}
}

func TestOrgSuffixes(t *testing.T) {
	for _, e := range entries(t, "org_suffixes.txt") {
		text := "She works for Quenbatrix " + title(e[0]) + " downtown."
		if got := kindsIn(text)[KindName]; len(got) > 0 {
			t.Errorf("organisation word %q: names %q", e[0], got)
		}
	}
}

func TestUnits(t *testing.T) {
	for _, e := range entries(t, "units.txt") {
		text := "Gave 1200 5300 " + e[0] + " in clinic."
		if got := Scan(text); len(got) > 0 {
			t.Errorf("unit %q: %v", e[0], got)
		}
	}
}

func TestFunctionWordsAreNeverNames(t *testing.T) {
	for _, e := range entries(t, "function_words.txt") {
		text := "The note says Dr. " + e[0] + " today."
		if got := kindsIn(text)[KindName]; len(got) > 0 {
			t.Errorf("function word %q: names %q", e[0], got)
		}
	}
}

// The name lists: a sample of each list is recognised after a given name
// the lists know, and the English word lists keep capitalised common words
// from being names.
func TestNameLists(t *testing.T) {
	lx := mustLexicon()
	step := map[string]int{"given_names.txt": 97, "surnames.txt": 293, "other_names.txt": 23}
	for _, file := range []string{"given_names.txt", "surnames.txt", "other_names.txt"} {
		tested := 0
		for i, e := range entries(t, file) {
			w := e[0]
			if i%step[file] != 0 || lx.words[w]&^(wAnyName|wNameCueEnd|wIDCueEnd) != 0 || strings.ContainsAny(w, "'-") || len(w) < 3 {
				continue // names that are also other words have tests of their own
			}
			tested++
			text := "Spoke with Mr. Quenby " + title(w) + " about the plan."
			if got := kindsIn(text)[KindName]; len(got) != 1 || got[0] != "Quenby "+title(w) {
				t.Errorf("%s %q: names %q", file, w, got)
			}
		}
		if tested < 15 {
			t.Errorf("%s: only %d entries tested", file, tested)
		}
	}
	for _, file := range []string{"english_words.txt", "english_rare.txt", "proper_nouns.txt"} {
		for i, e := range entries(t, file) {
			w := e[0]
			if i%211 != 0 || lx.words[w]&(wAnyName|wTitle) != 0 || len(w) < 4 {
				continue
			}
			text := "Discussed the " + w + " and " + title(w) + " issue."
			if got := kindsIn(text)[KindName]; len(got) > 0 {
				t.Errorf("%s %q: names %q", file, w, got)
			}
		}
	}
}

func TestSurrogatesReplaceNames(t *testing.T) {
	lx := mustLexicon()
	r := RedactText("Quenby Lavelle met Ann Quenby.", RedactOptions{Pseudonyms: true})
	if !strings.HasPrefix(r.Text, lx.surrogateGiven[0]+" "+lx.surrogateFamily[0]+" met ") {
		t.Errorf("pseudonymised %q", r.Text)
	}
}
