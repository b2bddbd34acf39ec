package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/medcode/medcode/internal/api/client"
)

// benchNote is a made-up, de-identified office visit: what a coder pastes.
const benchNote = `CHIEF COMPLAINT: Follow-up of diabetes and blood pressure.

HISTORY OF PRESENT ILLNESS:
Established patient returns for follow-up of type 2 diabetes with stage 3a chronic kidney
disease and hypertension. Home sugars run 140 to 180. Denies chest pain, shortness of breath or
polyuria. No hypoglycemia. Reports a dry cough for one week since starting lisinopril.

MEDICATIONS: Metformin 1000 mg BID, lisinopril 20 mg daily, atorvastatin 40 mg daily.

VITALS: BP 142/88, HR 76, BMI 31.2

EXAM: Well appearing. Heart RRR, lungs clear. Monofilament sensation intact bilaterally.

RESULTS: A1c 7.9% today. eGFR 52.

ASSESSMENT AND PLAN:
1. Type 2 diabetes mellitus with diabetic chronic kidney disease, stage 3a. Add empagliflozin.
2. Hypertension, not at goal. Switch lisinopril to losartan because of the cough.
3. Hyperlipidemia, continue atorvastatin.
Return in 3 months.`

func runBenchHTTP(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench http", "--url URL [flags]")
	url := fs.String("url", "http://127.0.0.1:8080", "server to load")
	clients := fs.Int("clients", 64, "concurrent clients")
	requests := fs.Int("requests", 5000, "total requests to POST /api/v1/analyses")
	duration := fs.Duration("duration", 0, "stop after this long even if requests remain (0 = no limit)")
	noteFile := fs.String("note", "", "note to send (default: a built-in office visit); a counter is appended so each is coded afresh")
	cached := fs.Bool("cached", false, "send the same note every time, to measure cached answers")
	token := fs.String("token", "", "API token of an existing account (default: sign up a new account)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *clients < 1 || *requests < 1 {
		return usageError("--clients and --requests must be at least 1")
	}
	note := benchNote
	if *noteFile != "" {
		b, err := os.ReadFile(*noteFile)
		if err != nil {
			return err
		}
		note = string(b)
	}
	c := client.New(*url)
	if *token != "" {
		c.Token = *token
	} else {
		email, password := benchAccount()
		if err := c.SignUp(ctx, email, password); err != nil {
			return fmt.Errorf("signing up the bench account: %w", err)
		}
		if err := c.Login(ctx, email, password, ""); err != nil {
			return fmt.Errorf("signing in the bench account: %w", err)
		}
		fmt.Fprintf(env.Stderr, "bench: signed up %s (the server's free-tier limit applies: run it with MEDCODE_LIMIT_FREE=0, or pass --token)\n", email)
	}
	report, err := c.Load(ctx, client.LoadConfig{Clients: *clients, Requests: *requests, Duration: *duration, Note: note, Cached: *cached})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(report)
	} else {
		ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
		fmt.Fprintf(env.Stdout, "POST /api/v1/analyses  clients=%d  requests=%d  errors=%d  elapsed=%s  throughput=%.0f req/s\n",
			*clients, report.Requests, report.Errors, report.Elapsed.Round(time.Millisecond), report.Throughput)
		fmt.Fprintf(env.Stdout, "latency  p50=%s  p90=%s  p99=%s  max=%s\n", ms(report.P50), ms(report.P90), ms(report.P99), ms(report.Max))
	}
	if report.Errors > 0 {
		return fmt.Errorf("%d of %d requests failed; first: %s", report.Errors, report.Requests, report.FirstError)
	}
	return nil
}

// benchAccount makes a throwaway account name and password.
func benchAccount() (string, string) {
	b := make([]byte, 18)
	rand.Read(b)
	id := hex.EncodeToString(b)
	return "bench-" + id[:12] + "@example.invalid", "Pw-" + id[12:]
}
