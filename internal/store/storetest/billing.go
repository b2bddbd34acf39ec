package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// billingTests are the conformance tests of claims, remittances, billing
// profiles and revenue reports; Run runs them with the others.
var billingTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"ClaimsScopedAndUnique", testClaimsScoped},
	{"ClaimsListAndExport", testClaimsListAndExport},
	{"RemittancePosting", testRemittancePosting},
	{"BillingProfile", testBillingProfile},
	{"ReportLifecycle", testReportLifecycle},
	{"ReportNotices", testReportNotices},
	{"AbandonAndPurgeReports", testAbandonAndPurgeReports},
}

func claim(id, key string, at time.Time) *store.Claim {
	return &store.Claim{ID: id, ControlKey: key, Source: "csv", Status: store.ClaimDraft, Charge: 15000, KeyID: "k1",
		Body: []byte("sealed-" + id), CreatedAt: at, UpdatedAt: at}
}

func testClaimsScoped(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := mustUser(t, s, "ann@clinic.example"), mustUser(t, s, "bob@clinic.example")
	o := mustOrg(t, s, "Maple Clinic", ann)
	in := store.InOrg(o.ID, ann.ID)
	if err := s.CreateClaims(ctx, in, []*store.Claim{claim("cl_1", "k-a", t0), claim("cl_2", "k-b", t0.Add(time.Second))}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Claim(ctx, in, "cl_1")
	if err != nil || got.OrgID != o.ID || got.CreatedBy != ann.ID || got.ControlKey != "k-a" || !bytes.Equal(got.Body, []byte("sealed-cl_1")) ||
		got.Status != store.ClaimDraft || got.Charge != 15000 || !got.CreatedAt.Equal(t0) || !got.ExportedAt.IsZero() {
		t.Fatalf("Claim = %+v, %v", got, err)
	}
	// A non-member, and the owner's personal workspace, see nothing.
	for _, sc := range []store.Scope{store.InOrg(o.ID, bob.ID), store.Personal(ann.ID)} {
		_, err := s.Claim(ctx, sc, "cl_1")
		wantCode(t, err, apperr.NotFound)
		if list, n, err := s.ListClaims(ctx, sc, store.ClaimFilter{}); err != nil || n != 0 || len(list) != 0 {
			t.Fatalf("ListClaims(%+v) = %d, %v", sc, n, err)
		}
		wantCode(t, s.DeleteClaim(ctx, sc, "cl_1"), apperr.NotFound)
		c := claim("cl_1", "k-z", t0)
		wantCode(t, s.UpdateClaim(ctx, sc, c), apperr.NotFound)
	}
	wantCode(t, s.CreateClaims(ctx, store.InOrg(o.ID, bob.ID), []*store.Claim{claim("cl_9", "k-9", t0)}), apperr.NotFound)

	// A control key is unique in a workspace: a batch with a taken key
	// inserts nothing.
	err = s.CreateClaims(ctx, in, []*store.Claim{claim("cl_3", "k-c", t0), claim("cl_4", "k-a", t0)})
	wantCode(t, err, apperr.Conflict)
	if _, err := s.Claim(ctx, in, "cl_3"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("a refused batch left cl_3: %v", err)
	}
	// ... but the same key is fine in another workspace.
	if err := s.CreateClaims(ctx, store.Personal(ann.ID), []*store.Claim{claim("cl_5", "k-a", t0)}); err != nil {
		t.Fatal(err)
	}
	byKey, err := s.ClaimsByControlKey(ctx, in, []string{"k-a", "k-b", "k-missing"})
	if err != nil || len(byKey) != 2 || byKey["k-a"].ID != "cl_1" || byKey["k-b"].ID != "cl_2" || len(byKey["k-b"].Body) == 0 {
		t.Fatalf("ClaimsByControlKey = %+v, %v", byKey, err)
	}

	// Update: a taken key conflicts; otherwise everything given changes.
	up := claim("cl_2", "k-a", t0)
	wantCode(t, s.UpdateClaim(ctx, in, up), apperr.Conflict)
	up = &store.Claim{ID: "cl_2", ControlKey: "k-b2", Errors: 2, Warnings: 1, Charge: 999, KeyID: "k2", Body: []byte("new"), UpdatedAt: t0.Add(time.Hour)}
	if err := s.UpdateClaim(ctx, in, up); err != nil {
		t.Fatal(err)
	}
	got, err = s.Claim(ctx, in, "cl_2")
	if err != nil || got.ControlKey != "k-b2" || got.Errors != 2 || got.Warnings != 1 || got.Charge != 999 || got.KeyID != "k2" ||
		string(got.Body) != "new" || !got.UpdatedAt.Equal(t0.Add(time.Hour)) || !got.CreatedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("after UpdateClaim: %+v, %v", got, err)
	}
	if err := s.DeleteClaim(ctx, in, "cl_2"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteClaim(ctx, in, "cl_2"), apperr.NotFound)
}

func testClaimsListAndExport(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := mustUser(t, s, "ann@clinic.example")
	o := mustOrg(t, s, "Maple Clinic", ann)
	in := store.InOrg(o.ID, ann.ID)
	var cs []*store.Claim
	for i := range 5 {
		// Two share a creation time: ties keep insertion order.
		cs = append(cs, claim(fmt.Sprintf("cl_%d", i), fmt.Sprintf("k%d", i), t0.Add(time.Duration(min(i, 3))*time.Minute)))
	}
	if err := s.CreateClaims(ctx, in, cs); err != nil {
		t.Fatal(err)
	}
	ids := func(list []store.Claim) string {
		var b bytes.Buffer
		for _, c := range list {
			b.WriteString(c.ID + " ")
			if c.Body != nil {
				t.Fatalf("ListClaims returned the body of %s", c.ID)
			}
		}
		return b.String()
	}
	list, n, err := s.ListClaims(ctx, in, store.ClaimFilter{Limit: 2, Offset: 1})
	if err != nil || n != 5 || ids(list) != "cl_3 cl_2 " {
		t.Fatalf("ListClaims page = %q (%d), %v", ids(list), n, err)
	}
	if err := s.MarkClaimsExported(ctx, in, []string{"cl_0", "cl_4"}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	list, n, err = s.ListClaims(ctx, in, store.ClaimFilter{Status: store.ClaimExported})
	if err != nil || n != 2 || ids(list) != "cl_4 cl_0 " || !list[0].ExportedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("exported claims = %q (%d) %+v, %v", ids(list), n, list, err)
	}
	// Exporting again keeps the first export time; a paid claim stays paid.
	if err := s.PostRemittance(ctx, in, &store.Remittance{ID: "rm_1", TraceKey: "t1", KeyID: "k1", Body: []byte("x"), CreatedAt: t0},
		[]store.Posting{{Seq: 1, ClaimID: "cl_4", Status: store.ClaimPaid, Paid: 100}}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkClaimsExported(ctx, in, []string{"cl_0", "cl_4"}, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	c0, _ := s.Claim(ctx, in, "cl_0")
	c4, _ := s.Claim(ctx, in, "cl_4")
	if !c0.ExportedAt.Equal(t0.Add(time.Hour)) || c0.Status != store.ClaimExported || c4.Status != store.ClaimPaid {
		t.Fatalf("re-export: %+v %+v", c0, c4)
	}
	var order []string
	err = s.EachClaim(ctx, in, func(c *store.Claim) (bool, error) {
		if len(c.Body) == 0 {
			t.Fatal("EachClaim without the body")
		}
		order = append(order, c.ID)
		return len(order) < 4, nil
	})
	if err != nil || fmt.Sprint(order) != "[cl_0 cl_1 cl_2 cl_3]" {
		t.Fatalf("EachClaim = %v, %v", order, err)
	}
}

func testRemittancePosting(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := mustUser(t, s, "ann@clinic.example"), mustUser(t, s, "bob@clinic.example")
	o := mustOrg(t, s, "Maple Clinic", ann)
	other := mustOrg(t, s, "Aspen Clinic", bob)
	in := store.InOrg(o.ID, ann.ID)
	if err := s.CreateClaims(ctx, in, []*store.Claim{claim("cl_1", "k1", t0), claim("cl_2", "k2", t0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateClaims(ctx, store.InOrg(other.ID, bob.ID), []*store.Claim{claim("cl_x", "k1", t0)}); err != nil {
		t.Fatal(err)
	}
	r := &store.Remittance{ID: "rm_1", TraceKey: "t1", Payment: 8000, Claims: 3, Matched: 2, Balanced: true, KeyID: "k1", Body: []byte("sealed"), CreatedAt: t0}
	postings := []store.Posting{
		{Seq: 1, ClaimID: "cl_1", Status: store.ClaimPaid, Paid: 8000},
		{Seq: 2, ClaimID: "cl_2", Status: store.ClaimDenied},
		{Seq: 3},
	}
	if err := s.PostRemittance(ctx, in, r, postings); err != nil {
		t.Fatal(err)
	}
	// A posting to another workspace's claim refuses the whole remittance.
	bad := &store.Remittance{ID: "rm_bad", TraceKey: "t-bad", KeyID: "k1", Body: []byte("x"), CreatedAt: t0}
	wantCode(t, s.PostRemittance(ctx, in, bad, []store.Posting{{Seq: 1, ClaimID: "cl_1", Status: store.ClaimPaid, Paid: 1}, {Seq: 2, ClaimID: "cl_x", Status: store.ClaimPaid}}), apperr.NotFound)
	if _, _, err := s.Remittance(ctx, in, "rm_bad"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("refused remittance stored: %v", err)
	}
	// The same payment again is refused whole; another workspace may post its own.
	again := &store.Remittance{ID: "rm_again", TraceKey: "t1", KeyID: "k1", Body: []byte("x"), CreatedAt: t0}
	wantCode(t, s.PostRemittance(ctx, in, again, []store.Posting{{Seq: 1, ClaimID: "cl_1", Status: store.ClaimPaid, Paid: 8000}}), apperr.Conflict)
	if err := s.PostRemittance(ctx, store.InOrg(other.ID, bob.ID), &store.Remittance{ID: "rm_other", TraceKey: "t1", KeyID: "k1", Body: []byte("x"), CreatedAt: t0}, nil); err != nil {
		t.Fatal(err)
	}
	// A reversal and a new payment: status follows the last posting, paid adds up.
	r2 := &store.Remittance{ID: "rm_2", TraceKey: "t2", Payment: -1000, Claims: 2, Matched: 2, KeyID: "k1", Body: []byte("sealed2"), CreatedAt: t0.Add(time.Hour)}
	if err := s.PostRemittance(ctx, in, r2, []store.Posting{
		{Seq: 1, ClaimID: "cl_1", Status: store.ClaimReversed, Paid: -8000},
		{Seq: 2, ClaimID: "cl_1", Status: store.ClaimPaid, Paid: 7000},
	}); err != nil {
		t.Fatal(err)
	}
	c1, _ := s.Claim(ctx, in, "cl_1")
	c2, _ := s.Claim(ctx, in, "cl_2")
	if c1.Status != store.ClaimPaid || c1.Paid != 7000 || c2.Status != store.ClaimDenied || c2.Paid != 0 {
		t.Fatalf("claims after posting: %+v %+v", c1, c2)
	}
	x, _ := s.Claim(ctx, store.InOrg(other.ID, bob.ID), "cl_x")
	if x.Status != store.ClaimDraft || x.Paid != 0 {
		t.Fatalf("another workspace's claim changed: %+v", x)
	}
	got, ps, err := s.Remittance(ctx, in, "rm_1")
	if err != nil || got.TraceKey != "t1" || got.Payment != 8000 || got.Claims != 3 || got.Matched != 2 || !got.Balanced || string(got.Body) != "sealed" ||
		len(ps) != 3 || ps[0] != postings[0] || ps[1] != postings[1] || ps[2].ClaimID != "" {
		t.Fatalf("Remittance = %+v %+v, %v", got, ps, err)
	}
	_, _, err = s.Remittance(ctx, store.InOrg(o.ID, bob.ID), "rm_1")
	wantCode(t, err, apperr.NotFound)
	list, n, err := s.ListRemittances(ctx, in, 10, 0)
	if err != nil || n != 2 || len(list) != 2 || list[0].ID != "rm_2" || list[0].Body != nil {
		t.Fatalf("ListRemittances = %+v (%d), %v", list, n, err)
	}
	history, err := s.ClaimPostings(ctx, in, "cl_1")
	if err != nil || len(history) != 3 || history[0].RemittanceID != "rm_1" || history[2].Seq != 2 || history[2].Paid != 7000 ||
		!history[2].PostedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("ClaimPostings = %+v, %v", history, err)
	}
	if h, err := s.ClaimPostings(ctx, store.InOrg(o.ID, bob.ID), "cl_1"); err != nil || len(h) != 0 {
		t.Fatalf("ClaimPostings for a non-member = %+v, %v", h, err)
	}
	// Deleting a claim keeps its postings, unattached.
	if err := s.DeleteClaim(ctx, in, "cl_2"); err != nil {
		t.Fatal(err)
	}
	if _, ps, _ := s.Remittance(ctx, in, "rm_1"); len(ps) != 3 || ps[1].ClaimID != "" || ps[1].Status != store.ClaimDenied {
		t.Fatalf("postings after deleting a claim: %+v", ps)
	}
}

func testBillingProfile(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := mustUser(t, s, "ann@clinic.example"), mustUser(t, s, "bob@clinic.example")
	o := mustOrg(t, s, "Maple Clinic", ann)
	in := store.InOrg(o.ID, ann.ID)
	_, err := s.BillingProfile(ctx, store.InOrg(o.ID, bob.ID), []byte("s"), "k1")
	wantCode(t, err, apperr.NotFound)
	wantCode(t, s.SaveBillingSettings(ctx, in, "{}"), apperr.NotFound)

	// Concurrent first calls agree on one secret.
	var wg sync.WaitGroup
	secrets := make([][]byte, 8)
	for i := range secrets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := s.BillingProfile(ctx, in, []byte(fmt.Sprintf("secret-%d", i)), "k1")
			if err != nil {
				t.Error(err)
				return
			}
			secrets[i] = p.Secret
		}()
	}
	wg.Wait()
	for _, sec := range secrets[1:] {
		if !bytes.Equal(sec, secrets[0]) {
			t.Fatalf("two secrets: %q and %q", secrets[0], sec)
		}
	}
	if err := s.SaveBillingSettings(ctx, in, `{"charges":{"99213":120}}`); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 3; want++ {
		if n, err := s.NextControlNumber(ctx, in); err != nil || n != want {
			t.Fatalf("NextControlNumber = %d, %v; want %d", n, err, want)
		}
	}
	p, err := s.BillingProfile(ctx, in, []byte("ignored"), "k9")
	if err != nil || p.Settings != `{"charges":{"99213":120}}` || p.ControlNumber != 3 || p.KeyID != "k1" || !bytes.Equal(p.Secret, secrets[0]) {
		t.Fatalf("BillingProfile = %+v, %v", p, err)
	}
	// The personal workspace has its own.
	mine, err := s.BillingProfile(ctx, store.Personal(ann.ID), []byte("personal"), "k1")
	if err != nil || string(mine.Secret) != "personal" || mine.Settings != "" {
		t.Fatalf("personal BillingProfile = %+v, %v", mine, err)
	}
	_, err = s.NextControlNumber(ctx, store.Personal(bob.ID))
	wantCode(t, err, apperr.NotFound)
}

func report(id string, at time.Time) *store.Report {
	return &store.Report{ID: id, Status: store.ReportQueued, Files: 2, Bytes: 1234, KeyID: "k1", CreatedAt: at}
}

func uploads(n int) []store.ReportUpload {
	var out []store.ReportUpload
	for i := 1; i <= n; i++ {
		out = append(out, store.ReportUpload{Seq: i, Kind: "remits", Sealed: []byte(fmt.Sprintf("upload-%d", i))})
	}
	return out
}

func testReportLifecycle(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := mustUser(t, s, "ann@clinic.example"), mustUser(t, s, "bob@clinic.example")
	o := mustOrg(t, s, "Maple Clinic", ann)
	in := store.InOrg(o.ID, ann.ID)
	if err := s.CreateReport(ctx, in, report("rp_1", t0), uploads(3)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.CreateReport(ctx, store.InOrg(o.ID, bob.ID), report("rp_x", t0), nil), apperr.NotFound)
	got, err := s.Report(ctx, in, "rp_1")
	if err != nil || got.Status != store.ReportQueued || got.OrgID != o.ID || got.CreatedBy != ann.ID || got.Files != 2 || got.Bytes != 1234 {
		t.Fatalf("Report = %+v, %v", got, err)
	}
	_, err = s.Report(ctx, store.InOrg(o.ID, bob.ID), "rp_1")
	wantCode(t, err, apperr.NotFound)
	_, err = s.ReportBody(ctx, in, "rp_1") // not done yet
	wantCode(t, err, apperr.NotFound)

	r, ups, err := s.StartReport(ctx, "rp_1", t0.Add(time.Minute))
	if err != nil || r.Status != store.ReportRunning || len(ups) != 3 || string(ups[2].Sealed) != "upload-3" || ups[0].Kind != "remits" {
		t.Fatalf("StartReport = %+v %+v, %v", r, ups, err)
	}
	// A job run again after a crash starts it again.
	if _, ups, _ := s.StartReport(ctx, "rp_1", t0.Add(2*time.Minute)); len(ups) != 3 {
		t.Fatalf("second StartReport: %d uploads", len(ups))
	}
	if err := s.ReportStage(ctx, "rp_1", "re-coding notes"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Report(ctx, in, "rp_1"); got.Stage != "re-coding notes" || !got.StartedAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("running report: %+v", got)
	}
	res := store.ReportResult{KeyID: "k2", Summary: []byte("sum"), Body: []byte("body"), PDF: []byte("%PDF")}
	if err := s.FinishReport(ctx, "rp_1", res, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Done: the uploads are gone and a late job finds nothing to do.
	r, ups, err = s.StartReport(ctx, "rp_1", t0.Add(4*time.Minute))
	if err != nil || r.Status != store.ReportDone || len(ups) != 0 {
		t.Fatalf("StartReport of a done report = %+v %d, %v", r, len(ups), err)
	}
	got, err = s.ReportBody(ctx, in, "rp_1")
	if err != nil || string(got.Body) != "body" || got.PDF != nil || string(got.Summary) != "sum" || got.KeyID != "k2" || got.Stage != "" ||
		!got.FinishedAt.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("ReportBody = %+v, %v", got, err)
	}
	if got, err := s.ReportPDF(ctx, in, "rp_1"); err != nil || string(got.PDF) != "%PDF" || got.Body != nil {
		t.Fatalf("ReportPDF = %+v, %v", got, err)
	}
	_, err = s.ReportPDF(ctx, store.InOrg(o.ID, bob.ID), "rp_1")
	wantCode(t, err, apperr.NotFound)

	// A failed report keeps its reason and loses its uploads.
	if err := s.CreateReport(ctx, in, report("rp_2", t0.Add(time.Hour)), uploads(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.FailReport(ctx, "rp_2", "the claims file has no claims", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	r, ups, _ = s.StartReport(ctx, "rp_2", t0)
	if r.Status != store.ReportFailed || r.Error != "the claims file has no claims" || len(ups) != 0 {
		t.Fatalf("failed report: %+v %d", r, len(ups))
	}
	wantCode(t, s.FailReport(ctx, "rp_missing", "x", t0), apperr.NotFound)
	_, _, err = s.StartReport(ctx, "rp_missing", t0)
	wantCode(t, err, apperr.NotFound)

	list, err := s.ListReports(ctx, in, 10)
	if err != nil || len(list) != 2 || list[0].ID != "rp_2" || list[1].Body != nil {
		t.Fatalf("ListReports = %+v, %v", list, err)
	}
	wantCode(t, s.DeleteReport(ctx, store.InOrg(o.ID, bob.ID), "rp_1"), apperr.NotFound)
	if err := s.DeleteReport(ctx, in, "rp_1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Report(ctx, in, "rp_1")
	wantCode(t, err, apperr.NotFound)
	// Deleting a queued report takes its uploads with it.
	if err := s.CreateReport(ctx, in, report("rp_3", t0), uploads(2)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteReport(ctx, in, "rp_3"); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.StartReport(ctx, "rp_3", t0)
	wantCode(t, err, apperr.NotFound)
}

func testReportNotices(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := mustUser(t, s, "ann@clinic.example"), mustUser(t, s, "bob@clinic.example")
	o := mustOrg(t, s, "Maple Clinic", ann)
	join(t, s, o, bob, store.RoleBiller)
	mine := store.Personal(bob.ID)
	theirs := store.InOrg(o.ID, bob.ID)
	for _, c := range []struct {
		scope store.Scope
		id    string
	}{{mine, "rp_p"}, {theirs, "rp_o"}, {theirs, "rp_q"}} {
		if err := s.CreateReport(ctx, c.scope, report(c.id, t0), nil); err != nil {
			t.Fatal(err)
		}
	}
	// Only finished reports are news.
	if err := s.FinishReport(ctx, "rp_p", store.ReportResult{KeyID: "k1"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.FailReport(ctx, "rp_o", "bad input", t0); err != nil {
		t.Fatal(err)
	}
	ids := func(rs []store.Report) string {
		out := ""
		for _, r := range rs {
			out += r.ID + " "
		}
		return out
	}
	if got, err := s.UnseenReports(ctx, bob.ID); err != nil || ids(got) != "rp_o rp_p " && ids(got) != "rp_p rp_o " {
		t.Fatalf("UnseenReports = %q, %v", ids(got), err)
	}
	if got, _ := s.UnseenReports(ctx, ann.ID); len(got) != 0 {
		t.Fatalf("ann sees bob's reports: %q", ids(got))
	}
	// Someone else opening it changes nothing; the requester does.
	if err := s.MarkReportSeen(ctx, mine, "rp_p", t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UnseenReports(ctx, bob.ID); ids(got) != "rp_o " {
		t.Fatalf("after opening rp_p: %q", ids(got))
	}
	// A queued report opened is still news once it finishes.
	if err := s.MarkReportSeen(ctx, theirs, "rp_q", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishReport(ctx, "rp_q", store.ReportResult{KeyID: "k1"}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UnseenReports(ctx, bob.ID); len(got) != 2 {
		t.Fatalf("rp_q finished after being opened: %q", ids(got))
	}
	// Leaving the organization takes its reports out of the notices.
	if err := s.RemoveMember(ctx, o.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UnseenReports(ctx, bob.ID); len(got) != 0 {
		t.Fatalf("after leaving: %q", ids(got))
	}
}

func testAbandonAndPurgeReports(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := mustUser(t, s, "ann@clinic.example")
	o := mustOrg(t, s, "Maple Clinic", ann)
	keep := mustOrg(t, s, "Aspen Clinic", ann)
	in := store.InOrg(o.ID, ann.ID)
	for _, r := range []*store.Report{report("rp_old", t0), report("rp_new", t0.Add(2*time.Hour)), report("rp_run", t0)} {
		if err := s.CreateReport(ctx, in, r, uploads(2)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.StartReport(ctx, "rp_run", t0); err != nil {
		t.Fatal(err)
	}
	n, err := s.AbandonReports(ctx, t0.Add(time.Hour), "the job did not finish", t0.Add(3*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("AbandonReports = %d, %v", n, err)
	}
	for id, want := range map[string]store.ReportStatus{"rp_old": store.ReportFailed, "rp_run": store.ReportFailed, "rp_new": store.ReportQueued} {
		r, ups, err := s.StartReport(ctx, id, t0.Add(4*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want == store.ReportFailed && (r.Status != want || r.Error != "the job did not finish" || len(ups) != 0) {
			t.Fatalf("%s after AbandonReports: %+v %d uploads", id, r, len(ups))
		}
		if want == store.ReportQueued && len(ups) != 2 {
			t.Fatalf("%s lost its uploads: %d", id, len(ups))
		}
	}

	// Retention: only organizations with a period lose old reports.
	if err := s.CreateReport(ctx, store.InOrg(keep.ID, ann.ID), report("rp_kept", t0), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateReport(ctx, store.Personal(ann.ID), report("rp_mine", t0), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRetention(ctx, o.ID, 1, 0); err != nil {
		t.Fatal(err)
	}
	purged, err := s.PurgeReports(ctx, t0.Add(25*time.Hour))
	if err != nil || len(purged) != 1 || purged[0] != (store.ReportPurge{OrgID: o.ID, Reports: 2}) {
		t.Fatalf("PurgeReports = %+v, %v", purged, err)
	}
	for _, c := range []struct {
		scope store.Scope
		id    string
		gone  bool
	}{{in, "rp_old", true}, {in, "rp_run", true}, {in, "rp_new", false}, {store.InOrg(keep.ID, ann.ID), "rp_kept", false}, {store.Personal(ann.ID), "rp_mine", false}} {
		_, err := s.Report(ctx, c.scope, c.id)
		if gone := apperr.CodeOf(err) == apperr.NotFound; gone != c.gone {
			t.Errorf("%s gone=%v after the purge, want %v (%v)", c.id, gone, c.gone, err)
		}
	}
	if again, err := s.PurgeReports(ctx, t0.Add(25*time.Hour)); err != nil || len(again) != 0 {
		t.Fatalf("second PurgeReports = %+v, %v", again, err)
	}
}
