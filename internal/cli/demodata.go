package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/claims/x12"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/claims/x837"
)

// demoStart is the default first date of service of a demo data set: a
// fixed date keeps a seed's data set the same whenever it is generated,
// and it lies inside the installed ICD-10-CM FY2025 release, so the notes
// can be re-coded.
var demoStart = claims.Date{Year: 2025, Month: 6, Day: 2}

func runDemoData(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "demo-data", "--out DIR [--claims N] [--seed S] [--start YYYY-MM-DD] [--days D]")
	out := fs.String("out", "", "directory to write the data set into (created; existing files are replaced)")
	n := fs.Int("claims", 5000, "number of claims")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same data set)")
	start := fs.String("start", demoStart.String(), "first date of service")
	days := fs.Int("days", 60, "window of dates of service in days")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || *n <= 0 || *days <= 0 || fs.NArg() != 0 {
		return usageError("give --out; --claims and --days must be positive")
	}
	first, err := claims.ParseDate(*start)
	if err != nil {
		return usageError("--start: %v", err)
	}
	rng := rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))
	ds, err := synth.NewDataset(rng, *n, synth.DatasetOptions{Claims: synth.Options{Start: first, Days: *days, Identified: true}})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(*out, "notes"), 0o755); err != nil {
		return fmt.Errorf("demo-data: %w", err)
	}
	// The interchanges are dated the day after the window, so that the
	// same seed writes the same bytes.
	stamp := first.AddDays(*days).Time().Add(9 * time.Hour)
	files := map[string]func() ([]byte, error){
		"claims.csv": func() ([]byte, error) {
			var b strings.Builder
			err := claims.WriteCSV(&b, ds.Claims)
			return []byte(b.String()), err
		},
		"claims.837": func() ([]byte, error) {
			return x837.Write(x837.Config{
				Envelope:  x12.Envelope{SenderID: "DEMOCLINIC", ReceiverID: "DEMOCLEARING", ControlNumber: 1, Test: true, Time: stamp},
				Submitter: x837.Party{Name: "Demo Clinic Billing", ID: "DEMO01", Contact: "Billing Office", Phone: "5555550100"},
				Receiver:  x837.Party{Name: "Demo Clearing House", ID: "CLEAR01"},
			}, ds.Claims, true)
		},
		"remits.835": func() ([]byte, error) {
			return x835.Encode(x12.Envelope{SenderID: "DEMOPAYERS", ReceiverID: "DEMOCLINIC", ControlNumber: 1, Test: true, Time: stamp}, ds.Remittances, true)
		},
		"planted.csv": func() ([]byte, error) { return plantedCSV(ds) },
		"README.txt":  func() ([]byte, error) { return []byte(demoReadme(*n, *seed, first, *days, ds)), nil },
	}
	for name, build := range files {
		data, err := build()
		if err != nil {
			return fmt.Errorf("demo-data: %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			return fmt.Errorf("demo-data: %w", err)
		}
	}
	for _, note := range ds.Notes {
		if err := os.WriteFile(filepath.Join(*out, "notes", note.ClaimID+".txt"), []byte(note.Text), 0o644); err != nil {
			return fmt.Errorf("demo-data: %w", err)
		}
	}
	fmt.Fprintf(env.Stderr, "demo-data: %d claims, %d remittances, %d notes, %d planted under-coded and %d over-coded visits, %d denied lines, %d billing errors in %s\n",
		len(ds.Claims), len(ds.Remittances), len(ds.Notes), countNotes(ds, synth.Note.UnderCoded), countNotes(ds, func(n synth.Note) bool { return n.Plant == synth.PlantOver }),
		len(ds.Denials), len(ds.Errors), *out)
	return nil
}

func countNotes(ds *synth.Dataset, keep func(synth.Note) bool) int {
	n := 0
	for _, note := range ds.Notes {
		if keep(note) {
			n++
		}
	}
	return n
}

// plantedCSV lists what the data set plants, one row per fact: how a
// claim's E/M level departs from its note, services documented and not
// billed, denied lines and billing errors.
func plantedCSV(ds *synth.Dataset) ([]byte, error) {
	var b strings.Builder
	w := csv.NewWriter(&b)
	rows := [][]string{{"claim_id", "line", "kind", "code", "expected", "detail"}}
	for _, n := range ds.Notes {
		if n.Plant != "" {
			rows = append(rows, []string{n.ClaimID, "", n.Plant, n.Billed, n.Documented, "documented by " + n.Basis})
		}
		for _, s := range n.Services {
			if !s.Billed {
				rows = append(rows, []string{n.ClaimID, "", "missed-service", "", s.Code, strconv.Itoa(s.Units) + " unit(s) documented, not billed"})
			}
		}
	}
	for _, d := range ds.Denials {
		detail := d.Group + "-" + d.CARC
		if d.RARC != "" {
			detail += " " + d.RARC
		}
		if d.WholeClaim {
			detail += " (whole claim denied)"
		}
		rows = append(rows, []string{d.ClaimID, strconv.Itoa(d.Line), "denial", d.Group + "-" + d.CARC, "", detail})
	}
	for _, e := range ds.Errors {
		rows = append(rows, []string{e.ClaimID, "", "billing-error", "", "", e.Kind})
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func demoReadme(n int, seed uint64, start claims.Date, days int, ds *synth.Dataset) string {
	return fmt.Sprintf(`Synthetic 60-day clinic data set written by medcode demo-data (see docs/demo-data.md).
Every name, identifier and note is fictitious.

  medcode demo-data --claims %d --seed %d --start %s --days %d

claims.csv    %d claims (the claims CSV of docs/claims-csv.md, with fictitious identities)
claims.837    the same claims as an 837P batch
remits.835    %d payer remittances (835) for them, with denials
notes/        %d visit notes, one per claim with a note, named <claim id>.txt
planted.csv   what was planted: under- and over-coded visits, services left off claims,
              denied lines, billing errors

Build the revenue report from it:

  medcode report --claims claims.csv --remits remits.835 --notes notes \
    --out report.pdf --out report.html --out findings.csv
`, n, seed, start, days, len(ds.Claims), len(ds.Remittances), len(ds.Notes))
}
