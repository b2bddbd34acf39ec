package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/billing/revenue"
	"github.com/medcode/medcode/internal/billing/upload"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/claims/x12"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/claims/x837"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

var (
	codeSetsOnce sync.Once
	codeSets     *codeset.Set
)

// testCodeSets opens the installed code sets once for every test server
// of the run: the scrubber's facts and the revenue reports' fee schedule.
// Without a data directory the servers run without them (the scrubber's
// code-set edits off, reports failing), and the tests that need a built
// report skip.
func testCodeSets(t testing.TB) *codeset.Set {
	codeSetsOnce.Do(func() {
		dir, err := datadir.Resolve()
		if err != nil {
			return
		}
		if codeSets, err = codeset.Open(dir); err != nil {
			t.Fatalf("opening the code sets in %s: %v", dir, err)
		}
	})
	return codeSets
}

// needCodeSets skips a test that needs a built report when no code sets
// are installed.
func needCodeSets(t testing.TB) {
	t.Helper()
	if testCodeSets(t) == nil {
		t.Skip("no code-set data directory: a revenue report cannot be priced")
	}
}

// multipartBody encodes form fields and files as multipart/form-data.
func multipartBody(t testing.TB, fields map[string]string, files map[string][]upload.File) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for field, fs := range files {
		for _, f := range fs {
			part, err := w.CreateFormFile(field, f.Name)
			if err != nil {
				t.Fatal(err)
			}
			part.Write(f.Data)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), w.FormDataContentType()
}

var claimSeq struct {
	sync.Mutex
	n int
}

// cleanClaim is an office visit an 837P can carry and the scrubber
// passes: a commercial patient's 99213 for hypertension a week ago, with
// the patient's identity (as a BAA clinic holds it).
func cleanClaim() *claims.Claim {
	claimSeq.Lock()
	claimSeq.n++
	id := fmt.Sprintf("T%06d", claimSeq.n)
	claimSeq.Unlock()
	billingNPI, _ := claims.CompleteNPI("123456789")
	dos := claims.DateOf(time.Now().UTC().AddDate(0, 0, -7))
	return &claims.Claim{
		ID: id, Frequency: "1", PlaceOfService: "11",
		Billing: claims.Provider{NPI: billingNPI, Organization: "Maple Family Clinic", TaxID: "123456789", Taxonomy: "207Q00000X",
			Address: &claims.Address{Line1: "1 Main St", City: "Springfield", State: "IL", Zip: "627011234"}},
		Payer: claims.Payer{ID: "ACME1", Name: "Acme Health", Class: claims.Commercial},
		Patient: claims.Patient{Age: 52, Sex: claims.Female, Identity: &claims.Person{LastName: "Quillfeather", FirstName: "Ada", BirthDate: dos.AddDays(-52*365 - 40),
			Address: &claims.Address{Line1: "9 Elm St", City: "Springfield", State: "IL", Zip: "627019876"}}},
		Insured:   &claims.Insured{MemberID: "MBR" + id},
		Diagnoses: []string{"I10"},
		Lines:     []claims.Line{{Code: "99213", Units: 1, Charge: 14500, DOS: dos, Pointers: []int{1}}},
	}
}

func csvOf(t testing.TB, cs ...*claims.Claim) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := claims.WriteCSV(&b, cs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// remitOf is an 835 adjudicating the claims.
func remitOf(t testing.TB, cs ...*claims.Claim) []byte {
	t.Helper()
	rs, err := synth.Remittances(rand.New(rand.NewPCG(uint64(len(cs)), 9)), cs, synth.RemitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	claimSeq.Lock()
	claimSeq.n++
	n := claimSeq.n
	claimSeq.Unlock()
	for _, r := range rs {
		r.TraceNumber = fmt.Sprintf("TRN%06d-%s", n, r.TraceNumber)
	}
	data, err := x835.Encode(x12.Envelope{SenderID: "PAYER", ReceiverID: "CLINIC", ControlNumber: n, Time: time.Now()}, rs, true)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// partners are the trading partners of the test clinics' 837P batches.
var partners = x837.Config{
	Envelope:  x12.Envelope{SenderID: "CLINIC01", ReceiverID: "CLEARHOUSE"},
	Submitter: x837.Party{Name: "Maple Billing", ID: "SUB123", Contact: "Billing Office", Phone: "5555550100"},
	Receiver:  x837.Party{Name: "Clearing House", ID: "RCV456"},
}

// billingSetUp saves the clinic's billing settings.
func (c *orgCase) billingSetUp() {
	c.t.Helper()
	set := billing.Settings{Billing: cleanClaim().Billing, Charges: map[string]claims.Money{"99213": 14500}, Partners: partners}
	if err := c.s.Billing.SaveSettings(context.Background(), c.owner, set); err != nil {
		c.t.Fatal(err)
	}
}

// claim is a new claim of the clinic, by record id.
func (c *orgCase) claim() string {
	c.t.Helper()
	imp, err := c.s.Billing.Import(context.Background(), c.owner, "claims.csv", csvOf(c.t, cleanClaim()))
	if err != nil {
		c.t.Fatal(err)
	}
	return imp.Claims[0].ID
}

// exportable is a new claim of a BAA clinic with its partners set, ready
// to send, by record id.
func (c *orgCase) exportable() string {
	c.t.Helper()
	c.baa()
	c.billingSetUp()
	return c.claim()
}

// remittance is a new posted remittance of the clinic, by id.
func (c *orgCase) remittance() string {
	c.t.Helper()
	posted, err := c.s.Billing.Post(context.Background(), c.owner, "remits.835", remitOf(c.t, cleanClaim()))
	if err != nil {
		c.t.Fatal(err)
	}
	return posted.Remittances[0].ID
}

// reportUpload is the multipart body of a small report upload.
func reportUpload(t testing.TB) (string, string) {
	t.Helper()
	cs := []*claims.Claim{cleanClaim(), cleanClaim()}
	return multipartBody(t, nil, map[string][]upload.File{
		"claims": {{Name: "claims.csv", Data: csvOf(t, cs...)}},
		"remits": {{Name: "remits.835", Data: remitOf(t, cs...)}},
	})
}

// report is a new report of the workspace ws; with done it waits for the
// job to build it (skipping without code sets).
func (s *testServer) report(t testing.TB, ws org.Workspace, done bool) string {
	t.Helper()
	ctx := context.Background()
	cs := []*claims.Claim{cleanClaim(), cleanClaim()}
	rep, err := s.Reports.Create(ctx, ws, revenue.Upload{Claims: upload.File{Name: "claims.csv", Data: csvOf(t, cs...)},
		Remits: []upload.File{{Name: "remits.835", Data: remitOf(t, cs...)}}})
	if err != nil {
		t.Fatal(err)
	}
	if done {
		needCodeSets(t)
		s.waitReport(t, ws, rep.ID)
	}
	return rep.ID
}

// waitReport waits for the job to finish a report and fails unless it
// is done.
func (s *testServer) waitReport(t testing.TB, ws org.Workspace, id string) *revenue.Report {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rep, err := s.Reports.Status(context.Background(), ws, id)
		if err != nil {
			t.Fatal(err)
		}
		switch rep.Status {
		case store.ReportDone:
			return rep
		case store.ReportFailed:
			t.Fatalf("report %s failed: %s", id, rep.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("report %s still %s (%s) after a minute", id, rep.Status, rep.Stage)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// jsonBody encodes v for an API request.
func jsonBody(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func init() {
	for pattern, req := range billingRoutes {
		orgRoutes[pattern] = req
	}
}

// billingRoutes are the requests of the claims, remittances, billing
// and report routes of an organization's workspace (see orgRoutes).
var billingRoutes = map[string]func(c *orgCase) request{
	"GET /orgs/{org}/claims": func(c *orgCase) request { c.claim(); return request{path: c.base() + "/claims"} },
	"POST /orgs/{org}/claims/import": func(c *orgCase) request {
		body, ct := multipartBody(c.t, nil, map[string][]upload.File{"file": {{Name: "claims.csv", Data: csvOf(c.t, cleanClaim())}}})
		return request{path: c.base() + "/claims/import", body: body, contentType: ct}
	},
	"POST /orgs/{org}/claims/export": func(c *orgCase) request {
		return request{path: c.base() + "/claims/export", form: form("id", c.exportable())}
	},
	"GET /orgs/{org}/claims/{id}": func(c *orgCase) request { return request{path: c.base() + "/claims/" + c.claim()} },
	"POST /orgs/{org}/claims/{id}": func(c *orgCase) request {
		id := c.claim()
		got, err := c.s.Billing.Get(context.Background(), c.owner, id)
		if err != nil {
			c.t.Fatal(err)
		}
		return request{path: c.base() + "/claims/" + id, form: claimFormValues(got.Claim)}
	},
	"POST /orgs/{org}/claims/{id}/delete": func(c *orgCase) request {
		return request{path: c.base() + "/claims/" + c.claim() + "/delete", form: url.Values{}}
	},
	"GET /orgs/{org}/analyses/{id}/claim": func(c *orgCase) request {
		return request{path: c.base() + "/analyses/" + c.analysis() + "/claim"}
	},
	"POST /orgs/{org}/analyses/{id}/claim": func(c *orgCase) request {
		c.billingSetUp()
		return request{path: c.base() + "/analyses/" + c.analysis() + "/claim",
			form: form("claim_id", cleanClaim().ID, "dos", "2026-03-02", "payer_class", "commercial", "payer_name", "Acme Health", "patient_age", "40", "patient_sex", "F")}
	},
	"GET /orgs/{org}/remittances": func(c *orgCase) request { c.remittance(); return request{path: c.base() + "/remittances"} },
	"POST /orgs/{org}/remittances": func(c *orgCase) request {
		body, ct := multipartBody(c.t, nil, map[string][]upload.File{"file": {{Name: "remits.835", Data: remitOf(c.t, cleanClaim())}}})
		return request{path: c.base() + "/remittances", body: body, contentType: ct}
	},
	"GET /orgs/{org}/remittances/{id}": func(c *orgCase) request { return request{path: c.base() + "/remittances/" + c.remittance()} },
	"GET /orgs/{org}/billing":          func(c *orgCase) request { return request{path: c.base() + "/billing"} },
	"POST /orgs/{org}/billing": func(c *orgCase) request {
		return request{path: c.base() + "/billing", form: form("billing_npi", cleanClaim().Billing.NPI, "billing_name", "Maple", "charges", "99213 145")}
	},
	"GET /orgs/{org}/reports": func(c *orgCase) request { return request{path: c.base() + "/reports"} },
	"POST /orgs/{org}/reports": func(c *orgCase) request {
		body, ct := reportUpload(c.t)
		return request{path: c.base() + "/reports", body: body, contentType: ct}
	},
	"GET /orgs/{org}/reports/{id}": func(c *orgCase) request {
		return request{path: c.base() + "/reports/" + c.s.report(c.t, c.owner, false)}
	},
	"GET /orgs/{org}/reports/{id}/findings": func(c *orgCase) request {
		return request{path: c.base() + "/reports/" + c.s.report(c.t, c.owner, true) + "/findings?a=line"}
	},
	"GET /orgs/{org}/reports/{id}/report.pdf": func(c *orgCase) request {
		return request{path: c.base() + "/reports/" + c.s.report(c.t, c.owner, true) + "/report.pdf"}
	},
	"GET /orgs/{org}/reports/{id}/findings.csv": func(c *orgCase) request {
		return request{path: c.base() + "/reports/" + c.s.report(c.t, c.owner, true) + "/findings.csv"}
	},
	"GET /orgs/{org}/reports/{id}/report.html": func(c *orgCase) request {
		return request{path: c.base() + "/reports/" + c.s.report(c.t, c.owner, true) + "/report.html"}
	},
	"POST /orgs/{org}/reports/{id}/delete": func(c *orgCase) request {
		return request{path: c.base() + "/reports/" + c.s.report(c.t, c.owner, false) + "/delete", form: url.Values{}}
	},

	"GET /api/v1/orgs/{org}/claims": func(c *orgCase) request { c.claim(); return request{path: c.api() + "/claims"} },
	"POST /api/v1/orgs/{org}/claims": func(c *orgCase) request {
		return request{path: c.api() + "/claims", body: jsonBody(c.t, map[string]any{"claim": cleanClaim()})}
	},
	"POST /api/v1/orgs/{org}/claims/import": func(c *orgCase) request {
		return request{path: c.api() + "/claims/import", body: string(csvOf(c.t, cleanClaim())), contentType: "text/csv"}
	},
	"POST /api/v1/orgs/{org}/claims/export": func(c *orgCase) request {
		return request{path: c.api() + "/claims/export", body: jsonBody(c.t, map[string]any{"ids": []string{c.exportable()}})}
	},
	"GET /api/v1/orgs/{org}/claims/{id}": func(c *orgCase) request { return request{path: c.api() + "/claims/" + c.claim()} },
	"PUT /api/v1/orgs/{org}/claims/{id}": func(c *orgCase) request {
		return request{path: c.api() + "/claims/" + c.claim(), body: jsonBody(c.t, cleanClaim())}
	},
	"DELETE /api/v1/orgs/{org}/claims/{id}": func(c *orgCase) request { return request{path: c.api() + "/claims/" + c.claim()} },
	"GET /api/v1/orgs/{org}/remittances":    func(c *orgCase) request { c.remittance(); return request{path: c.api() + "/remittances"} },
	"POST /api/v1/orgs/{org}/remittances": func(c *orgCase) request {
		return request{path: c.api() + "/remittances", body: string(remitOf(c.t, cleanClaim())), contentType: "application/edi-x12"}
	},
	"GET /api/v1/orgs/{org}/remittances/{id}": func(c *orgCase) request { return request{path: c.api() + "/remittances/" + c.remittance()} },
	"GET /api/v1/orgs/{org}/billing":          func(c *orgCase) request { return request{path: c.api() + "/billing"} },
	"PUT /api/v1/orgs/{org}/billing": func(c *orgCase) request {
		return request{path: c.api() + "/billing", body: jsonBody(c.t, billing.Settings{Charges: map[string]claims.Money{"99213": 14500}, Partners: partners})}
	},
	"GET /api/v1/orgs/{org}/reports": func(c *orgCase) request { return request{path: c.api() + "/reports"} },
	"POST /api/v1/orgs/{org}/reports": func(c *orgCase) request {
		body, ct := reportUpload(c.t)
		return request{path: c.api() + "/reports", body: body, contentType: ct}
	},
	"GET /api/v1/orgs/{org}/reports/{id}": func(c *orgCase) request {
		return request{path: c.api() + "/reports/" + c.s.report(c.t, c.owner, false)}
	},
	"GET /api/v1/orgs/{org}/reports/{id}/findings": func(c *orgCase) request {
		return request{path: c.api() + "/reports/" + c.s.report(c.t, c.owner, true) + "/findings?a=line"}
	},
	"GET /api/v1/orgs/{org}/reports/{id}/report.pdf": func(c *orgCase) request {
		return request{path: c.api() + "/reports/" + c.s.report(c.t, c.owner, true) + "/report.pdf"}
	},
	"GET /api/v1/orgs/{org}/reports/{id}/findings.csv": func(c *orgCase) request {
		return request{path: c.api() + "/reports/" + c.s.report(c.t, c.owner, true) + "/findings.csv"}
	},
	"DELETE /api/v1/orgs/{org}/reports/{id}": func(c *orgCase) request {
		return request{path: c.api() + "/reports/" + c.s.report(c.t, c.owner, false)}
	},
}

// claimFormValues is the claim edit form of a claim, as the page sends it.
func claimFormValues(c *claims.Claim) url.Values {
	v := form("claim_id", c.ID, "frequency", "1", "place_of_service", c.PlaceOfService, "payer_id", c.Payer.ID, "payer_name", c.Payer.Name,
		"payer_class", string(c.Payer.Class), "patient_age", fmt.Sprint(c.Patient.Age), "patient_sex", string(c.Patient.Sex),
		"billing_npi", c.Billing.NPI, "billing_name", c.Billing.Organization, "diagnoses", joinCodes(c.Diagnoses), "lines", fmt.Sprint(len(c.Lines)))
	for i, l := range c.Lines {
		p := fmt.Sprintf("line-%d-", i)
		v.Set(p+"code", l.Code)
		v.Set(p+"modifiers", joinCodes(l.Modifiers))
		v.Set(p+"units", fmt.Sprint(l.Units))
		v.Set(p+"charge", l.Charge.Dollars())
		v.Set(p+"dos", l.DOS.String())
		var ps []string
		for _, n := range l.Pointers {
			ps = append(ps, fmt.Sprint(n))
		}
		v.Set(p+"pointers", joinCodes(ps))
	}
	return v
}

func joinCodes(codes []string) string {
	out := ""
	for i, c := range codes {
		if i > 0 {
			out += ";"
		}
		out += c
	}
	return out
}
