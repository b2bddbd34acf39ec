package support_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
	"github.com/medcode/medcode/internal/support"
)

type outbox struct{ sent []mail.Message }

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.sent = append(o.sent, m)
	return nil
}

type fixture struct {
	db         *sqlite.DB
	keys       *crypto.Keyring
	keyLine    string
	svc        *support.Service
	mail       *outbox
	ann, staff *store.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, line, err := crypto.NewKeyEntry()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := crypto.ParseKeys(line)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, keys: keys, keyLine: line, mail: &outbox{}}
	f.svc = support.New(db, keys, nil, f.mail, support.Config{BaseURL: "https://medcode.example"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, u := range []**store.User{&f.ann, &f.staff} {
		*u = &store.User{Email: fmt.Sprintf("user%p@example.org", u), PasswordHash: "x", Tier: store.TierFree, CreatedAt: time.Now()}
		if err := db.CreateUser(ctx, *u); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetSiteAdmin(ctx, f.staff.ID, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMessagesAreCheckedAndSealed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := support.Draft{Kind: store.SupportQuestion, Subject: "Export fails", Body: "The CSV export stops half way."}
	tests := []struct {
		name  string
		draft func(support.Draft) support.Draft
		code  apperr.Code
	}{
		{"no subject", func(d support.Draft) support.Draft { d.Subject = " "; return d }, apperr.Invalid},
		{"two-line subject", func(d support.Draft) support.Draft { d.Subject = "a\nb"; return d }, apperr.Invalid},
		{"long subject", func(d support.Draft) support.Draft { d.Subject = strings.Repeat("s", 121); return d }, apperr.Invalid},
		{"no body", func(d support.Draft) support.Draft { d.Body = "\n"; return d }, apperr.Invalid},
		{"a whole note", func(d support.Draft) support.Draft { d.Body = strings.Repeat("note text ", 501); return d }, apperr.Invalid},
		{"unknown kind", func(d support.Draft) support.Draft { d.Kind = "complaint"; return d }, apperr.Invalid},
		{"identifier in body", func(d support.Draft) support.Draft { d.Body = "Patient MRN 1234567 was miscoded"; return d }, apperr.PHIFound},
		{"identifier in subject", func(d support.Draft) support.Draft { d.Subject = "SSN 123-45-6789"; return d }, apperr.PHIFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Open(ctx, f.ann, tt.draft(q))
			if apperr.CodeOf(err) != tt.code {
				t.Fatalf("error %v, want %s", err, tt.code)
			}
		})
	}
	th, err := f.svc.Open(ctx, f.ann, q)
	if err != nil {
		t.Fatal(err)
	}
	// Stored sealed: neither subject nor body readable in the database.
	stored, err := f.db.SupportThread(ctx, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := f.db.SupportMessages(ctx, th.ID)
	if strings.Contains(string(stored.Subject), "Export") || len(msgs) != 1 || strings.Contains(string(msgs[0].Body), "CSV") {
		t.Fatal("support text stored in clear")
	}
	// The administrators are told there is something waiting, not what.
	if len(f.mail.sent) != 1 || f.mail.sent[0].To != f.staff.Email || strings.Contains(f.mail.sent[0].Body, "CSV") ||
		!strings.Contains(f.mail.sent[0].Body, fmt.Sprintf("https://medcode.example/admin/support/%d", th.ID)) {
		t.Fatalf("staff email %+v", f.mail.sent)
	}
}

func TestConversation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	th, err := f.svc.Open(ctx, f.ann, support.Draft{Kind: store.SupportQuestion, Subject: "Limits", Body: "How many analyses a month?"})
	if err != nil {
		t.Fatal(err)
	}
	queue, err := f.svc.Queue(ctx, store.SupportOpen)
	if err != nil || len(queue) != 1 || queue[0].Subject != "Limits" {
		t.Fatalf("queue %+v, %v", queue, err)
	}
	f.mail.sent = nil
	if err := f.svc.StaffReply(ctx, f.staff, th.ID, "Fifty on the free plan."); err != nil {
		t.Fatal(err)
	}
	if len(f.mail.sent) != 1 || f.mail.sent[0].To != f.ann.Email || strings.Contains(f.mail.sent[0].Body, "Fifty") ||
		!strings.Contains(f.mail.sent[0].Body, fmt.Sprintf("https://medcode.example/support/%d", th.ID)) {
		t.Fatalf("reply email %+v", f.mail.sent)
	}
	if queue, _ := f.svc.Queue(ctx, store.SupportOpen); len(queue) != 0 {
		t.Errorf("answered thread still in the open queue")
	}
	if err := f.svc.Reply(ctx, f.ann, th.ID, "Thanks!"); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Thread(ctx, f.ann, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range got.Messages {
		lines = append(lines, fmt.Sprintf("%v:%s", m.Staff, m.Body))
	}
	if want := "false:How many analyses a month?|true:Fifty on the free plan.|false:Thanks!"; strings.Join(lines, "|") != want || got.Status != store.SupportOpen {
		t.Errorf("thread %q status %s", strings.Join(lines, "|"), got.Status)
	}
	// Another user cannot read or answer it.
	other := &store.User{Email: "eve@example.org", PasswordHash: "x", Tier: store.TierFree, CreatedAt: time.Now()}
	if err := f.db.CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Thread(ctx, other, th.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another user read the thread: %v", err)
	}
	if err := f.svc.Reply(ctx, other, th.ID, "hi"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another user replied: %v", err)
	}
	if err := f.svc.Close(ctx, other, th.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another user closed it: %v", err)
	}
	if err := f.svc.Close(ctx, f.ann, th.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Reply(ctx, f.ann, th.ID, "one more"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("reply to a closed thread: %v", err)
	}

	// After a key rotation every subject and message is resealed and reads
	// the same.
	_, next, err := crypto.NewKeyEntry()
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := crypto.ParseKeys(f.keyLine + "," + next)
	if err != nil {
		t.Fatal(err)
	}
	svc := support.New(f.db, rotated, nil, nil, support.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	n, err := svc.Reseal(ctx)
	if err != nil || n != 4 {
		t.Fatalf("Reseal = %d, %v; want 4 (a subject and three messages)", n, err)
	}
	again, err := svc.Thread(ctx, f.ann, th.ID)
	if err != nil || again.Subject != "Limits" || len(again.Messages) != 3 {
		t.Fatalf("after reseal: %+v, %v", again, err)
	}
}

func TestFeedbackNamesTheAnalysisOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	scope := store.Personal(f.ann.ID)
	a := &store.Analysis{ID: "an_0123", NoteSHA256: "h", Release: "r", EngineVersion: "e", Profile: "outpatient",
		KeyID: "k", Summary: []byte("s"), Record: []byte("r"), CreatedAt: time.Now()}
	if err := f.db.CreateAnalysis(ctx, scope, a, store.Quota{Month: "2026-11"}); err != nil {
		t.Fatal(err)
	}
	th, err := f.svc.Feedback(ctx, f.ann, scope, false, "an_0123", "J45.909 should have been J45.40.", "")
	if err != nil {
		t.Fatal(err)
	}
	if th.AnalysisID != "an_0123" || th.Kind != store.SupportFeedback || th.Subject != "Feedback on analysis an_0123" {
		t.Errorf("thread %+v", th)
	}
	// Someone else's analysis (or none) cannot be named.
	if _, err := f.svc.Feedback(ctx, f.staff, store.Personal(f.staff.ID), false, "an_0123", "x", ""); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("feedback on another user's analysis: %v", err)
	}
	// Outside BAA mode the note is never attached.
	if _, err := f.svc.Feedback(ctx, f.ann, scope, false, "an_0123", "See the note.", "Pt seen for asthma."); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("note attached outside BAA mode: %v", err)
	}

	// In BAA mode it may be, and messages may hold identifiers.
	baa := support.New(f.db, f.keys, nil, nil, support.Config{MaxNoteBytes: 100,
		BAA: func(context.Context, *store.User) bool { return true }}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	th, err = baa.Feedback(ctx, f.ann, scope, true, "an_0123", "MRN 1234567 was coded wrong.", "MRN 1234567: asthma, mild intermittent.")
	if err != nil {
		t.Fatal(err)
	}
	full, err := baa.Thread(ctx, f.ann, th.ID)
	if err != nil || len(full.Messages) != 2 || !strings.HasSuffix(full.Messages[1].Body, "MRN 1234567: asthma, mild intermittent.") {
		t.Fatalf("BAA feedback %+v, %v", full, err)
	}
	if _, err := baa.Feedback(ctx, f.ann, scope, true, "an_0123", "long", strings.Repeat("n", 101)); apperr.CodeOf(err) != apperr.TooLarge {
		t.Errorf("oversized note: %v", err)
	}
}

func TestMessagesPerHourAreLimited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	th, err := f.svc.Open(ctx, f.ann, support.Draft{Kind: store.SupportQuestion, Subject: "One", Body: "First."})
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 30; i++ {
		if err := f.svc.Reply(ctx, f.ann, th.ID, fmt.Sprintf("Message %d.", i)); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := f.svc.Reply(ctx, f.ann, th.ID, "One too many."); apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("message 31: %v", err)
	}
	if _, err := f.svc.Open(ctx, f.ann, support.Draft{Kind: store.SupportQuestion, Subject: "Two", Body: "Again."}); apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("new thread over the limit: %v", err)
	}
	// The staff is not limited, and the limit is per user.
	if err := f.svc.StaffReply(ctx, f.staff, th.ID, "Answer."); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Open(ctx, f.staff, support.Draft{Kind: store.SupportQuestion, Subject: "Mine", Body: "Hello."}); err != nil {
		t.Fatal(err)
	}
	// An hour later the user may write again.
	f.svc.Now = func() time.Time { return time.Now().Add(time.Hour + time.Minute) }
	if err := f.svc.Reply(ctx, f.ann, th.ID, "Thanks."); err != nil {
		t.Fatal(err)
	}
}

// Users name results by their analysis id; that is no patient identifier.
func TestAnalysisIDsAreNotIdentifiers(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Open(context.Background(), f.ann, support.Draft{Kind: store.SupportQuestion,
		Subject: "About an_366e918182b8e68cefddc974", Body: "Analysis an_366e918182b8e68cefddc974 lacks the E/M code."}); err != nil {
		t.Fatal(err)
	}
}
