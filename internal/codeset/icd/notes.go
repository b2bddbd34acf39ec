package icd

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// NoteKind is the kind of an instructional note in the tabular, named after
// its XML element.
type NoteKind uint8

// Note kinds, one per note element of the tabular XML schema.
const (
	InclusionTerm NoteKind = iota + 1
	Includes
	Excludes1
	Excludes2
	CodeFirst
	UseAdditionalCode
	CodeAlso
	Notes
	// SeventhCharNote is the text of a sevenChrNote ("The appropriate 7th
	// character is to be added to each code from category S00").
	SeventhCharNote
)

var noteElements = [...]string{
	InclusionTerm:     "inclusionTerm",
	Includes:          "includes",
	Excludes1:         "excludes1",
	Excludes2:         "excludes2",
	CodeFirst:         "codeFirst",
	UseAdditionalCode: "useAdditionalCode",
	CodeAlso:          "codeAlso",
	Notes:             "notes",
	SeventhCharNote:   "sevenChrNote",
}

// noteKindOf maps an element name to its note kind (0 if not a note).
func noteKindOf(element string) NoteKind {
	for k, name := range noteElements {
		if name == element && k != 0 {
			return NoteKind(k)
		}
	}
	return 0
}

// String returns the XML element name of the kind, e.g. "excludes1".
func (k NoteKind) String() string {
	if int(k) < len(noteElements) && k != 0 {
		return noteElements[k]
	}
	return "NoteKind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText encodes the kind by its element name (for JSON output).
func (k NoteKind) MarshalText() ([]byte, error) {
	if noteKindOf(k.String()) == 0 {
		return nil, fmt.Errorf("icd: unknown note kind %d", k)
	}
	return []byte(k.String()), nil
}

// Note is one instructional note line of the tabular.
type Note struct {
	Kind NoteKind
	Text string
	// From is where the note is attached: a code ("J45"), a section id
	// ("E08-E13") or a chapter ("Chapter 4"). Notes inherit down the tree.
	From string
	// Refs are the codes and ranges the text cites that exist in the
	// tabular, e.g. "(E11.22)", "I12.-", "N18.1-N18.6".
	Refs []CodeRef
}

// SeventhChar is one allowed 7th character and its meaning.
type SeventhChar struct {
	Char    string
	Meaning string
}

// seventhRestriction removes 7th characters for codes having a given
// character at a position, as in "7th characters D and S do not apply to
// codes in category S06 with 6th character 7 ... or 8 ...".
type seventhRestriction struct {
	chars    string // 7th characters that do not apply
	position int    // 1-based position in the code without its dot
	values   string // characters at position that trigger the restriction
	text     string // the note stating it
}

var restrictionRe = regexp.MustCompile(`(?i)^7th characters? (.+?) (?:do|does) not apply to (?:all )?codes? (?:in|from|of) (?:category|subcategory|categories|subcategories) \S+ with (\d)(?:st|nd|rd|th) characters? (.+)$`)

// parseRestriction reads a 7th-character restriction note.
func parseRestriction(text string) (seventhRestriction, bool) {
	m := restrictionRe.FindStringSubmatch(text)
	if m == nil {
		return seventhRestriction{}, false
	}
	r := seventhRestriction{
		chars:  singleChars(m[1]),
		values: singleChars(m[3]),
		text:   text,
	}
	r.position, _ = strconv.Atoi(m[2])
	if r.chars == "" || r.values == "" || r.position < 4 || r.position > 6 {
		return seventhRestriction{}, false
	}
	return r, true
}

// singleChars collects the one-character items of a list such as "D and
// S" or "7 - death due to ..., or 8 - death due to ...": each item is
// the first word of a part separated by commas, "and" or "or".
func singleChars(list string) string {
	var out []byte
	for _, part := range splitList(list) {
		word, _, _ := strings.Cut(strings.TrimSpace(part), " ")
		word = strings.TrimRight(word, ".;:")
		if len(word) == 1 && isAlnum(strings.ToUpper(word)[0]) {
			out = append(out, strings.ToUpper(word)[0])
		}
	}
	return string(out)
}

func splitList(s string) []string {
	s = strings.ReplaceAll(s, " and ", ",")
	s = strings.ReplaceAll(s, " or ", ",")
	return strings.Split(s, ",")
}

// applies reports whether the restriction concerns key (a code without
// its dot).
func (r seventhRestriction) applies(key string) bool {
	return len(key) >= r.position && strings.IndexByte(r.values, key[r.position-1]) >= 0
}

// manifestationRe matches titles of manifestation codes, which may not be
// listed first: "Polyneuropathy in diseases classified elsewhere",
// "Immunodeficiency due to conditions classified elsewhere". Titles of
// infectious agents "as the cause of diseases classified elsewhere" are
// not manifestations.
var manifestationRe = regexp.MustCompile(`(?i)\b(?:in|due to)\b.*\b(?:diseases?|conditions?) classified elsewhere\b`)

func isManifestationTitle(title string) bool {
	// The cheap test first: few titles mention "elsewhere".
	return strings.Contains(title, "elsewhere") && manifestationRe.MatchString(title) && !strings.Contains(strings.ToLower(title), "as the cause of")
}
