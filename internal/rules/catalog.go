package rules

import "github.com/medcode/medcode/internal/codeset"

// ReleaseCatalog describes codes from a code-set release: billable
// ICD-10-CM codes and HCPCS Level II codes. CPT codes are not in it (their
// descriptors are licensed separately).
type ReleaseCatalog struct {
	Release *codeset.Release
}

// Describe implements Catalog.
func (c ReleaseCatalog) Describe(code string) (string, bool) {
	switch kindOf(code) {
	case icd:
		if x, ok := c.Release.ICD.Lookup(code); ok && x.Billable {
			return x.Title, true
		}
	case hcpcs:
		if c.Release.HCPCS != nil {
			if h, ok := c.Release.HCPCS.Lookup(code); ok {
				return h.Long, true
			}
		}
	}
	return "", false
}
