package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/carc"
	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/claims/x12"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/claims/x837"
)

// claimsCommands are the subcommands of `medcode claims`.
var claimsCommands = []struct {
	name, summary string
	run           func(env *Env, args []string) error
}{
	{"export", "write claims (CSV or 837P) as an 837P batch", runClaimsExport},
	{"import", "read an 837P into the claims CSV or JSON", runClaimsImport},
	{"remit", "read an 835 remittance: payments, adjustments with their reasons, balancing", runClaimsRemit},
	{"generate", "write a synthetic claim set (CSV) and optionally its 835 remittances", runClaimsGenerate},
}

func runClaims(_ context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, "Usage: medcode claims <subcommand> [flags] [args]")
		for _, c := range claimsCommands {
			fmt.Fprintf(env.Stderr, "  %-9s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return usageError("no subcommand")
		}
		return nil
	}
	for _, c := range claimsCommands {
		if c.name == args[0] {
			return c.run(env, args[1:])
		}
	}
	return usageError("unknown subcommand %q", args[0])
}

// writeOutput writes data to the named file, or to stdout for "" or "-".
func writeOutput(env *Env, name string, data []byte) error {
	if name == "" || name == "-" {
		_, err := env.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(name, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func runClaimsExport(env *Env, args []string) error {
	fs := newFlags(env, "claims export", "--partners FILE.json [--control-number N] [--test] [--out FILE] CLAIMS.csv|837")
	partners := fs.String("partners", "", "JSON file naming the submitter, receiver and envelope ids (see docs/claims-csv.md)")
	control := fs.Int("control-number", 0, "interchange control number (overrides the partners file)")
	test := fs.Bool("test", false, "mark the interchange as test data (ISA15 = T)")
	out := fs.String("out", "", "output file (default: standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *partners == "" || fs.NArg() != 1 {
		return usageError("give --partners and one claims file")
	}
	raw, err := os.ReadFile(*partners)
	if err != nil {
		return fmt.Errorf("read partners: %w", err)
	}
	var cfg x837.Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return fmt.Errorf("%s: %w", *partners, err)
	}
	if *control > 0 {
		cfg.Envelope.ControlNumber = *control
	}
	cfg.Envelope.Test = cfg.Envelope.Test || *test
	cs, err := readClaimsFile(env, fs.Arg(0))
	if err != nil {
		return err
	}
	data, err := x837.Write(cfg, cs, true)
	if err != nil {
		return err
	}
	return writeOutput(env, *out, data)
}

func runClaimsImport(env *Env, args []string) error {
	fs := newFlags(env, "claims import", "[--format csv|json] [--deidentify-key FILE] [--out FILE] FILE.837")
	format := fs.String("format", "csv", "output format: csv or json")
	keyFile := fs.String("deidentify-key", "", "file holding the organization's secret: strip identities, keeping a keyed pseudonym, age and sex")
	out := fs.String("out", "", "output file (default: standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*format != "csv" && *format != "json") {
		return usageError("give one 837P file; --format is csv or json")
	}
	cs, err := readClaimsFile(env, fs.Arg(0))
	if err != nil {
		return err
	}
	if *keyFile != "" {
		key, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("read key: %w", err)
		}
		if len(strings.TrimSpace(string(key))) < 16 {
			return usageError("the de-identification key must hold at least 16 characters")
		}
		for _, c := range cs {
			claims.Deidentify(c, key)
		}
	}
	var buf strings.Builder
	if *format == "json" {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cs); err != nil {
			return err
		}
	} else if err := claims.WriteCSV(&buf, cs); err != nil {
		return err
	}
	return writeOutput(env, *out, []byte(buf.String()))
}

// remitReport is one remittance as `medcode claims remit` prints it.
type remitReport struct {
	*x835.Remittance
	Balanced   bool             `json:"balanced"`
	Imbalances []x835.Imbalance `json:"imbalances,omitempty"`
}

func runClaimsRemit(env *Env, args []string) error {
	fs := newFlags(env, "claims remit", "[--format json|table] [--with-patient] FILE.835|-")
	format := fs.String("format", "json", "output format: json or table")
	withPatient := fs.Bool("with-patient", false, "keep patient names and ids (PHI) in the output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*format != "json" && *format != "table") {
		return usageError("give one 835 file; --format is json or table")
	}
	var data []byte
	var err error
	if fs.Arg(0) == "-" {
		data, err = io.ReadAll(env.Stdin)
	} else {
		data, err = os.ReadFile(fs.Arg(0))
	}
	if err != nil {
		return fmt.Errorf("read remittance: %w", err)
	}
	rs, err := x835.Parse(data)
	if err != nil {
		return err
	}
	tab, err := carc.Load()
	if err != nil {
		return err
	}
	var reports []remitReport
	for _, r := range rs {
		if !*withPatient {
			r.Deidentify()
		}
		bad := r.Balance()
		reports = append(reports, remitReport{Remittance: r, Balanced: len(bad) == 0, Imbalances: bad})
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Remittances []remitReport          `json:"remittances"`
			Reasons     map[string]carc.Reason `json:"reasons"`
			Remarks     map[string]carc.Remark `json:"remarks"`
		}{reports, usedReasons(tab, rs), usedRemarks(tab, rs)})
	}
	return writeRemitTable(env, tab, reports)
}

// usedReasons describes the CARCs that appear in the remittances.
func usedReasons(tab *carc.Table, rs []*x835.Remittance) map[string]carc.Reason {
	out := map[string]carc.Reason{}
	eachAdjustment(rs, func(a x835.Adjustment) {
		if r, ok := tab.Reason(a.Reason); ok {
			out[a.Reason] = r
		}
	})
	return out
}

func usedRemarks(tab *carc.Table, rs []*x835.Remittance) map[string]carc.Remark {
	out := map[string]carc.Remark{}
	for _, r := range rs {
		for _, c := range r.Claims {
			codes := append([]string(nil), c.Remarks...)
			for _, l := range c.Lines {
				codes = append(codes, l.Remarks...)
			}
			for _, code := range codes {
				if rm, ok := tab.Remark(code); ok {
					out[code] = rm
				}
			}
		}
	}
	return out
}

func eachAdjustment(rs []*x835.Remittance, fn func(x835.Adjustment)) {
	for _, r := range rs {
		for _, c := range r.Claims {
			for _, a := range c.Adjustments {
				fn(a)
			}
			for _, l := range c.Lines {
				for _, a := range l.Adjustments {
					fn(a)
				}
			}
		}
	}
}

func writeRemitTable(env *Env, tab *carc.Table, reports []remitReport) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	for _, r := range reports {
		fmt.Fprintf(tw, "Payment %s from %s to %s on %s (trace %s), balanced: %v\n", r.Payment.Dollars(), r.Payer.Name, r.Payee.Name, r.Date, r.TraceNumber, r.Balanced)
		fmt.Fprintln(tw, "CLAIM\tSTATUS\tLINE\tCODE\tCHARGE\tPAID\tADJUSTMENT\tREASON")
		for _, c := range r.Claims {
			fmt.Fprintf(tw, "%s\t%s\t\t\t%s\t%s\t\t\n", c.PatientControlNumber, c.Status, c.Charge.Dollars(), c.Paid.Dollars())
			for _, a := range c.Adjustments {
				fmt.Fprintf(tw, "\t\t\t\t\t\t%s-%s %s\t%s\n", a.Group, a.Reason, a.Amount.Dollars(), reasonText(tab, a.Reason))
			}
			for i, l := range c.Lines {
				fmt.Fprintf(tw, "\t\t%d\t%s\t%s\t%s\t\t\n", i+1, strings.Join(append([]string{l.Code}, l.Modifiers...), "-"), l.Charge.Dollars(), l.Paid.Dollars())
				for _, a := range l.Adjustments {
					fmt.Fprintf(tw, "\t\t\t\t\t\t%s-%s %s\t%s\n", a.Group, a.Reason, a.Amount.Dollars(), reasonText(tab, a.Reason))
				}
				for _, rm := range l.Remarks {
					text := "(no description)"
					if d, ok := tab.Remark(rm); ok {
						text = d.Description
					}
					fmt.Fprintf(tw, "\t\t\t\t\t\t%s\t%s\n", rm, text)
				}
			}
		}
		for _, a := range r.Adjustments {
			fmt.Fprintf(tw, "provider adjustment %s %s %s\t\t\t\t\t\t\t\n", a.Reason, a.Reference, a.Amount.Dollars())
		}
		for _, b := range r.Imbalances {
			fmt.Fprintf(tw, "%s\t\t\t\t\t\t\t\n", b.Error())
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func reasonText(tab *carc.Table, code string) string {
	if r, ok := tab.Reason(code); ok {
		return r.Description + ". Fix: " + r.Fix
	}
	return "(no description)"
}

func runClaimsGenerate(env *Env, args []string) error {
	fs := newFlags(env, "claims generate", "[--n N] [--seed S] [--start YYYY-MM-DD] [--days D] [--identified] [--remits FILE.835] --out FILE.csv")
	n := fs.Int("n", 100, "number of claims")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same data)")
	start := fs.String("start", "", "first date of service (default: 60 days ago)")
	days := fs.Int("days", 60, "window of dates of service in days")
	identified := fs.Bool("identified", false, "include fictitious patient identities (as a BAA organization holds them)")
	remits := fs.String("remits", "", "also write the payers' 835 remittances to this file")
	out := fs.String("out", "", "claims CSV file (default: standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *days <= 0 || fs.NArg() != 0 {
		return usageError("--n and --days must be positive; no arguments")
	}
	opts := synth.Options{Days: *days, Identified: *identified}
	if *start != "" {
		d, err := claims.ParseDate(*start)
		if err != nil {
			return usageError("--start: %v", err)
		}
		opts.Start = d
	} else {
		opts.Start = claims.DateOf(time.Now()).AddDays(-*days)
	}
	rng := rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))
	cs, err := synth.Claims(rng, *n, opts)
	if err != nil {
		return err
	}
	var buf strings.Builder
	if err := claims.WriteCSV(&buf, cs); err != nil {
		return err
	}
	if err := writeOutput(env, *out, []byte(buf.String())); err != nil {
		return err
	}
	if *remits == "" {
		return nil
	}
	rs, err := synth.Remittances(rng, cs, synth.RemitOptions{})
	if err != nil {
		return err
	}
	data, err := x835.Encode(x12.Envelope{SenderID: "SYNTHPAYER", ReceiverID: "SYNTHCLINIC", ControlNumber: 1, Test: true, Time: time.Now()}, rs, true)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*remits, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", *remits, err)
	}
	return nil
}
