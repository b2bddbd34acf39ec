// Package storetest is the conformance suite every store adapter must
// pass: the SQLite adapter runs it today and a PostgreSQL adapter runs the
// same tests unchanged.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// Open returns a fresh, migrated, empty store; the suite closes it.
type Open func(t *testing.T) store.Store

var t0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Users", testUsers},
		{"LoginLockout", testLoginLockout},
		{"Sessions", testSessions},
		{"APITokens", testAPITokens},
		{"OneTimeTokens", testOneTimeTokens},
		{"AnalysesScopedToOwner", testAnalysesScoped},
		{"AnalysesListAndCache", testAnalysesListAndCache},
		{"ListOrderOnTies", testListOrderOnTies},
		{"QuotaIsAtomic", testQuotaAtomic},
		{"ConcurrentInsertFailsAlone", testConcurrentInsertFailsAlone},
		{"Decisions", testDecisions},
		{"Reseal", testReseal},
		{"Limits", testLimits},
		{"DeleteUserCascades", testDeleteUserCascades},
		{"DeleteExpired", testDeleteExpired},
		{"StreamBatch", testStreamBatch},
		{"QueuedBatchRecordsEachNoteOnce", testQueuedBatch},
		{"BatchQuota", testBatchQuota},
		{"BatchInterrupted", testBatchInterrupted},
		{"Policies", testPolicies},
		{"Notices", testNotices},
		{"Support", testSupport},
		{"SiteAdmins", testSiteAdmins},
		{"ChangeEmail", testChangeEmail},
	}
	tests = append(tests, orgTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

func mustUser(t *testing.T, s store.Store, email string) *store.User {
	t.Helper()
	u := &store.User{Email: email, PasswordHash: "$argon2id$test", Tier: store.TierFree, CreatedAt: t0}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("error %v, want code %q", err, code)
	}
}

func analysis(id, hash string, at time.Time) *store.Analysis {
	return &store.Analysis{ID: id, NoteSHA256: hash, Release: "r1", EngineVersion: "e1", Profile: "outpatient",
		KeyID: "k1", Summary: []byte("s-" + id), Record: []byte("r-" + id), CreatedAt: at}
}

// cacheKey is the cache key of the records analysis makes.
func cacheKey(hash string) store.CacheKey {
	return store.CacheKey{NoteSHA256: hash, Profile: "outpatient", Release: "r1", EngineVersion: "e1"}
}

// keep is an UpdateDecisions callback that changes nothing.
func keep(b []byte) (store.DecisionUpdate, error) { return store.DecisionUpdate{Blob: b}, nil }

func testUsers(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "ann@example.org")
	if u.ID == 0 {
		t.Fatal("CreateUser did not set the id")
	}
	wantCode(t, s.CreateUser(ctx, &store.User{Email: "ann@example.org", PasswordHash: "x", Tier: store.TierFree, CreatedAt: t0}), apperr.Conflict)
	got, err := s.UserByEmail(ctx, "ANN@example.org")
	if err != nil || got.ID != u.ID || !got.CreatedAt.Equal(t0) {
		t.Fatalf("UserByEmail = %+v, %v", got, err)
	}
	_, err = s.UserByID(ctx, u.ID+100)
	wantCode(t, err, apperr.NotFound)

	if err := s.UpdateProfile(ctx, u.ID, "Ann", "Clinic", "coder"); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePassword(ctx, u.ID, "$argon2id$new"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEmailVerified(ctx, u.ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTOTPSecret(ctx, u.ID, []byte("sealed")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTier(ctx, u.ID, store.TierPro); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SetTier(ctx, u.ID, "platinum"), apperr.Invalid)
	got, _ = s.UserByID(ctx, u.ID)
	if got.DisplayName != "Ann" || got.Organization != "Clinic" || got.Role != "coder" || got.PasswordHash != "$argon2id$new" ||
		!got.EmailVerifiedAt.Equal(t0) || !got.MFAEnabled() || got.Tier != store.TierPro {
		t.Fatalf("updates not stored: %+v", got)
	}
	mfa, err := s.UsersWithTOTP(ctx)
	if err != nil || len(mfa) != 1 || mfa[0].ID != u.ID {
		t.Fatalf("UsersWithTOTP = %v, %v", mfa, err)
	}
	if err := s.SetTOTPSecret(ctx, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.UserByID(ctx, u.ID); got.MFAEnabled() {
		t.Fatal("MFA still on after clearing the secret")
	}
	wantCode(t, s.UpdateProfile(ctx, u.ID+100, "", "", ""), apperr.NotFound)
}

func testLoginLockout(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "bob@example.org")
	for i := 1; i < 3; i++ {
		locked, err := s.RecordLoginFailure(ctx, u.ID, t0, 3, time.Hour)
		if err != nil || !locked.IsZero() {
			t.Fatalf("failure %d locked the account: %v, %v", i, locked, err)
		}
	}
	locked, err := s.RecordLoginFailure(ctx, u.ID, t0, 3, time.Hour)
	if err != nil || !locked.Equal(t0.Add(time.Hour)) {
		t.Fatalf("third failure: locked until %v, %v", locked, err)
	}
	got, _ := s.UserByID(ctx, u.ID)
	if !got.LockedUntil.Equal(t0.Add(time.Hour)) || got.FailedLogins != 0 {
		t.Fatalf("lock not stored: %+v", got)
	}
	if err := s.ResetLoginFailures(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.UserByID(ctx, u.ID); !got.LockedUntil.IsZero() {
		t.Fatal("lock not cleared")
	}
}

func testSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "cy@example.org")
	a, b, anon := []byte("hash-a"), []byte("hash-b"), []byte("hash-anon")
	for _, tok := range [][]byte{a, b} {
		if err := s.CommitSession(ctx, tok, u.ID, []byte("data"), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CommitSession(ctx, anon, 0, []byte("anon"), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitSession(ctx, a, u.ID, []byte("data2"), t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	data, found, err := s.FindSession(ctx, a, t0.Add(90*time.Minute))
	if err != nil || !found || string(data) != "data2" {
		t.Fatalf("FindSession after upsert = %q, %v, %v", data, found, err)
	}
	if _, found, _ := s.FindSession(ctx, b, t0.Add(90*time.Minute)); found {
		t.Fatal("expired session found")
	}
	if err := s.DeleteUserSessions(ctx, u.ID, a); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.FindSession(ctx, b, t0); found {
		t.Fatal("DeleteUserSessions kept another session")
	}
	if _, found, _ := s.FindSession(ctx, a, t0); !found {
		t.Fatal("DeleteUserSessions removed the kept session")
	}
	if _, found, _ := s.FindSession(ctx, anon, t0); !found {
		t.Fatal("DeleteUserSessions removed an anonymous session")
	}
	if err := s.DeleteSession(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, a); err != nil {
		t.Fatalf("deleting a missing session: %v", err)
	}
	if _, found, _ := s.FindSession(ctx, a, t0); found {
		t.Fatal("deleted session found")
	}
}

func testAPITokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "dee@example.org")
	tok := &store.APIToken{UserID: u.ID, Name: "cli", Hash: []byte("token-hash"), CreatedAt: t0}
	if err := s.CreateAPIToken(ctx, tok); err != nil || tok.ID == 0 {
		t.Fatalf("CreateAPIToken: id %d, %v", tok.ID, err)
	}
	got, err := s.UserByAPIToken(ctx, []byte("token-hash"), t0)
	if err != nil || got.ID != u.ID || got.Email != u.Email {
		t.Fatalf("UserByAPIToken = %+v, %v", got, err)
	}
	_, err = s.UserByAPIToken(ctx, []byte("other"), t0)
	wantCode(t, err, apperr.NotFound)
}

func testOneTimeTokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "eve@example.org")
	if err := s.CreateOneTimeToken(ctx, store.ResetPassword, []byte("r"), u.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOneTimeToken(ctx, store.VerifyEmail, []byte("v"), u.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		kind store.OneTimeKind
		hash string
		now  time.Time
		want int64
	}{
		{"wrong kind", store.VerifyEmail, "r", t0, 0},
		{"expired", store.VerifyEmail, "v", t0.Add(2 * time.Minute), 0},
		{"valid", store.ResetPassword, "r", t0, u.ID},
		{"used twice", store.ResetPassword, "r", t0, 0},
	}
	for _, tt := range tests {
		id, err := s.ConsumeOneTimeToken(ctx, tt.kind, []byte(tt.hash), tt.now)
		if tt.want == 0 {
			if apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s: got %d, %v, want NotFound", tt.name, id, err)
			}
			continue
		}
		if err != nil || id != tt.want {
			t.Errorf("%s: got %d, %v, want %d", tt.name, id, err, tt.want)
		}
	}
}

func testAnalysesScoped(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := mustUser(t, s, "a@example.org"), mustUser(t, s, "b@example.org")
	rec := analysis("an-1", "h1", t0)
	if err := s.CreateAnalysis(ctx, store.Personal(a.ID), rec, store.Quota{Month: "2026-03", Count: true}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Analysis(ctx, store.Personal(a.ID), "an-1")
	if err != nil || string(got.Record) != "r-an-1" || string(got.Summary) != "s-an-1" || !got.CreatedAt.Equal(t0) ||
		got.CreatedBy != a.ID || got.OrgID != 0 {
		t.Fatalf("owner read = %+v, %v", got, err)
	}
	other := store.Scope{UserID: b.ID}
	_, err = s.Analysis(ctx, other, "an-1")
	wantCode(t, err, apperr.NotFound)
	wantCode(t, s.DeleteAnalysis(ctx, other, "an-1"), apperr.NotFound)
	wantCode(t, s.UpdateDecisions(ctx, other, "an-1", keep), apperr.NotFound)
	_, err = s.LatestAnalysisOfNote(ctx, other, cacheKey("h1"))
	wantCode(t, err, apperr.NotFound)
	if list, total, _ := s.ListAnalyses(ctx, other, 10, 0); len(list) != 0 || total != 0 {
		t.Fatalf("other scope lists %d records", total)
	}
	if err := s.DeleteAnalysis(ctx, store.Scope{UserID: a.ID}, "an-1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Analysis(ctx, store.Scope{UserID: a.ID}, "an-1")
	wantCode(t, err, apperr.NotFound)
}

func testAnalysesListAndCache(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "f@example.org")
	scope := store.Scope{UserID: u.ID}
	for i := range 5 {
		a := analysis(fmt.Sprintf("an-%d", i), "h-same", t0.Add(time.Duration(i)*time.Minute))
		a.Cached = i > 0
		if err := s.CreateAnalysis(ctx, scope, a, store.Quota{Month: "2026-03", Count: !a.Cached}); err != nil {
			t.Fatal(err)
		}
	}
	page, total, err := s.ListAnalyses(ctx, scope, 2, 2)
	if err != nil || total != 5 || len(page) != 2 || page[0].ID != "an-2" || page[1].ID != "an-1" {
		t.Fatalf("ListAnalyses page 2 = %v (total %d), %v", page, total, err)
	}
	if page[0].Record != nil {
		t.Fatal("list returned the record blob")
	}
	latest, err := s.LatestAnalysisOfNote(ctx, scope, cacheKey("h-same"))
	if err != nil || latest.ID != "an-4" || string(latest.Record) != "r-an-4" {
		t.Fatalf("LatestAnalysisOfNote = %+v, %v", latest, err)
	}
	for _, change := range []func(*store.CacheKey){
		func(k *store.CacheKey) { k.Profile = "abstract" },
		func(k *store.CacheKey) { k.Release = "r2" },
		func(k *store.CacheKey) { k.EngineVersion = "e2" },
		func(k *store.CacheKey) { k.Variant = "payer=medicare" },
	} {
		k := cacheKey("h-same")
		change(&k)
		_, err = s.LatestAnalysisOfNote(ctx, scope, k)
		wantCode(t, err, apperr.NotFound)
	}
	var seen []string
	err = s.EachAnalysis(ctx, scope, func(a *store.Analysis) (bool, error) {
		seen = append(seen, a.ID)
		return len(seen) < 3, nil
	})
	if err != nil || fmt.Sprint(seen) != "[an-4 an-3 an-2]" {
		t.Fatalf("EachAnalysis = %v, %v", seen, err)
	}
	if n, err := s.Usage(ctx, scope, "2026-03"); err != nil || n != 1 {
		t.Fatalf("Usage = %d, %v; cached results must not count", n, err)
	}
	if n, err := s.Usage(ctx, scope, "2026-04"); err != nil || n != 0 {
		t.Fatalf("Usage of an empty month = %d, %v", n, err)
	}
}

// testListOrderOnTies: records made in the same instant list in reverse
// insertion order, so pages never shuffle.
func testListOrderOnTies(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "tie@example.org")
	for _, id := range []string{"z", "a", "m"} {
		if err := s.CreateAnalysis(ctx, store.Personal(u.ID), analysis(id, "h", t0), store.Quota{}); err != nil {
			t.Fatal(err)
		}
	}
	list, _, err := s.ListAnalyses(ctx, store.Personal(u.ID), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.ID)
	}
	if fmt.Sprint(got) != "[m a z]" {
		t.Fatalf("order %v, want [m a z]", got)
	}
}

func testQuotaAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "g@example.org")
	const limit, tries = 5, 20
	var wg sync.WaitGroup
	errs := make([]error, tries)
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateAnalysis(ctx, store.Personal(u.ID), analysis(fmt.Sprintf("q-%d", i), "h", t0), store.Quota{Month: "2026-03", Limit: limit, Count: true})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch apperr.CodeOf(err) {
		case "":
			ok++
		case apperr.QuotaExceeded:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	_, total, _ := s.ListAnalyses(ctx, store.Personal(u.ID), 100, 0)
	n, _ := s.Usage(ctx, store.Personal(u.ID), "2026-03")
	if ok != limit || total != limit || n != limit {
		t.Fatalf("%d inserts succeeded, %d stored, usage %d; want %d each", ok, total, n, limit)
	}
}

// testConcurrentInsertFailsAlone: adapters may commit concurrent inserts
// together; one that fails (a duplicate id) must not take the others with
// it.
func testConcurrentInsertFailsAlone(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "group@example.org")
	if err := s.CreateAnalysis(ctx, store.Personal(u.ID), analysis("dup", "h", t0), store.Quota{}); err != nil {
		t.Fatal(err)
	}
	const n = 30
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("g-%d", i)
			if i == n/2 {
				id = "dup"
			}
			errs[i] = s.CreateAnalysis(ctx, store.Personal(u.ID), analysis(id, "h", t0), store.Quota{Month: "2026-03", Count: true})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == n/2) {
			t.Errorf("insert %d: %v", i, err)
		}
	}
	if _, total, _ := s.ListAnalyses(ctx, store.Scope{UserID: u.ID}, 100, 0); total != n {
		t.Fatalf("%d stored, want %d", total, n)
	}
	if used, _ := s.Usage(ctx, store.Personal(u.ID), "2026-03"); used != n-1 {
		t.Fatalf("usage %d, want %d: the failed insert must not count", used, n-1)
	}
}

func testDecisions(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "h@example.org")
	scope := store.Personal(u.ID)
	for _, id := range []string{"d-1", "d-2"} {
		if err := s.CreateAnalysis(ctx, scope, analysis(id, "h", t0), store.Quota{}); err != nil {
			t.Fatal(err)
		}
	}
	accept := &store.Verdict{Code: "E11.9", Decision: "accepted"}
	change := &store.Verdict{Code: "E11.9", Decision: "changed", Replacement: "E11.65"}
	steps := []struct {
		id       string
		add      string
		undo, do *store.Verdict
	}{
		{"d-1", "one", nil, accept},
		{"d-2", "x", nil, accept},
		{"d-1", "two", accept, change},
	}
	for _, st := range steps {
		err := s.UpdateDecisions(ctx, scope, st.id, func(cur []byte) (store.DecisionUpdate, error) {
			return store.DecisionUpdate{Blob: append(cur, st.add...), Undo: st.undo, Do: st.do}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.Analysis(ctx, scope, "d-1")
	if string(got.Decisions) != "onetwo" {
		t.Fatalf("decisions = %q", got.Decisions)
	}
	counts, err := s.FeedbackCounts(ctx, scope)
	if err != nil || fmt.Sprint(counts) != "[{{E11.9 accepted } 1} {{E11.9 changed E11.65} 1}]" {
		t.Fatalf("FeedbackCounts = %v, %v", counts, err)
	}
	// Withdrawing the last verdict of a kind removes its line.
	err = s.UpdateDecisions(ctx, scope, "d-2", func(cur []byte) (store.DecisionUpdate, error) {
		return store.DecisionUpdate{Blob: cur, Undo: accept}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if counts, _ := s.FeedbackCounts(ctx, scope); fmt.Sprint(counts) != "[{{E11.9 changed E11.65} 1}]" {
		t.Fatalf("FeedbackCounts after undo = %v", counts)
	}
	other := mustUser(t, s, "h2@example.org")
	if counts, _ := s.FeedbackCounts(ctx, store.Personal(other.ID)); len(counts) != 0 {
		t.Fatalf("another workspace sees feedback %v", counts)
	}
	failing := fmt.Errorf("refused")
	if err := s.UpdateDecisions(ctx, scope, "d-1", func([]byte) (store.DecisionUpdate, error) { return store.DecisionUpdate{}, failing }); err != failing {
		t.Fatalf("update error not returned: %v", err)
	}
}

func testReseal(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "i@example.org")
	for i := range 3 {
		a := analysis(fmt.Sprintf("k-%d", i), "h", t0)
		if i == 2 {
			a.KeyID = "k2"
		}
		if i == 0 {
			a.Note, a.NoteExpiresAt = []byte("note-k-0"), t0.Add(time.Hour)
		}
		if err := s.CreateAnalysis(ctx, store.Personal(u.ID), a, store.Quota{}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.ResealAnalyses(ctx, "k2", func(a *store.Analysis) error {
		a.KeyID, a.Record = "k2", append([]byte("new-"), a.Record...)
		if a.Note != nil {
			a.Note = append([]byte("new-"), a.Note...)
		}
		return nil
	})
	if err != nil || n != 2 {
		t.Fatalf("ResealAnalyses = %d, %v; want 2", n, err)
	}
	got, _ := s.Analysis(ctx, store.Personal(u.ID), "k-0")
	if got.KeyID != "k2" || string(got.Record) != "new-r-k-0" || got.Note != nil || !got.NoteExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("record not resealed: %+v", got)
	}
	if note, key, err := s.AnalysisNote(ctx, store.Personal(u.ID), "k-0"); err != nil || key != "k2" || string(note) != "new-note-k-0" {
		t.Fatalf("note not resealed: %q, %q, %v", note, key, err)
	}
	if n, _ := s.ResealAnalyses(ctx, "k2", func(*store.Analysis) error { return nil }); n != 0 {
		t.Fatalf("second reseal touched %d records", n)
	}
}

func testLimits(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		n, err := s.Hit(ctx, "ip:x", time.Minute, t0.Add(time.Duration(i)*time.Second))
		if err != nil || n != i {
			t.Fatalf("hit %d counted %d, %v", i, n, err)
		}
	}
	if n, _ := s.Hit(ctx, "ip:y", time.Minute, t0); n != 1 {
		t.Fatalf("other key counted %d", n)
	}
	if n, _ := s.Hit(ctx, "ip:x", time.Minute, t0.Add(2*time.Minute)); n != 1 {
		t.Fatalf("next window counted %d", n)
	}
}

func testDeleteUserCascades(t *testing.T, s store.Store) {
	ctx := context.Background()
	u, kept := mustUser(t, s, "gone@example.org"), mustUser(t, s, "kept@example.org")
	for _, owner := range []*store.User{u, kept} {
		id := fmt.Sprintf("c-%d", owner.ID)
		if err := s.CreateAnalysis(ctx, store.Personal(owner.ID), analysis(id, "h", t0), store.Quota{Month: "2026-03", Count: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.CommitSession(ctx, []byte(id), owner.ID, []byte("d"), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAPIToken(ctx, &store.APIToken{UserID: owner.ID, Name: "t", Hash: []byte(id), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateOneTimeToken(ctx, store.VerifyEmail, []byte(id), owner.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteUser(ctx, u.ID), apperr.NotFound)
	_, err := s.UserByEmail(ctx, "gone@example.org")
	wantCode(t, err, apperr.NotFound)
	gone := fmt.Sprintf("c-%d", u.ID)
	if _, found, _ := s.FindSession(ctx, []byte(gone), t0); found {
		t.Error("session of the deleted user remains")
	}
	if _, err := s.UserByAPIToken(ctx, []byte(gone), t0); apperr.CodeOf(err) != apperr.NotFound {
		t.Error("API token of the deleted user remains")
	}
	if _, err := s.ConsumeOneTimeToken(ctx, store.VerifyEmail, []byte(gone), t0); apperr.CodeOf(err) != apperr.NotFound {
		t.Error("one-time token of the deleted user remains")
	}
	if n, _ := s.Usage(ctx, store.Personal(u.ID), "2026-03"); n != 0 {
		t.Error("usage of the deleted user remains")
	}
	if _, total, _ := s.ListAnalyses(ctx, store.Personal(u.ID), 10, 0); total != 0 {
		t.Error("analyses of the deleted user remain")
	}
	keptID := fmt.Sprintf("c-%d", kept.ID)
	if _, err := s.Analysis(ctx, store.Personal(kept.ID), keptID); err != nil {
		t.Errorf("other user's analysis deleted: %v", err)
	}
	if _, found, _ := s.FindSession(ctx, []byte(keptID), t0); !found {
		t.Error("other user's session deleted")
	}
}

func testDeleteExpired(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "j@example.org")
	if err := s.CommitSession(ctx, []byte("old"), u.ID, []byte("d"), t0); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitSession(ctx, []byte("new"), u.ID, []byte("d"), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Hit(ctx, "k", time.Minute, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteExpired(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.FindSession(ctx, []byte("old"), t0.Add(-time.Hour)); found {
		t.Error("expired session kept")
	}
	if _, found, _ := s.FindSession(ctx, []byte("new"), t0); !found {
		t.Error("live session deleted")
	}
	if n, _ := s.Hit(ctx, "k", time.Minute, t0.Add(-time.Hour)); n != 1 {
		t.Error("finished rate-limit window kept")
	}
}
