package procedure

import (
	"encoding/csv"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
	"github.com/medcode/medcode/internal/nlp"
)

func TestDebugACI(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"train.csv", "valid.csv"} {
		fh, err := os.Open("/work/shared/eval-dev/notes/" + f)
		if err != nil {
			t.Skip(err)
		}
		rd := csv.NewReader(fh)
		recs, _ := rd.ReadAll()
		for _, rec := range recs[1:] {
			text := rec[3]
			res, err := c.Code(Input{HCPCS: testHCPCS(t), Note: scan.FromDoc(nlp.Analyze(text)), Options: Options{DOS: time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), Age: -1}})
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, l := range res.Lines {
				s := fmt.Sprintf("%s x%d %v", l.Code, l.Units, l.Modifiers)
				for _, e := range l.Evidence {
					s += fmt.Sprintf(" %q", text[e.Start:e.End])
				}
				lines = append(lines, s)
			}
			v := res.Visit
			pv := ""
			if v.Preventive != nil {
				pv = v.Preventive.Code
			}
			fmt.Printf("%s pat=%s age=%d prev=%s long=%v lines=%v warn=%v\n", rec[1], v.Patient, v.Age, pv, len(v.Longitudinal) > 0, lines, res.Warnings)
		}
	}
}
