package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// member is a signed-in user with a web session and an API token.
type member struct {
	user  *store.User
	web   *browser
	token string
}

// newMember signs a user up on the web and gets an API token.
func (s *testServer) newMember(t testing.TB, prefix string) *member {
	t.Helper()
	email := newEmail(prefix)
	web := s.browser(t)
	web.signUp(email)
	u, err := s.DB.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return &member{user: u, web: web, token: s.apiClientFor(t, email).Token}
}

// orgCase is one organization made for one request: its owner's
// workspace, and the record, member and invitation the request acts on.
type orgCase struct {
	t     testing.TB
	s     *testServer
	owner org.Workspace
}

// newOrgCase creates an organization owned by owner and adds each of
// members with its role.
func (s *testServer) newOrgCase(t testing.TB, owner *member, members map[*member]store.Role) *orgCase {
	t.Helper()
	ctx := context.Background()
	o, err := s.Orgs.Create(ctx, owner.user, fmt.Sprintf("Clinic %06d", emailSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	c := &orgCase{t: t, s: s}
	c.owner = c.workspace(owner.user, o.ID)
	for m, role := range members {
		c.join(m.user, role)
	}
	return c
}

func (c *orgCase) workspace(u *store.User, orgID int64) org.Workspace {
	c.t.Helper()
	ws, err := c.s.Orgs.Workspace(context.Background(), u, orgID)
	if err != nil {
		c.t.Fatal(err)
	}
	return ws
}

// refresh re-reads the owner's workspace after a settings change.
func (c *orgCase) refresh() { c.owner = c.workspace(c.owner.User, c.owner.Org.ID) }

// join invites u with role and accepts.
func (c *orgCase) join(u *store.User, role store.Role) {
	c.t.Helper()
	ctx := context.Background()
	inv, err := c.s.Orgs.Invite(ctx, c.owner, u.Email, role)
	if err != nil {
		c.t.Fatal(err)
	}
	token := inv.Link[strings.Index(inv.Link, "token=")+len("token="):]
	if _, err := c.s.Orgs.Accept(ctx, u, token); err != nil {
		c.t.Fatal(err)
	}
}

func (c *orgCase) base() string { return "/orgs/" + strconv.FormatInt(c.owner.Org.ID, 10) }
func (c *orgCase) api() string  { return "/api/v1" + c.base() }

// analysis is a new record of the organization.
func (c *orgCase) analysis() string {
	c.t.Helper()
	rec, err := c.s.Analyses.Analyze(context.Background(), c.owner, analysis.Request{Note: "cough", Attested: true})
	if err != nil {
		c.t.Fatal(err)
	}
	return rec.ID
}

// batch is a new batch of the organization, by id.
func (c *orgCase) batch() string {
	c.t.Helper()
	b, err := c.s.Batches.Stream(context.Background(), c.owner, strings.NewReader(`{"note":"cough","no_phi_attested":true}`+"\n"), nil, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return b.ID
}

// baa records a BAA.
func (c *orgCase) baa() {
	c.t.Helper()
	if _, err := c.s.Orgs.RecordBAA(context.Background(), c.owner, "BAA-TEST-1"); err != nil {
		c.t.Fatal(err)
	}
	c.refresh()
}

// retained is a new record whose note the organization keeps.
func (c *orgCase) retained() string {
	c.t.Helper()
	c.baa()
	if err := c.s.Orgs.SetRetention(context.Background(), c.owner, 0, 7); err != nil {
		c.t.Fatal(err)
	}
	c.refresh()
	return c.analysis()
}

// member is a new coder of the organization, by user id.
func (c *orgCase) member() string {
	c.t.Helper()
	u := &store.User{Email: newEmail("target"), PasswordHash: "x", Tier: store.TierFree}
	if err := c.s.DB.CreateUser(context.Background(), u); err != nil {
		c.t.Fatal(err)
	}
	c.join(u, store.RoleCoder)
	return strconv.FormatInt(u.ID, 10)
}

// invite is a new open invitation, by id.
func (c *orgCase) invite() string {
	c.t.Helper()
	inv, err := c.s.Orgs.Invite(context.Background(), c.owner, newEmail("invitee"), store.RoleViewer)
	if err != nil {
		c.t.Fatal(err)
	}
	return strconv.FormatInt(inv.Invite.ID, 10)
}

// suggestion makes coders correct R05.9 to E16.2 often enough for a
// suggested rule and returns its key.
func (c *orgCase) suggestion() string {
	c.t.Helper()
	ctx := context.Background()
	for range org.SuggestAfter {
		id := c.analysis()
		if err := c.s.Analyses.Decide(ctx, c.owner, id, "R05.9", analysis.Changed, "E16.2"); err != nil {
			c.t.Fatal(err)
		}
	}
	return "prefer:R05.9:E16.2"
}

// request is one HTTP request of a route.
type request struct {
	method, path string
	form         url.Values // a web form
	body         string     // an API body, or a web form's multipart body
	contentType  string     // of body; JSON when empty (API), a form when empty (web)
}

// orgRoutes builds, for every route of an organization's workspace, a
// request that succeeds for a member holding the route's permission. The
// targets ({id}, {user}, {invite}) are made fresh in c. A route missing
// here fails the tests that walk the route tables.
var orgRoutes = map[string]func(c *orgCase) request{
	"GET /orgs/{org}":         func(c *orgCase) request { return request{path: c.base()} },
	"GET /orgs/{org}/analyze": func(c *orgCase) request { return request{path: c.base() + "/analyze"} },
	"POST /orgs/{org}/analyses": func(c *orgCase) request {
		return request{path: c.base() + "/analyses", form: form("note", "cough", "attest", "1")}
	},
	"GET /orgs/{org}/history":       func(c *orgCase) request { return request{path: c.base() + "/history"} },
	"GET /orgs/{org}/analyses/{id}": func(c *orgCase) request { return request{path: c.base() + "/analyses/" + c.analysis()} },
	"POST /orgs/{org}/analyses/{id}/delete": func(c *orgCase) request {
		return request{path: c.base() + "/analyses/" + c.analysis() + "/delete", form: url.Values{}}
	},
	"POST /orgs/{org}/analyses/{id}/decisions": func(c *orgCase) request {
		return request{path: c.base() + "/analyses/" + c.analysis() + "/decisions", form: form("code", "R05.9", "decision", "accepted")}
	},
	"POST /orgs/{org}/analyses/{id}/feedback": func(c *orgCase) request {
		return request{path: c.base() + "/analyses/" + c.analysis() + "/feedback", form: form("body", "The E/M level looks low.")}
	},
	"GET /orgs/{org}/analyses/{id}/note": func(c *orgCase) request { return request{path: c.base() + "/analyses/" + c.retained() + "/note"} },
	"POST /orgs/{org}/analyses/{id}/recode": func(c *orgCase) request {
		return request{path: c.base() + "/analyses/" + c.retained() + "/recode", form: url.Values{}}
	},
	"GET /orgs/{org}/batches":              func(c *orgCase) request { return request{path: c.base() + "/batches"} },
	"GET /orgs/{org}/batches/{id}":         func(c *orgCase) request { return request{path: c.base() + "/batches/" + c.batch()} },
	"GET /orgs/{org}/batches/{id}/results": func(c *orgCase) request { return request{path: c.base() + "/batches/" + c.batch() + "/results"} },
	"GET /orgs/{org}/members":              func(c *orgCase) request { return request{path: c.base() + "/members"} },
	"POST /orgs/{org}/invites": func(c *orgCase) request {
		return request{path: c.base() + "/invites", form: form("email", newEmail("new"), "role", "viewer")}
	},
	"POST /orgs/{org}/invites/{invite}/delete": func(c *orgCase) request {
		return request{path: c.base() + "/invites/" + c.invite() + "/delete", form: url.Values{}}
	},
	"POST /orgs/{org}/members/{user}/role": func(c *orgCase) request {
		return request{path: c.base() + "/members/" + c.member() + "/role", form: form("role", "biller")}
	},
	"POST /orgs/{org}/members/{user}/remove": func(c *orgCase) request {
		return request{path: c.base() + "/members/" + c.member() + "/remove", form: url.Values{}}
	},
	"POST /orgs/{org}/baa":     func(c *orgCase) request { return request{path: c.base() + "/baa", form: form("document", "BAA-2")} },
	"POST /orgs/{org}/baa/end": func(c *orgCase) request { c.baa(); return request{path: c.base() + "/baa/end", form: url.Values{}} },
	"POST /orgs/{org}/retention": func(c *orgCase) request {
		return request{path: c.base() + "/retention", form: form("days", "30", "note_days", "0")}
	},
	"GET /orgs/{org}/rules": func(c *orgCase) request { return request{path: c.base() + "/rules"} },
	"POST /orgs/{org}/rules": func(c *orgCase) request {
		return request{path: c.base() + "/rules", form: form("source", "suppress:\n  - code: R05.9\n")}
	},
	"GET /orgs/{org}/feedback": func(c *orgCase) request { return request{path: c.base() + "/feedback"} },
	"POST /orgs/{org}/feedback/adopt": func(c *orgCase) request {
		return request{path: c.base() + "/feedback/adopt", form: form("key", c.suggestion())}
	},
	"GET /orgs/{org}/audit":     func(c *orgCase) request { return request{path: c.base() + "/audit"} },
	"GET /orgs/{org}/audit.csv": func(c *orgCase) request { return request{path: c.base() + "/audit.csv"} },
	"GET /orgs/{org}/export":    func(c *orgCase) request { return request{path: c.base() + "/export"} },
	"GET /orgs/{org}/delete":    func(c *orgCase) request { return request{path: c.base() + "/delete"} },
	"POST /orgs/{org}/delete": func(c *orgCase) request {
		return request{path: c.base() + "/delete", form: form("name", c.owner.Org.Name, "current_password", password)}
	},

	"GET /api/v1/orgs/{org}": func(c *orgCase) request { return request{path: c.api()} },
	"DELETE /api/v1/orgs/{org}": func(c *orgCase) request {
		b, _ := json.Marshal(map[string]string{"confirm_name": c.owner.Org.Name})
		return request{path: c.api(), body: string(b)}
	},
	"GET /api/v1/orgs/{org}/usage": func(c *orgCase) request { return request{path: c.api() + "/usage"} },
	"POST /api/v1/orgs/{org}/analyses": func(c *orgCase) request {
		return request{path: c.api() + "/analyses", body: `{"note":"cough","no_phi_attested":true}`}
	},
	"GET /api/v1/orgs/{org}/analyses":         func(c *orgCase) request { return request{path: c.api() + "/analyses"} },
	"GET /api/v1/orgs/{org}/analyses/{id}":    func(c *orgCase) request { return request{path: c.api() + "/analyses/" + c.analysis()} },
	"DELETE /api/v1/orgs/{org}/analyses/{id}": func(c *orgCase) request { return request{path: c.api() + "/analyses/" + c.analysis()} },
	"POST /api/v1/orgs/{org}/analyses/{id}/feedback": func(c *orgCase) request {
		return request{path: c.api() + "/analyses/" + c.analysis() + "/feedback", body: `{"code":"R05.9","decision":"rejected"}`}
	},
	"GET /api/v1/orgs/{org}/analyses/{id}/note": func(c *orgCase) request {
		return request{path: c.api() + "/analyses/" + c.retained() + "/note"}
	},
	"POST /api/v1/orgs/{org}/analyses/{id}/recode": func(c *orgCase) request {
		return request{path: c.api() + "/analyses/" + c.retained() + "/recode"}
	},
	"POST /api/v1/orgs/{org}/batches": func(c *orgCase) request {
		return request{path: c.api() + "/batches", body: `{"note":"cough","no_phi_attested":true}` + "\n", contentType: "application/x-ndjson"}
	},
	"GET /api/v1/orgs/{org}/batches":      func(c *orgCase) request { return request{path: c.api() + "/batches"} },
	"GET /api/v1/orgs/{org}/batches/{id}": func(c *orgCase) request { return request{path: c.api() + "/batches/" + c.batch()} },
	"GET /api/v1/orgs/{org}/batches/{id}/results": func(c *orgCase) request {
		return request{path: c.api() + "/batches/" + c.batch() + "/results"}
	},
	"POST /api/v1/orgs/{org}/fhir/DocumentReference": func(c *orgCase) request {
		return request{path: c.api() + "/fhir/DocumentReference?no_phi_attested=true", body: fhirDoc("d1", "cough"), contentType: "application/fhir+json"}
	},
	"POST /api/v1/orgs/{org}/fhir": func(c *orgCase) request {
		bundle := `{"resourceType":"Bundle","type":"batch","entry":[{"resource":` + fhirDoc("d1", "cough") + `}]}`
		return request{path: c.api() + "/fhir?no_phi_attested=true", body: bundle, contentType: "application/fhir+json"}
	},
	"GET /api/v1/orgs/{org}/members": func(c *orgCase) request { return request{path: c.api() + "/members"} },
	"PUT /api/v1/orgs/{org}/members/{user}": func(c *orgCase) request {
		return request{path: c.api() + "/members/" + c.member(), body: `{"role":"biller"}`}
	},
	"DELETE /api/v1/orgs/{org}/members/{user}": func(c *orgCase) request { return request{path: c.api() + "/members/" + c.member()} },
	"POST /api/v1/orgs/{org}/invites": func(c *orgCase) request {
		return request{path: c.api() + "/invites", body: `{"email":"` + newEmail("new") + `","role":"viewer"}`}
	},
	"DELETE /api/v1/orgs/{org}/invites/{invite}": func(c *orgCase) request { return request{path: c.api() + "/invites/" + c.invite()} },
	"PUT /api/v1/orgs/{org}/baa":                 func(c *orgCase) request { return request{path: c.api() + "/baa", body: `{"document":"BAA-2"}`} },
	"DELETE /api/v1/orgs/{org}/baa":              func(c *orgCase) request { c.baa(); return request{path: c.api() + "/baa"} },
	"PUT /api/v1/orgs/{org}/retention": func(c *orgCase) request {
		return request{path: c.api() + "/retention", body: `{"days":30,"note_days":0}`}
	},
	"GET /api/v1/orgs/{org}/rules": func(c *orgCase) request { return request{path: c.api() + "/rules"} },
	"PUT /api/v1/orgs/{org}/rules": func(c *orgCase) request {
		return request{path: c.api() + "/rules", body: "suppress:\n  - code: R05.9\n", contentType: "application/yaml"}
	},
	"GET /api/v1/orgs/{org}/rules/versions": func(c *orgCase) request { return request{path: c.api() + "/rules/versions"} },
	"GET /api/v1/orgs/{org}/feedback":       func(c *orgCase) request { return request{path: c.api() + "/feedback"} },
	"POST /api/v1/orgs/{org}/feedback/adopt": func(c *orgCase) request {
		return request{path: c.api() + "/feedback/adopt", body: `{"key":"` + c.suggestion() + `"}`}
	},
	"GET /api/v1/orgs/{org}/audit":  func(c *orgCase) request { return request{path: c.api() + "/audit"} },
	"GET /api/v1/orgs/{org}/export": func(c *orgCase) request { return request{path: c.api() + "/export"} },
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// send makes r as m: on the web with m's session, on the API with m's
// token. It returns the status and, for a redirect, where to.
func (s *testServer) send(t *testing.T, m *member, method string, r request) (int, string, string) {
	t.Helper()
	if strings.HasPrefix(r.path, "/api/") {
		req, err := http.NewRequest(method, s.URL()+r.path, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if r.body != "" {
			ct := r.contentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Authorization", "Bearer "+m.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if !s.documented(t, method, r.path, resp.StatusCode) {
			t.Errorf("%s %s answered %d, which openapi.json does not document", method, r.path, resp.StatusCode)
		}
		return resp.StatusCode, "", string(b)
	}
	if r.contentType != "" {
		return m.web.doBody(method, r.path, r.body, r.contentType)
	}
	return m.web.doRaw(method, r.path, r.form)
}
