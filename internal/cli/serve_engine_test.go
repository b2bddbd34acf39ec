package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

// The engine quotes the note in its explanations; what the service keeps
// of an analysis must hold none of those words.
func TestRealEngineAnalysisKeepsNoNoteText(t *testing.T) {
	if _, err := datadir.Resolve(); err != nil {
		t.Skipf("code sets not installed: %v", err)
	}
	note, err := os.ReadFile("../../examples/notes/office-visit.txt")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	coder, detector, err := openEngine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := crypto.ParseKeys("k1:" + strings.Repeat("C", 43) + "=")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := analysis.New(db, keys, coder, detector, audit.New(db), analysis.Config{MaxNoteBytes: 100_000, PHIPolicy: phi.PolicyBlock}, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	u := &store.User{Email: "coder@example.org", PasswordHash: "x", Tier: store.TierFree}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	ws := org.Personal(u)
	rec, err := svc.Analyze(ctx, ws, analysis.Request{Note: string(note), Attested: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Get(ctx, ws, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "“…”") {
		t.Fatalf("no elided quote in the stored explanations (did the engine stop quoting the note?): %s", b)
	}
	if strings.Count(string(b), "“") != strings.Count(string(b), "“…”") {
		t.Errorf("stored record quotes the note: %s", b)
	}
	if strings.Contains(string(b), "CKD stage 3a") { // the note's wording, not a code title
		t.Errorf("stored record holds the note's words: %s", b)
	}
}
