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
	fs := newFlags(env, "bench http", "[--url URL]... [flags]")
	var urls []string
	fs.Func("url", "server to load; repeat it for several instances on one database, loaded round-robin (default http://127.0.0.1:8080)", func(v string) error {
		urls = append(urls, v)
		return nil
	})
	clients := fs.Int("clients", 64, "concurrent clients")
	batchNotes := fs.Int("batch-notes", 0, "instead of single analyses, send this many notes as streaming batches (POST /api/v1/batches) and measure notes/s end to end")
	streams := fs.Int("streams", 4, "concurrent batch uploads, spread round-robin over the instances (with --batch-notes)")
	requests := fs.Int("requests", 5000, "total requests to POST /api/v1/analyses")
	duration := fs.Duration("duration", 0, "stop after this long even if requests remain (0 = no limit)")
	noteFile := fs.String("note", "", "note to send (default: a built-in office visit); a counter is appended so each is coded afresh")
	cached := fs.Bool("cached", false, "send the same note every time, to measure cached answers")
	token := fs.String("token", "", "API token of an existing account (default: sign up a new account)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *clients < 1 || *requests < 1 || *streams < 1 || *batchNotes < 0 {
		return usageError("--clients, --requests and --streams must be at least 1")
	}
	if len(urls) == 0 {
		urls = []string{"http://127.0.0.1:8080"}
	}
	note := benchNote
	if *noteFile != "" {
		b, err := os.ReadFile(*noteFile)
		if err != nil {
			return err
		}
		note = string(b)
	}
	c := client.New(urls[0])
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
	if *batchNotes > 0 {
		return benchBatches(ctx, env, c, urls, *streams, *batchNotes, note, *asJSON)
	}
	report, err := c.Load(ctx, client.LoadConfig{URLs: urls, Clients: *clients, Requests: *requests, Duration: *duration, Note: note, Cached: *cached})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(report)
	} else {
		ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
		fmt.Fprintf(env.Stdout, "POST /api/v1/analyses  instances=%d  clients=%d  requests=%d  errors=%d  elapsed=%s  throughput=%.0f req/s\n",
			len(urls), *clients, report.Requests, report.Errors, report.Elapsed.Round(time.Millisecond), report.Throughput)
		fmt.Fprintf(env.Stdout, "latency  p50=%s  p90=%s  p99=%s  max=%s\n", ms(report.P50), ms(report.P90), ms(report.P99), ms(report.Max))
	}
	if report.Errors > 0 {
		return fmt.Errorf("%d of %d requests failed; first: %s", report.Errors, report.Requests, report.FirstError)
	}
	return nil
}

// benchBatches measures batch throughput.
func benchBatches(ctx context.Context, env *Env, c *client.Client, urls []string, streams, notes int, note string, asJSON bool) error {
	report, err := c.LoadBatches(ctx, client.BatchLoadConfig{URLs: urls, Streams: streams, Notes: notes, Note: note})
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	fmt.Fprintf(env.Stdout, "POST /api/v1/batches  instances=%d  streams=%d  notes=%d  coded=%d  refused=%d  elapsed=%s  throughput=%.0f notes/s\n",
		len(urls), streams, report.Notes, report.Coded, report.Refused, report.Elapsed.Round(time.Millisecond), report.NotesPerSec)
	if report.Refused > 0 {
		return fmt.Errorf("%d of %d notes were refused (run the server with MEDCODE_LIMIT_FREE=0, or pass --token of an unlimited account)", report.Refused, report.Notes)
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
