package api

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

type operation struct {
	Security   []map[string][]string `json:"security"`
	Responses  map[string]any        `json:"responses"`
	Permission string                `json:"x-permission"`
}

type openAPIDocument struct {
	OpenAPI string
	Paths   map[string]map[string]operation // path → method → operation
}

func loadDoc(t *testing.T) *openAPIDocument {
	t.Helper()
	var raw struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &raw); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(raw.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", raw.OpenAPI)
	}
	doc := &openAPIDocument{OpenAPI: raw.OpenAPI, Paths: map[string]map[string]operation{}}
	for path, items := range raw.Paths {
		doc.Paths[path] = map[string]operation{}
		for key, v := range items {
			if key == "parameters" { // path-level parameters, not an operation
				continue
			}
			var op operation
			if err := json.Unmarshal(v, &op); err != nil {
				t.Fatalf("openapi.json: %s %s: %v", key, path, err)
			}
			doc.Paths[path][key] = op
		}
	}
	return doc
}

// TestOpenAPIMatchesRoutes: the document lists exactly the routes of the
// route table, marks exactly the bearer ones as secured, names each
// organization route's permission (x-permission) as the route table does,
// and documents its 403 and 404.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadDoc(t)
	h := New(Deps{})
	var routes, documented []string
	bearer := map[string]bool{}
	perms := map[string]string{}
	for _, rt := range h.Routes() {
		routes = append(routes, rt.Pattern)
		bearer[rt.Pattern] = rt.Authenticated()
		perms[rt.Pattern] = string(rt.Permission())
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			pattern := strings.ToUpper(method) + " " + path
			documented = append(documented, pattern)
			if secured := len(op.Security) > 0; secured != bearer[pattern] {
				t.Errorf("%s: documented secured=%v, route bearer=%v", pattern, secured, bearer[pattern])
			}
			if op.Permission != perms[pattern] {
				t.Errorf("%s: documented x-permission %q, route %q", pattern, op.Permission, perms[pattern])
			}
			if op.Permission != "" {
				for _, status := range []string{"403", "404"} {
					if _, ok := op.Responses[status]; !ok {
						t.Errorf("%s: status %s not documented", pattern, status)
					}
				}
			}
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	if strings.Join(routes, "\n") != strings.Join(documented, "\n") {
		t.Fatalf("routes and document differ:\nroutes:\n%s\ndocumented:\n%s", strings.Join(routes, "\n"), strings.Join(documented, "\n"))
	}
}

// TestOpenAPIHasTheIssueStatuses checks the statuses the API contract
// promises.
func TestOpenAPIHasTheIssueStatuses(t *testing.T) {
	doc := loadDoc(t)
	want := map[string][]string{
		"POST /api/v1/signup":          {"201", "400", "409"},
		"POST /api/v1/tokens":          {"201", "401"},
		"POST /api/v1/analyses":        {"201", "400", "401", "422", "429"},
		"GET /api/v1/analyses":         {"200", "401"},
		"GET /api/v1/analyses/{id}":    {"200", "404"},
		"DELETE /api/v1/analyses/{id}": {"204", "404"},
		"GET /api/v1/usage":            {"200"},
		"GET /api/v1/export":           {"200"},
		"DELETE /api/v1/account":       {"204"},
		"GET /api/v1/openapi.json":     {"200"},

		"POST /api/v1/analyses/{id}/feedback":       {"204", "400", "404"},
		"POST /api/v1/orgs":                         {"201", "400"},
		"POST /api/v1/invites/accept":               {"200", "403", "404", "409"},
		"POST /api/v1/orgs/{org}/analyses":          {"201", "400", "403", "404", "422", "429"},
		"PUT /api/v1/orgs/{org}/rules":              {"200", "400", "403", "404"},
		"GET /api/v1/orgs/{org}/analyses/{id}/note": {"200", "403", "404"},
		"DELETE /api/v1/orgs/{org}/members/{user}":  {"204", "403", "404", "409"},
	}
	for pattern, statuses := range want {
		method, path, _ := strings.Cut(pattern, " ")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s not documented", pattern)
			continue
		}
		for _, s := range statuses {
			if _, ok := op.Responses[s]; !ok {
				t.Errorf("%s: status %s not documented", pattern, s)
			}
		}
	}
}
