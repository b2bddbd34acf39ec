package procedure

import (
	"encoding/csv"
	"os"
	"testing"
)

// loadTestHCPCS reads code → long description from the ANWEB CSV (temporary until codeset lands).
func loadTestHCPCS(t *testing.T) func(string) (string, bool) {
	f, err := os.Open("/work/shared/data/hcpcs/2020-10/anweb.csv")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	m := map[string]string{}
	recs, _ := r.ReadAll()
	for _, rec := range recs {
		if len(rec) > 4 && rec[2] == "3" {
			m[rec[0]] = rec[3]
		}
	}
	return func(c string) (string, bool) { d, ok := m[c]; return d, ok }
}
