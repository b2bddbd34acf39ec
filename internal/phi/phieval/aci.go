package phieval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/phi"
)

// NameReport is the patient-name recall on the ACI-Bench visits.
type NameReport struct {
	Dataset          string   `json:"dataset"`
	Encounters       int      `json:"encounters"`
	Mentions         int      `json:"mentions"`
	Found            int      `json:"found"`
	NoteMentions     int      `json:"note_mentions"`
	NoteFound        int      `json:"note_found"`
	DialogueMentions int      `json:"dialogue_mentions"`
	DialogueFound    int      `json:"dialogue_found"`
	Recall           float64  `json:"recall"`
	Misses           []string `json:"misses,omitempty"`
}

// aciVisit is one ACI-Bench encounter with its patient's name parts.
type aciVisit struct {
	id             string
	note, dialogue string
	names          []string
}

// ACINames measures how many mentions of the patient's names in the
// ACI-Bench notes and dialogues (dir holds train.csv, valid.csv and their
// _metadata.csv) fall inside a NAME span.
//
// The gold list is built from the data at run time, never stored: the
// patient's first and family names from the metadata files; where the
// metadata has no family name that occurs in the note, the capitalised word
// that follows the first name in the note; and where no metadata name
// occurs in the note at all (the metadata is wrong for a few visits), the
// name of the note's opening sentence "<Title> <First> <Family> is a NN-year-old".
// A mention is every whole-word, case-insensitive occurrence of a name
// part in the note or the dialogue; a manual review of all of them found
// no occurrence used as a common word.
func ACINames(det *phi.Detector, dir string, keepMisses int) (*NameReport, error) {
	visits, err := loadACI(dir)
	if err != nil {
		return nil, err
	}
	rep := &NameReport{Dataset: "ACI-Bench notes (" + dir + ")", Encounters: len(visits)}
	for _, v := range visits {
		for _, col := range []struct {
			name  string
			text  string
			total *int
			found *int
		}{{"note", v.note, &rep.NoteMentions, &rep.NoteFound}, {"dialogue", v.dialogue, &rep.DialogueMentions, &rep.DialogueFound}} {
			spans := det.Scan(col.text)
			for _, name := range v.names {
				for _, m := range wordOccurrences(col.text, name) {
					*col.total++
					if insideName(spans, m[0], m[1]) {
						*col.found++
					} else if len(rep.Misses) < keepMisses {
						rep.Misses = append(rep.Misses, fmt.Sprintf("%s %s %q in %q", v.id, col.name, col.text[m[0]:m[1]], context(col.text, m[0], m[1])))
					}
				}
			}
		}
	}
	rep.Mentions = rep.NoteMentions + rep.DialogueMentions
	rep.Found = rep.NoteFound + rep.DialogueFound
	if rep.Mentions > 0 {
		rep.Recall = float64(rep.Found) / float64(rep.Mentions)
	}
	return rep, nil
}

func insideName(spans []phi.Span, a, b int) bool {
	for _, s := range spans {
		if s.Type == phi.KindName && s.Start <= a && s.End >= b {
			return true
		}
	}
	return false
}

func context(text string, a, b int) string {
	lo, hi := max(0, a-40), min(len(text), b+30)
	for lo > 0 && !utf8.RuneStart(text[lo]) {
		lo--
	}
	for hi < len(text) && !utf8.RuneStart(text[hi]) {
		hi++
	}
	return text[lo:hi]
}

// loadACI reads every <split>.csv with its <split>_metadata.csv in dir.
func loadACI(dir string) ([]aciVisit, error) {
	metas, err := filepath.Glob(filepath.Join(dir, "*_metadata.csv"))
	if err != nil {
		return nil, fmt.Errorf("phieval: %w", err)
	}
	if len(metas) == 0 {
		return nil, fmt.Errorf("phieval: no *_metadata.csv in %s", dir)
	}
	sort.Strings(metas)
	var visits []aciVisit
	for _, meta := range metas {
		names, err := readCSV(meta, "encounter_id", "patient_firstname", "patient_familyname")
		if err != nil {
			return nil, err
		}
		byID := map[string][]string{}
		for _, r := range names {
			byID[r[0]] = []string{strings.TrimSpace(r[1]), strings.TrimSpace(r[2])}
		}
		rows, err := readCSV(strings.TrimSuffix(meta, "_metadata.csv")+".csv", "encounter_id", "dialogue", "note")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			v := aciVisit{id: r[0], dialogue: r[1], note: r[2]}
			first, family := "", ""
			if n := byID[v.id]; n != nil {
				first, family = n[0], n[1]
			}
			both := v.note + "\n" + v.dialogue
			if first != "" && (family == "" || len(wordOccurrences(both, family)) == 0) {
				family = familyFromNote(v.note, first)
			}
			if len(wordOccurrences(both, first))+len(wordOccurrences(both, family)) == 0 {
				first, family = patientFromNote(v.note)
			}
			for _, n := range []string{first, family} {
				if n != "" {
					v.names = append(v.names, n)
				}
			}
			visits = append(visits, v)
		}
	}
	return visits, nil
}

// openingSentence matches the patient introduced at the start of a
// history: "Ms. Hill is a 41-year-old", "Elizabeth Reyes is a pleasant 60".
var openingSentence = regexp.MustCompile(`(?:(?:Mr|Mrs|Ms|Miss)\. )?([A-Z][a-z]+)(?: ([A-Z][a-z]+))? is an? (?:very )?(?:pleasant )?\d+`)

// patientFromNote returns the names of the note's opening sentence: one
// name after a title is the family name.
func patientFromNote(note string) (first, family string) {
	m := openingSentence.FindStringSubmatch(note)
	switch {
	case m == nil:
		return "", ""
	case m[2] != "":
		return m[1], m[2]
	}
	return "", m[1]
}

// familyFromNote finds "<first> <Family> is" in the note.
func familyFromNote(note, first string) string {
	for _, m := range wordOccurrences(note, first) {
		rest := strings.TrimLeft(note[m[1]:], " ")
		word := rest
		if k := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) }); k >= 0 {
			word = rest[:k]
		}
		r, _ := utf8.DecodeRuneInString(word)
		if word != "" && unicode.IsUpper(r) && strings.HasPrefix(rest[len(word):], " is ") {
			return word
		}
	}
	return ""
}

// wordOccurrences returns the byte ranges of the whole-word,
// case-insensitive occurrences of word in text.
func wordOccurrences(text, word string) [][2]int {
	if word == "" {
		return nil
	}
	lt, lw := strings.ToLower(text), strings.ToLower(word)
	if len(lt) != len(text) {
		return nil // a case change altered byte lengths; offsets would drift
	}
	var out [][2]int
	for from := 0; ; {
		k := strings.Index(lt[from:], lw)
		if k < 0 {
			return out
		}
		a := from + k
		b := a + len(lw)
		from = a + 1
		before, _ := utf8.DecodeLastRuneInString(lt[:a])
		after, _ := utf8.DecodeRuneInString(lt[b:])
		if a > 0 && unicode.IsLetter(before) || b < len(lt) && unicode.IsLetter(after) {
			continue
		}
		out = append(out, [2]int{a, b})
	}
}

// readCSV reads the named columns of a CSV file with a header row.
func readCSV(path string, columns ...string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("phieval: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("phieval: %s: header: %w", path, err)
	}
	idx := make([]int, len(columns))
	for i, c := range columns {
		idx[i] = -1
		for j, h := range header {
			if strings.TrimSpace(h) == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			return nil, fmt.Errorf("phieval: %s: no column %q", path, c)
		}
	}
	var out [][]string
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("phieval: %s: record %d: %w", path, line, err)
		}
		row := make([]string, len(columns))
		for i, j := range idx {
			if j >= len(rec) {
				return nil, fmt.Errorf("phieval: %s: record %d has no column %q", path, line, columns[i])
			}
			row[i] = rec[j]
		}
		out = append(out, row)
	}
}
