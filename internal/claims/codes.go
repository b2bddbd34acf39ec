package claims

import "strings"

// NormalizeICD returns an ICD-10-CM code in its printed form: upper case,
// with the dot after the category ("e119" → "E11.9"). Input without a dot
// (as X12 carries it) and with one are both accepted.
func NormalizeICD(code string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	c = strings.ReplaceAll(c, ".", "")
	if len(c) > 3 {
		c = c[:3] + "." + c[3:]
	}
	return c
}

// ICDWithoutDot returns the code as X12 writes it ("E11.9" → "E119").
func ICDWithoutDot(code string) string { return strings.ReplaceAll(code, ".", "") }

// NormalizeProcedure returns a CPT/HCPCS code or modifier in upper case
// without surrounding space.
func NormalizeProcedure(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }
