package server_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// orgPatterns lists the organization routes of the server's route tables
// with their permissions, and fails when one has no request in orgRoutes.
func orgPatterns(t *testing.T, s *testServer) map[string]org.Permission {
	t.Helper()
	out := map[string]org.Permission{}
	for pattern, perm := range s.Permissions() {
		if !strings.Contains(pattern, "{org}") {
			continue
		}
		if perm == "" || !org.Known(perm) {
			t.Fatalf("%s has no known permission (%q)", pattern, perm)
		}
		if _, ok := orgRoutes[pattern]; !ok {
			t.Fatalf("%s has no request in orgRoutes: add one", pattern)
		}
		out[pattern] = perm
	}
	if len(out) < 40 {
		t.Fatalf("only %d organization routes", len(out))
	}
	return out
}

func sorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestRoleMatrix runs every role against every page and endpoint of an
// organization's workspace, each time in a fresh organization, and checks
// the answer against the permission matrix exactly: a role holding the
// route's permission succeeds (2xx, or a redirect that is not to sign in),
// any other gets 403.
func TestRoleMatrix(t *testing.T) {
	s := start(t, sqliteBackend, nil)
	owner := s.newMember(t, "owner")
	users := map[store.Role]*member{}
	for _, role := range store.Roles {
		users[role] = s.newMember(t, string(role))
	}
	patterns := orgPatterns(t, s)
	checked := 0
	for _, pattern := range sorted(patterns) {
		perm := patterns[pattern]
		method, _, _ := strings.Cut(pattern, " ")
		for _, role := range store.Roles {
			m := users[role]
			c := s.newOrgCase(t, owner, map[*member]store.Role{m: role})
			req := orgRoutes[pattern](c)
			status, location, body := s.send(t, m, method, req)
			allowed := org.Can(role, perm)
			ok := status == http.StatusForbidden
			if allowed {
				ok = status >= 200 && status < 300 || status == http.StatusSeeOther && !strings.HasPrefix(location, "/signin")
			}
			if !ok {
				t.Errorf("%s as %s (%s allowed=%v): %d %s\n%.300s", pattern, role, perm, allowed, status, location, body)
			}
			checked++
		}
	}
	t.Logf("%d routes × %d roles = %d requests checked against the matrix", len(patterns), len(store.Roles), checked)
}
