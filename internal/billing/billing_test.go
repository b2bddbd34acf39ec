package billing_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/analysis/analysistest"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/claims/x12"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/claims/x837"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

type fixture struct {
	svc      *billing.Service
	analyses *analysis.Service
	orgs     *org.Service
	db       *sqlite.DB
	audit    *audit.Log
	now      time.Time
}

// start is the first date of service of the generated claims; the clock
// stands a few weeks later, within every payer's filing limit.
var start = claims.Date{Year: 2026, Month: 3, Day: 2}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, _ := crypto.ParseKeys("k1:" + strings.Repeat("C", 43) + "=")
	f := &fixture{db: db, now: time.Date(2026, 4, 20, 15, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.audit = audit.New(db)
	coder := &analysistest.Coder{}
	if f.analyses, err = analysis.New(db, keys, coder, nil, f.audit, analysis.Config{MaxNoteBytes: 100_000, PHIPolicy: phi.PolicyBlock}, nil, logger); err != nil {
		t.Fatal(err)
	}
	f.orgs = org.New(db, f.audit, nil, coder, org.Config{BaseURL: "http://medcode.test"}, logger)
	if f.svc, err = billing.New(db, keys, f.audit, f.analyses, scrub.Sources{}, logger); err != nil {
		t.Fatal(err)
	}
	f.svc.Now = func() time.Time { return f.now }
	return f
}

var userSeq int

func (f *fixture) user(t *testing.T) *store.User {
	t.Helper()
	userSeq++
	u := &store.User{Email: fmt.Sprintf("user%d@clinic.example", userSeq), PasswordHash: "x", Tier: store.TierFree}
	if err := f.db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// clinic makes an organization, under a BAA when baa is set, and returns
// its owner's workspace.
func (f *fixture) clinic(t *testing.T, baa bool) org.Workspace {
	t.Helper()
	ctx := context.Background()
	owner := f.user(t)
	o, err := f.orgs.Create(ctx, owner, "Maple Clinic")
	if err != nil {
		t.Fatal(err)
	}
	ws := f.workspace(t, owner, o.ID)
	if baa {
		if _, err := f.orgs.RecordBAA(ctx, ws, "BAA-1"); err != nil {
			t.Fatal(err)
		}
		ws = f.workspace(t, owner, o.ID)
	}
	return ws
}

func (f *fixture) workspace(t *testing.T, u *store.User, orgID int64) org.Workspace {
	t.Helper()
	ws, err := f.orgs.Workspace(context.Background(), u, orgID)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func (f *fixture) member(t *testing.T, ws org.Workspace, role store.Role) org.Workspace {
	t.Helper()
	ctx := context.Background()
	u := f.user(t)
	inv, err := f.orgs.Invite(ctx, ws, u.Email, role)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.orgs.Accept(ctx, u, strings.TrimPrefix(inv.Link, "http://medcode.test/invite?token=")); err != nil {
		t.Fatal(err)
	}
	return f.workspace(t, u, ws.Org.ID)
}

func (f *fixture) actions(t *testing.T, orgID int64) []string {
	t.Helper()
	lines, _, err := f.audit.List(context.Background(), orgID, audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range lines {
		out = append(out, string(l.Action))
	}
	return out
}

// generated makes n identified claims as a BAA clinic's practice system
// would export them.
func generated(t *testing.T, n int, seed uint64) []*claims.Claim {
	t.Helper()
	cs, err := synth.Claims(rand.New(rand.NewPCG(seed, seed+1)), n, synth.Options{Start: start, Days: 20, Identified: true})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func csvOf(t *testing.T, cs []*claims.Claim) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := claims.WriteCSV(&b, cs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var partners = x837.Config{
	Envelope:  x12.Envelope{SenderID: "CLINIC01", ReceiverID: "CLEARHOUSE"},
	Submitter: x837.Party{Name: "Maple Billing", ID: "SUB123", Contact: "Billing Office", Phone: "5555550100"},
	Receiver:  x837.Party{Name: "Clearing House", ID: "RCV456"},
}

func (f *fixture) settings(t *testing.T, ws org.Workspace) {
	t.Helper()
	set := billing.Settings{
		Billing:  claims.Provider{NPI: "1234567893", Organization: "Maple Clinic", TaxID: "123456789", Address: &claims.Address{Line1: "1 Main St", City: "Springfield", State: "IL", Zip: "627011234"}},
		Charges:  map[string]claims.Money{"99213": 14500, "99214": 21000},
		Partners: partners,
	}
	if err := f.svc.SaveSettings(context.Background(), ws, set); err != nil {
		t.Fatal(err)
	}
}

// TestBillerFlow imports a BAA clinic's claims, breaks one, scrubs, fixes
// it, exports the batch as 837P (read back claim for claim), and posts
// the payers' 835s to the claims.
func TestBillerFlow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ws := f.clinic(t, true)
	f.settings(t, ws)
	cs := generated(t, 40, 1)
	// A pointer to no diagnosis: the scrubber must stop it.
	cs[3].Lines[0].Pointers = []int{len(cs[3].Diagnoses) + 1}
	imp, err := f.svc.Import(ctx, ws, "claims.csv", csvOf(t, cs))
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Claims) != 40 || imp.Errors == 0 {
		t.Fatalf("import: %d claims, %d errors", len(imp.Claims), imp.Errors)
	}
	var broken billing.Summary
	for _, s := range imp.Claims {
		if s.ClaimID == cs[3].ID {
			broken = s
		}
	}
	got, err := f.svc.Get(ctx, ws, broken.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Claim.Patient.Identity == nil || got.Claim.Patient.Identity.LastName != cs[3].Patient.Identity.LastName {
		t.Fatalf("a BAA clinic's claim lost its patient: %+v", got.Claim.Patient)
	}
	var edits []string
	for _, fd := range got.Findings {
		if fd.Severity == scrub.Error {
			edits = append(edits, fd.Edit)
			if fd.Message == "" || fd.Fix == "" {
				t.Errorf("finding without message or fix: %+v", fd)
			}
		}
	}
	if !slices.Contains(edits, "CLM-02") {
		t.Fatalf("the bad pointer was not found: %v", got.Findings)
	}

	// The export refuses the broken claim, naming it; fixing it lets the
	// batch through.
	_, err = f.svc.Export(ctx, ws, nil, true)
	if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), cs[3].ID) {
		t.Fatalf("export with a broken claim: %v", err)
	}
	fixed := *got.Claim
	fixed.Lines = slices.Clone(fixed.Lines)
	fixed.Lines[0].Pointers = []int{1}
	upd, err := f.svc.Update(ctx, ws, broken.ID, &fixed)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range upd.Findings {
		if fd.Severity == scrub.Error {
			t.Fatalf("still an error after the fix: %+v", fd)
		}
	}
	exp, err := f.svc.Export(ctx, ws, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if exp.ControlNumber != 1 || len(exp.Claims) != 40 || exp.Filename != "claims-1.837" {
		t.Fatalf("export: control %d, %d claims, %s", exp.ControlNumber, len(exp.Claims), exp.Filename)
	}
	batch, err := x837.Read(exp.Data)
	if err != nil {
		t.Fatal(err)
	}
	if batch.Submitter.ID != "SUB123" || batch.Receiver.Name != "Clearing House" || len(batch.Claims) != 40 {
		t.Fatalf("837P: %+v, %d claims", batch.Submitter, len(batch.Claims))
	}
	for _, c := range batch.Claims {
		if c.Patient.Identity == nil || c.TotalCharge() == 0 {
			t.Fatalf("claim %s in the 837P: %+v", c.ID, c.Patient)
		}
	}
	page, err := f.svc.List(ctx, ws, billing.ListQuery{Status: store.ClaimExported, PerPage: 100})
	if err != nil || page.Total != 40 {
		t.Fatalf("exported claims: %+v, %v", page, err)
	}
	// Nothing is left to send; the next batch gets the next number.
	if _, err := f.svc.Export(ctx, ws, nil, true); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("second export of nothing: %v", err)
	}
	if again, err := f.svc.Export(ctx, ws, []string{broken.ID}, true); err != nil || again.ControlNumber != 2 {
		t.Fatalf("export again: %+v, %v", again, err)
	}

	// The payers answer: post their 835s.
	rs, err := synth.Remittances(rand.New(rand.NewPCG(7, 8)), cs, synth.RemitOptions{LineDenialRate: 0.2, ClaimDenialRate: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	data, err := x835.Encode(x12.Envelope{SenderID: "PAYER", ReceiverID: "CLINIC01", ControlNumber: 5, Time: f.now}, rs, true)
	if err != nil {
		t.Fatal(err)
	}
	posted, err := f.svc.Post(ctx, ws, "remits.835", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(posted.Remittances) != len(rs) {
		t.Fatalf("posted %d of %d remittances", len(posted.Remittances), len(rs))
	}
	matched := 0
	for _, r := range posted.Remittances {
		matched += r.Matched
		if !r.Balanced {
			t.Errorf("remittance %s does not balance", r.ID)
		}
	}
	if matched < 40 {
		t.Fatalf("%d adjudications matched to the 40 claims", matched)
	}
	if _, err := f.svc.Post(ctx, ws, "remits.835", data); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("the same 835 again: %v", err)
	}
	// Every claim moved on; denied ones say why, in our words.
	explained := 0
	for _, r := range posted.Remittances {
		v, err := f.svc.Remittance(ctx, ws, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, pc := range v.Posted {
			if pc.ClaimID == "" {
				t.Errorf("claim %s not matched", pc.PatientControlNumber)
			}
			for _, a := range pc.Adjustments {
				if a.Kind == "denial" {
					if a.Description == "" || a.Fix == "" || a.GroupMeans == "" {
						t.Errorf("denial without explanation: %+v", a)
					}
					explained++
				}
			}
		}
	}
	if explained == 0 {
		t.Fatal("no denial to explain in the remittances")
	}
	for _, status := range []store.ClaimStatus{store.ClaimDraft, store.ClaimExported} {
		if p, _ := f.svc.List(ctx, ws, billing.ListQuery{Status: status}); p.Total != 0 {
			t.Errorf("%d claims still %s after the remittances", p.Total, status)
		}
	}
	withPosting, err := f.svc.Get(ctx, ws, broken.ID)
	if err != nil || len(withPosting.Postings) == 0 || withPosting.Postings[0].Payer == "" {
		t.Fatalf("claim postings: %+v, %v", withPosting.Postings, err)
	}

	want := []string{"billing.settings", "claim.import", "claim.view", "claim.update", "claim.export", "claim.export", "remit.post", "remit.view", "claim.view"}
	acts := strings.Join(f.actions(t, ws.Org.ID), " ")
	for _, a := range want {
		if !strings.Contains(acts, a) {
			t.Errorf("audit log lacks %s: %s", a, acts)
		}
	}
}

// TestDeidentifiedOutsideBAA: without a BAA the patient's identity never
// reaches the store, the remittances lose the patient, and an 837P (which
// needs the identity) is refused with the reason.
func TestDeidentifiedOutsideBAA(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ws := f.clinic(t, false)
	f.settings(t, ws)
	cs := generated(t, 12, 2)
	name := cs[0].Patient.Identity.LastName + "-" + cs[0].Insured.MemberID
	imp, err := f.svc.Import(ctx, ws, "claims.csv", csvOf(t, cs))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Get(ctx, ws, imp.Claims[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Claim.Patient
	if p.Identity != nil || got.Claim.Insured != nil || p.Key == "" || p.Age != cs[0].Patient.Age {
		t.Fatalf("stored patient outside a BAA: %+v insured %+v", p, got.Claim.Insured)
	}
	// The same patient in a second upload gets the same pseudonym.
	again := generated(t, 12, 2)
	for _, c := range again {
		c.ID += "-B"
	}
	imp2, err := f.svc.Import(ctx, ws, "more.csv", csvOf(t, again))
	if err != nil {
		t.Fatal(err)
	}
	got2, _ := f.svc.Get(ctx, ws, imp2.Claims[0].ID)
	if got2.Claim.Patient.Key != p.Key {
		t.Fatalf("pseudonyms differ across uploads: %s %s", p.Key, got2.Claim.Patient.Key)
	}
	_, err = f.svc.Export(ctx, ws, []string{imp.Claims[0].ID}, false)
	if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), "BAA") {
		t.Fatalf("837P outside a BAA: %v", err)
	}
	rs, err := synth.Remittances(rand.New(rand.NewPCG(1, 2)), cs, synth.RemitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := x835.Encode(x12.Envelope{SenderID: "PAYER", ReceiverID: "CLINIC01", ControlNumber: 1, Time: f.now}, rs, true)
	if err != nil {
		t.Fatal(err)
	}
	posted, err := f.svc.Post(ctx, ws, "remits.835", data)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.Remittance(ctx, ws, posted.Remittances[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Posted[0].ClaimID == "" {
		t.Fatal("a de-identified claim was not matched by its claim id")
	}
	// Neither the name nor the member id is anywhere in the database.
	for _, path := range []string{f.db.Path(), f.db.Path() + "-wal"} {
		b, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, needle := range strings.Split(name, "-") {
			if bytes.Contains(b, []byte(needle)) {
				t.Fatalf("%s holds %q", path, needle)
			}
		}
		if bytes.Contains(b, []byte(cs[0].ID)) {
			t.Fatalf("%s holds the claim id %s in the clear", path, cs[0].ID)
		}
	}
}

func TestImportRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ws := f.clinic(t, true)
	cs := generated(t, 5, 3)
	if _, err := f.svc.Import(ctx, ws, "claims.csv", csvOf(t, cs)); err != nil {
		t.Fatal(err)
	}
	more := generated(t, 6, 4)
	for _, c := range more {
		c.ID = "N" + c.ID
	}
	more = append(more, cs[1], cs[4])
	tests := []struct {
		name string
		data []byte
		code apperr.Code
		says string
	}{
		{"ids already used", csvOf(t, more), apperr.Conflict, cs[1].ID + ", " + cs[4].ID},
		{"not a claims file", []byte("hello,world\n1,2\n"), apperr.Invalid, "hello"},
		{"empty", nil, apperr.Invalid, ""},
		{"broken 837P", []byte("ISA*00*bad~"), apperr.Invalid, "ISA"},
	}
	for _, tt := range tests {
		_, err := f.svc.Import(ctx, ws, "up.csv", tt.data)
		if apperr.CodeOf(err) != tt.code || !strings.Contains(apperr.MessageOf(err), tt.says) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// Nothing of the refused file was stored.
	if p, _ := f.svc.List(ctx, ws, billing.ListQuery{}); p.Total != 5 {
		t.Fatalf("%d claims after refused imports", p.Total)
	}
}

func TestFromAnalysisAppliesDecisions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ws := f.clinic(t, false)
	rec, err := f.analyses.Analyze(ctx, ws, analysis.Request{Note: "Type 2 diabetes. Hypertension. Cough.", Attested: true})
	if err != nil {
		t.Fatal(err)
	}
	e := billing.Encounter{ClaimID: "V-1001", DOS: start, Payer: claims.Payer{ID: "P1", Name: "Plan", Class: claims.Commercial},
		Patient: claims.Patient{Age: 58, Sex: claims.Female}}
	if _, err := f.svc.FromAnalysis(ctx, ws, rec.ID, e); apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), "billing provider") {
		t.Fatalf("without a billing provider: %v", err)
	}
	f.settings(t, ws)
	if err := f.analyses.Decide(ctx, ws, rec.ID, "R05.9", analysis.Rejected, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.analyses.Decide(ctx, ws, rec.ID, "E11.9", analysis.Changed, "E11.65"); err != nil {
		t.Fatal(err)
	}
	if err := f.analyses.Decide(ctx, ws, rec.ID, "99213", analysis.Changed, "99215"); err != nil {
		t.Fatal(err)
	}
	// 99215 has no charge yet.
	_, err = f.svc.FromAnalysis(ctx, ws, rec.ID, e)
	if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), "99215") {
		t.Fatalf("a code without a charge: %v", err)
	}
	set, _ := f.svc.Settings(ctx, ws)
	set.Charges["99215"] = 28000
	if err := f.svc.SaveSettings(ctx, ws, *set); err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.FromAnalysis(ctx, ws, rec.ID, e)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Claim.Diagnoses, " ") != "E11.65 I10" || c.Claim.Lines[0].Code != "99215" || c.Charge != 28000 ||
		c.Source != billing.SourceAnalysis || c.AnalysisID != rec.ID || c.Claim.Billing.NPI != "1234567893" {
		t.Fatalf("claim from the analysis: %+v %+v", c, c.Claim)
	}
	if _, err := f.svc.FromAnalysis(ctx, ws, rec.ID, e); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("the same claim id twice: %v", err)
	}
}

func TestPermissions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ws := f.clinic(t, true)
	f.settings(t, ws)
	imp, err := f.svc.Import(ctx, ws, "claims.csv", csvOf(t, generated(t, 2, 5)))
	if err != nil {
		t.Fatal(err)
	}
	id := imp.Claims[0].ID
	viewer, biller, coder := f.member(t, ws, store.RoleViewer), f.member(t, ws, store.RoleBiller), f.member(t, ws, store.RoleCoder)
	if _, err := f.svc.Get(ctx, viewer, id); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("viewer reads a claim: %v", err)
	}
	if _, err := f.svc.Get(ctx, biller, id); err != nil {
		t.Fatalf("biller reads a claim: %v", err)
	}
	if err := f.svc.SaveSettings(ctx, biller, billing.Settings{}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("biller changes the settings: %v", err)
	}
	if err := f.svc.Delete(ctx, coder, id); err != nil {
		t.Fatalf("coder deletes a claim: %v", err)
	}
	// Claims live in organizations only; another one sees nothing.
	if _, err := f.svc.List(ctx, org.Personal(ws.User), billing.ListQuery{}); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("claims in a personal workspace: %v", err)
	}
	other := f.clinic(t, true)
	if _, err := f.svc.Get(ctx, other, imp.Claims[1].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another organization reads a claim: %v", err)
	}
}

func TestSettings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ws := f.clinic(t, false)
	got, err := f.svc.Settings(ctx, ws)
	if err != nil || got.PlaceOfService != "11" || len(got.Charges) != 0 {
		t.Fatalf("default settings: %+v, %v", got, err)
	}
	bad := []struct {
		name string
		set  billing.Settings
		says string
	}{
		{"bad NPI", billing.Settings{Billing: claims.Provider{NPI: "1234567890"}}, "NPI"},
		{"bad place of service", billing.Settings{PlaceOfService: "office"}, "place of service"},
		{"bad code", billing.Settings{Charges: map[string]claims.Money{"ABC": 100}}, "ABC"},
		{"free charge", billing.Settings{Charges: map[string]claims.Money{"99213": 0}}, "more than zero"},
		{"X12 delimiter", billing.Settings{Partners: x837.Config{Submitter: x837.Party{Name: "A*B"}}}, "Submitter name"},
	}
	for _, tt := range bad {
		err := f.svc.SaveSettings(ctx, ws, tt.set)
		if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), tt.says) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if err := f.svc.SaveSettings(ctx, ws, billing.Settings{Charges: map[string]claims.Money{"g2211": 1600}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Settings(ctx, ws); got.Charges["G2211"] != 1600 {
		t.Fatalf("charge master not normalised: %+v", got.Charges)
	}
}

// TestExportNeedsPartners: an 837P is refused, in the settings' words,
// until the trading partners and the submitter's contact are named.
func TestExportNeedsPartners(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ws := f.clinic(t, true)
	if _, err := f.svc.Import(ctx, ws, "claims.csv", csvOf(t, generated(t, 2, 1))); err != nil {
		t.Fatal(err)
	}
	noContact := partners
	noContact.Submitter.Phone = ""
	tests := []struct {
		name     string
		partners x837.Config
		says     string
	}{
		{"no partners", x837.Config{}, "trading partners"},
		{"no submitter contact", noContact, "phone number or email"},
	}
	for _, tt := range tests {
		if err := f.svc.SaveSettings(ctx, ws, billing.Settings{Partners: tt.partners}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Export(ctx, ws, nil, true)
		if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), tt.says) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestParseCharges(t *testing.T) {
	tests := []struct {
		text string
		want map[string]claims.Money
		err  string
	}{
		{"99213 145.00\n99214,210\n# a comment\n\ng2211\t$16", map[string]claims.Money{"99213": 14500, "99214": 21000, "G2211": 1600}, ""},
		{"99213", nil, "line 1"},
		{"99213 1.234", nil, "line 1"},
		{"99213 10\n99214 ten", nil, "line 2"},
	}
	for _, tt := range tests {
		got, err := billing.ParseCharges(tt.text)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseCharges(%q) = %v, want error with %q", tt.text, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseCharges(%q) = %v, %v", tt.text, got, err)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("ParseCharges(%q)[%s] = %d, want %d", tt.text, k, got[k], v)
			}
		}
	}
	if back, _ := billing.ParseCharges(billing.FormatCharges(tests[0].want)); len(back) != 3 || back["G2211"] != 1600 {
		t.Fatalf("FormatCharges does not read back: %v", back)
	}
}

func FuzzParseCharges(f *testing.F) {
	for _, seed := range []string{"99213 145.00\n99214,210", "g2211\t$16\n# x", "99213", "a b c", "99213 -1", "\x00\xff 1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := billing.ParseCharges(text)
		if err != nil {
			return
		}
		// What parses writes back to the same charges.
		back, err := billing.ParseCharges(billing.FormatCharges(got))
		if err != nil || len(back) != len(got) {
			t.Fatalf("round trip of %q: %v, %v", text, back, err)
		}
		for k, v := range got {
			if back[k] != v {
				t.Fatalf("round trip of %q: %s %d != %d", text, k, back[k], v)
			}
		}
	})
}
