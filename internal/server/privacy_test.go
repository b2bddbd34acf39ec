package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/api/client"
)

// canary is planted in notes; it must never reach the database files or
// the logs.
const canary = "CANARY-7Q2X-ZEBRA-LANTERN"

func TestNoteTextNeverStoredOrLogged(t *testing.T) { eachBackend(t, testNoteTextNeverStoredOrLogged) }

func testNoteTextNeverStoredOrLogged(t *testing.T, db backend) {
	s := start(t, db, nil)
	ctx := context.Background()
	note := "Established patient. " + canary + " reports cough; type 2 diabetes stable; hypertension. " + canary
	// Through the API, without and with a PHI block, and as a cached repeat.
	c := s.apiUser(t, newEmail("canary"))
	for range 2 {
		if _, err := c.Analyze(ctx, client.AnalyzeRequest{Note: note, NoPHIAttested: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Analyze(ctx, client.AnalyzeRequest{Note: note + " SSN 123-45-6789", NoPHIAttested: true, SavePreview: true}); err == nil {
		t.Fatal("PHI note accepted")
	}
	// Through the web form, as htmx and as a plain form post, and as an upload.
	b := s.browser(t)
	b.signUp(newEmail("canary-web"))
	id := b.analyze(note+" web", false)
	status, page := b.post("/analyses", url.Values{"note": {note + " plain"}, "attest": {"1"}})
	if status != http.StatusOK || strings.Contains(page, canary) {
		t.Fatalf("plain form post: %d, echoes note: %v", status, strings.Contains(page, canary))
	}
	for _, path := range []string{"/analyses/" + id, "/history", "/export"} {
		if _, body := b.get(path); strings.Contains(body, canary) {
			t.Errorf("%s shows the note text", path)
		}
	}
	// A preview is note text too, but kept only encrypted.
	if _, err := c.Analyze(ctx, client.AnalyzeRequest{Note: "preview " + note, NoPHIAttested: true, SavePreview: true}); err != nil {
		t.Fatal(err)
	}
	if s.filesContain(t, canary) {
		t.Fatal("canary found in the database files or WAL while serving")
	}
	if strings.Contains(s.logs.String(), canary) {
		t.Fatal("canary found in the logs")
	}
	if !strings.Contains(s.logs.String(), `"path":"/api/v1/analyses"`) {
		t.Fatal("the logs do not record requests at all; the check above proves nothing")
	}
	s.Close()
	if s.filesContain(t, canary) {
		t.Fatal("canary found in the database files after shutdown")
	}
}

func TestAccountDeletionLeavesNoRow(t *testing.T) { eachBackend(t, testAccountDeletionLeavesNoRow) }

func testAccountDeletionLeavesNoRow(t *testing.T, db backend) {
	s := start(t, db, nil)
	ctx := context.Background()
	email := newEmail("leaving-user")
	// Rows in every table: analyses, usage, API token, web session, decision.
	b := s.browser(t)
	b.signUp(email)
	id := b.analyze("cough and hypertension", true)
	b.post("/analyses/"+id+"/decisions", url.Values{"code": {"I10"}, "decision": {"accepted"}})
	c := client.New(s.URL())
	if err := c.Login(ctx, email, password, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Analyze(ctx, analyzeReq("type 2 diabetes")); err != nil {
		t.Fatal(err)
	}
	keep := s.apiUser(t, newEmail("staying-user"))
	if _, err := keep.Analyze(ctx, analyzeReq("cough")); err != nil {
		t.Fatal(err)
	}
	userID := s.userID(t, email)
	if n := s.rowsOf(t, userID); n == 0 {
		t.Fatal("no rows before deletion: the check proves nothing")
	}
	if !s.filesContain(t, email) {
		t.Fatal("email not in the files before deletion: the check proves nothing")
	}

	if err := c.DeleteAccount(ctx, password); err != nil {
		t.Fatal(err)
	}
	if n := s.rowsOf(t, userID); n != 0 {
		t.Fatalf("%d rows of the deleted user remain", n)
	}
	if db.scrubsDeletedRows && s.filesContain(t, email) {
		t.Fatal("the deleted account's email is still in the database file or WAL")
	}
	if _, err := c.Usage(ctx); err == nil {
		t.Fatal("the deleted account's token still works")
	}
	if status, _ := b.get("/history"); status != http.StatusOK {
		t.Fatalf("history after deletion: %d", status)
	}
	if _, body := b.get("/history"); !strings.Contains(body, "Sign in") {
		t.Fatal("the deleted account's web session still works")
	}
	if _, err := keep.List(ctx, 1, 10, ""); err != nil {
		t.Fatalf("other account affected: %v", err)
	}
}

func (s *testServer) userID(t *testing.T, email string) int64 {
	t.Helper()
	return s.queryInt(t, "SELECT id FROM users WHERE email = ?", email)
}

// rowsOf counts the rows of a user in every table that has a user_id
// column, found from the schema so a table added later is covered too,
// and the analyses they ran (personal ones go with their workspace, an
// organization's lose their author).
func (s *testServer) rowsOf(t *testing.T, userID int64) int {
	t.Helper()
	db := s.inspect(t)
	rows, err := db.Query(s.db.userTablesSQL)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 5 {
		t.Fatalf("only %d tables with user_id: %v", len(tables), tables)
	}
	n := s.queryInt(t, "SELECT count(*) FROM users WHERE id = ?", userID) +
		s.queryInt(t, "SELECT count(*) FROM analyses WHERE created_by = ?", userID)
	for _, table := range tables {
		n += s.queryInt(t, "SELECT count(*) FROM "+table+" WHERE user_id = ?", userID)
	}
	return int(n)
}
