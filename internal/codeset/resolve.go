package codeset

import (
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
)

// SeeTarget is where a cross-reference of the index leads within the
// release: a term path of the Alphabetic Index, or a row of the Neoplasm
// Table or the Table of Drugs and Chemicals with the column the reference
// names.
type SeeTarget struct {
	icd.Resolution
	Source string // "index", "neoplasm table" or "drug table"
	// Column is the table column the reference's remaining words name
	// ("Malignant Primary" for "Neoplasm, malignant, by site"); "" when
	// none does.
	Column string
}

// tablePrefix is how index references to the drug table begin ("see
// Table of Drugs and Chemicals, by drug, poisoning").
const tablePrefix = "table of drugs and chemicals"

// ResolveSee follows a see or see-also reference ("Disease, kidney,
// chronic", "Neoplasm, malignant, by site", "Table of Drugs and Chemicals,
// by drug, adverse effect") to the index or table it names. References to
// neoplasms are taken to the Neoplasm Table when the index does not
// resolve them fully. ok is false when nothing matches.
func (r *Release) ResolveSee(ref string) (SeeTarget, bool) {
	norm := icd.Normalize(ref)
	if r.Drugs != nil && strings.HasPrefix(norm, tablePrefix) {
		rest := strings.Split(ref, ",")[1:]
		return SeeTarget{Source: "drug table", Resolution: icd.Resolution{Rest: trimAll(rest)}, Column: column(&r.Drugs.Index, rest)}, true
	}
	var best SeeTarget
	found := false
	if r.Index != nil {
		if res, ok := r.Index.Resolve(ref); ok {
			best, found = SeeTarget{Resolution: res, Source: "index"}, true
		}
	}
	if r.Neoplasms != nil && strings.HasPrefix(norm, "neoplasm") && (!found || len(best.Rest) > 0) {
		if res, ok := r.Neoplasms.Resolve(ref); ok {
			t := SeeTarget{Resolution: res, Source: "neoplasm table", Column: column(&r.Neoplasms.Index, res.Rest)}
			if !found || len(t.Terms) > len(best.Terms) || t.Column != "" {
				best, found = t, true
			}
		}
	}
	return best, found
}

// column finds the table column named by one of words: the first heading
// that contains the word ("malignant" → "Malignant Primary", "in situ" →
// "Ca in situ", "adverse effect" → "Adverse effect").
func column(tb *icd.Index, words []string) string {
	for _, w := range words {
		w = icd.Normalize(w)
		if w == "" {
			continue
		}
		for _, h := range tb.Columns[1:] {
			if strings.Contains(" "+icd.Normalize(h)+" ", " "+w+" ") {
				return h
			}
		}
	}
	return ""
}

func trimAll(parts []string) []string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
