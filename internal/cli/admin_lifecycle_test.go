package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/server"
)

func TestAdminSiteAdminsAndPolicies(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "admin.db")
	m := startServer(t, map[string]string{"MEDCODE_DB": db})
	c := client.New(m.URL())
	if err := c.SignUp(context.Background(), "ann@example.org", "tulip-Granite-49-orbit"); err != nil {
		t.Fatal(err)
	}
	m.Close()

	policies := filepath.Join(dir, "policies")
	if err := os.Mkdir(policies, 0o700); err != nil {
		t.Fatal(err)
	}
	terms := "---\nversion: 2027-01-01\nmaterial: true\nsummary: Notes are kept for 30 days in BAA mode.\n---\n# Terms\n\nNew terms.\n"
	if err := os.WriteFile(filepath.Join(policies, "terms.md"), []byte(terms), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MEDCODE_POLICY_DIR", policies)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"admin", "--db", db, "admins"}, 0, "no site administrator"},
		{[]string{"admin", "--db", db, "grant-admin", "ann@example.org"}, 0, "ann@example.org is now a site administrator"},
		{[]string{"admin", "--db", db, "admins"}, 0, "ann@example.org"},
		{[]string{"admin", "--db", db, "grant-admin", "nobody@example.org"}, 1, "not found"},
		{[]string{"admin", "--db", db, "grant-admin"}, 2, "grant-admin wants EMAIL"},
		{[]string{"admin", "--db", db, "revoke-admin", "ann@example.org"}, 0, "no longer a site administrator"},
		{[]string{"admin", "--db", db, "admins"}, 0, "no site administrator"},
		{[]string{"admin", "--db", db, "publish-policies"}, 0, "published terms version 2027-01-01 (material: users must accept it)"},
		{[]string{"admin", "--db", db, "publish-policies"}, 0, "nothing new"},
		{[]string{"admin", "--db", db, "publish-policies", "now"}, 2, "takes no arguments"},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d, want %d; output %q, want %q", tt.args, code, tt.code, out+errOut, tt.want)
		}
	}

	// The running server sees the new version: Ann must accept it before
	// analysing again.
	m2 := startServer(t, map[string]string{"MEDCODE_DB": db, "MEDCODE_POLICY_DIR": policies})
	c.BaseURL = m2.URL()
	ctx := context.Background()
	if err := c.Login(ctx, "ann@example.org", "tulip-Granite-49-orbit", ""); err != nil {
		t.Fatal(err)
	}
	_, err := c.Analyze(ctx, client.AnalyzeRequest{Note: "cough", NoPHIAttested: true})
	if e, ok := err.(*client.Error); !ok || e.Status != 403 || !strings.Contains(string(e.Details), "2027-01-01") {
		t.Fatalf("analysis before accepting: %v", err)
	}
	if err := c.AcceptPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Analyze(ctx, client.AnalyzeRequest{Note: "cough", NoPHIAttested: true}); err != nil {
		t.Fatalf("analysis after accepting: %v", err)
	}
}

// signUpRequest is the sign-up of an adult accepting the server's current
// policies.
func signUpRequest(t *testing.T, m *server.Main, email, password string) auth.SignUpRequest {
	t.Helper()
	current, err := m.Policies.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	accepted := map[policy.Document]string{}
	for doc, v := range current {
		accepted[doc] = v.Version
	}
	return auth.SignUpRequest{Email: email, Password: password, IP: "127.0.0.1", Adult: true, Accepted: accepted}
}
