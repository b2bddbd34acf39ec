// Package api is medcode's JSON API under /api/v1: one route table
// (Routes), one file per action, bearer-token authentication, and the
// OpenAPI 3 document at /api/v1/openapi.json. The routes under
// /api/v1/orgs/{org} act in an organization's workspace: each names the
// permission it needs (org.Matrix); a non-member gets 404, a member
// without the permission 403.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/billing/revenue"
	"github.com/medcode/medcode/internal/dsr"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
)

// Deps are what the API needs.
type Deps struct {
	Accounts     *auth.Accounts
	Analyses     *analysis.Service
	Orgs         *org.Service
	Audit        *audit.Log
	Batches      *batch.Service
	Billing      *billing.Service
	Reports      *revenue.Service
	Policies     *policy.Service
	Rights       *dsr.Service
	Log          *slog.Logger
	MaxNoteBytes int
	// BatchIdle is how long a batch upload may send nothing before it is
	// cut.
	BatchIdle time.Duration
	// Now is the clock for Retry-After; nil means time.Now.
	Now func() time.Time
}

// Handler serves the API.
type Handler struct {
	Deps
}

// New returns the API handler.
func New(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Handler{Deps: d}
}

// Route is one entry of the route table.
type Route struct {
	Pattern    string
	handler    http.HandlerFunc
	bearer     bool
	permission org.Permission // for the routes under /api/v1/orgs/{org}
	// analyses marks the routes that run new analyses: they wait while
	// the user has a changed policy to accept.
	analyses bool
}

// Authenticated reports whether the route needs a bearer token.
func (r Route) Authenticated() bool { return r.bearer }

// Permission is what a member needs on an organization route ("" on the
// others).
func (r Route) Permission() org.Permission { return r.permission }

// Routes is the API's route table; openapi.json documents exactly these.
func (h *Handler) Routes() []Route {
	routes := []Route{
		{"POST /api/v1/signup", h.signup, false, "", false},
		{"POST /api/v1/tokens", h.tokenCreate, false, "", false},
		{"GET /api/v1/policies", h.policies, false, "", false},
		{"POST /api/v1/analyses", h.analysisCreate, true, "", true},
		{"GET /api/v1/analyses", h.analysisList, true, "", false},
		{"GET /api/v1/analyses/{id}", h.analysisGet, true, "", false},
		{"DELETE /api/v1/analyses/{id}", h.analysisDelete, true, "", false},
		{"POST /api/v1/analyses/{id}/feedback", h.analysisFeedback, true, "", false},
		{"GET /api/v1/usage", h.usage, true, "", false},
		{"GET /api/v1/export", h.export, true, "", false},
		{"GET /api/v1/export/history.csv", h.exportHistoryCSV, true, "", false},
		{"GET /api/v1/account/policies", h.accountPolicies, true, "", false},
		{"POST /api/v1/account/policies", h.accountPoliciesAccept, true, "", false},
		{"DELETE /api/v1/account", h.accountDelete, true, "", false},
		{"POST /api/v1/batches", h.batchCreate, true, "", true},
		{"GET /api/v1/batches", h.batchList, true, "", false},
		{"GET /api/v1/batches/{id}", h.batchGet, true, "", false},
		{"GET /api/v1/batches/{id}/results", h.batchResults, true, "", false},
		{"POST /api/v1/fhir/DocumentReference", h.fhirCode, true, "", true},
		{"POST /api/v1/fhir", h.fhirCode, true, "", true},
		{"GET /api/v1/orgs", h.orgList, true, "", false},
		{"POST /api/v1/orgs", h.orgCreate, true, "", false},
		{"POST /api/v1/invites/accept", h.inviteAccept, true, "", false},
		{"POST /api/v1/reports", h.reportCreate, true, "", true},
		{"GET /api/v1/reports", h.reportList, true, "", false},
		{"GET /api/v1/reports/{id}", h.reportGet, true, "", false},
		{"GET /api/v1/reports/{id}/findings", h.reportFindings, true, "", false},
		{"GET /api/v1/reports/{id}/report.pdf", h.reportPDF, true, "", false},
		{"GET /api/v1/reports/{id}/findings.csv", h.reportCSV, true, "", false},
		{"DELETE /api/v1/reports/{id}", h.reportDelete, true, "", false},
		{"GET /api/v1/openapi.json", h.openAPI, false, "", false},
	}
	// The organization's workspace: the same analysis, batch and FHIR
	// endpoints as the personal one, and the clinic's own.
	for _, rt := range []struct {
		pattern string
		handler http.HandlerFunc
		perm    org.Permission
	}{
		{"GET /api/v1/orgs/{org}", h.orgGet, org.ViewOrg},
		{"DELETE /api/v1/orgs/{org}", h.orgDelete, org.DeleteOrg},
		{"GET /api/v1/orgs/{org}/usage", h.usage, org.ViewOrg},
		{"POST /api/v1/orgs/{org}/analyses", h.analysisCreate, org.CreateAnalysis},
		{"GET /api/v1/orgs/{org}/analyses", h.analysisList, org.ReadAnalysis},
		{"GET /api/v1/orgs/{org}/analyses/{id}", h.analysisGet, org.ReadAnalysis},
		{"DELETE /api/v1/orgs/{org}/analyses/{id}", h.analysisDelete, org.DeleteAnalysis},
		{"POST /api/v1/orgs/{org}/analyses/{id}/feedback", h.analysisFeedback, org.WriteFeedback},
		{"GET /api/v1/orgs/{org}/analyses/{id}/note", h.analysisNote, org.ReadNote},
		{"POST /api/v1/orgs/{org}/analyses/{id}/recode", h.analysisRecode, org.CreateAnalysis},
		{"POST /api/v1/orgs/{org}/batches", h.batchCreate, org.CreateAnalysis},
		{"GET /api/v1/orgs/{org}/batches", h.batchList, org.ReadAnalysis},
		{"GET /api/v1/orgs/{org}/batches/{id}", h.batchGet, org.ReadAnalysis},
		{"GET /api/v1/orgs/{org}/batches/{id}/results", h.batchResults, org.ReadAnalysis},
		{"POST /api/v1/orgs/{org}/fhir/DocumentReference", h.fhirCode, org.CreateAnalysis},
		{"POST /api/v1/orgs/{org}/fhir", h.fhirCode, org.CreateAnalysis},
		{"GET /api/v1/orgs/{org}/members", h.memberList, org.ViewOrg},
		{"PUT /api/v1/orgs/{org}/members/{user}", h.memberRole, org.ManageMembers},
		{"DELETE /api/v1/orgs/{org}/members/{user}", h.memberRemove, org.ManageMembers},
		{"POST /api/v1/orgs/{org}/invites", h.inviteCreate, org.ManageMembers},
		{"DELETE /api/v1/orgs/{org}/invites/{invite}", h.inviteRevoke, org.ManageMembers},
		{"PUT /api/v1/orgs/{org}/baa", h.baaRecord, org.ManageBAA},
		{"DELETE /api/v1/orgs/{org}/baa", h.baaEnd, org.ManageBAA},
		{"PUT /api/v1/orgs/{org}/retention", h.retentionSet, org.ManageRetention},
		{"GET /api/v1/orgs/{org}/rules", h.rulesGet, org.ReadRules},
		{"PUT /api/v1/orgs/{org}/rules", h.rulesPut, org.WriteRules},
		{"GET /api/v1/orgs/{org}/rules/versions", h.ruleVersions, org.ReadRules},
		{"GET /api/v1/orgs/{org}/feedback", h.feedbackGet, org.ReadFeedback},
		{"POST /api/v1/orgs/{org}/feedback/adopt", h.feedbackAdopt, org.WriteRules},
		{"GET /api/v1/orgs/{org}/audit", h.auditList, org.ReadAudit},
		{"GET /api/v1/orgs/{org}/export", h.orgExport, org.ExportOrg},
		{"GET /api/v1/orgs/{org}/claims", h.claimList, org.ReadClaims},
		{"POST /api/v1/orgs/{org}/claims", h.claimCreate, org.WriteClaims},
		{"POST /api/v1/orgs/{org}/claims/import", h.claimImport, org.WriteClaims},
		{"POST /api/v1/orgs/{org}/claims/export", h.claimExport, org.ExportClaims},
		{"GET /api/v1/orgs/{org}/claims/{id}", h.claimGet, org.ReadClaims},
		{"PUT /api/v1/orgs/{org}/claims/{id}", h.claimUpdate, org.WriteClaims},
		{"DELETE /api/v1/orgs/{org}/claims/{id}", h.claimDelete, org.WriteClaims},
		{"GET /api/v1/orgs/{org}/remittances", h.remitList, org.ReadClaims},
		{"POST /api/v1/orgs/{org}/remittances", h.remitPost, org.PostRemits},
		{"GET /api/v1/orgs/{org}/remittances/{id}", h.remitGet, org.ReadClaims},
		{"GET /api/v1/orgs/{org}/billing", h.billingGet, org.ReadClaims},
		{"PUT /api/v1/orgs/{org}/billing", h.billingPut, org.ManageBilling},
		{"POST /api/v1/orgs/{org}/reports", h.reportCreate, org.CreateReport},
		{"GET /api/v1/orgs/{org}/reports", h.reportList, org.ReadReports},
		{"GET /api/v1/orgs/{org}/reports/{id}", h.reportGet, org.ReadReports},
		{"GET /api/v1/orgs/{org}/reports/{id}/findings", h.reportFindings, org.ReadReports},
		{"GET /api/v1/orgs/{org}/reports/{id}/report.pdf", h.reportPDF, org.ReadReports},
		{"GET /api/v1/orgs/{org}/reports/{id}/findings.csv", h.reportCSV, org.ReadReports},
		{"DELETE /api/v1/orgs/{org}/reports/{id}", h.reportDelete, org.DeleteReport},
	} {
		// A revenue report re-codes the uploaded notes: new analyses too.
		analyses := rt.perm == org.CreateAnalysis || rt.perm == org.CreateReport
		routes = append(routes, Route{rt.pattern, rt.handler, true, rt.perm, analyses})
	}
	return routes
}

// Register mounts the API on mux; unknown API paths get a JSON 404.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, rt := range h.Routes() {
		next := http.Handler(rt.handler)
		if rt.analyses {
			next = h.requireCurrentPolicies(next)
		}
		if rt.permission != "" {
			next = h.requireMember(rt.permission, next)
		}
		if rt.bearer {
			next = h.requireToken(next)
		}
		mux.Handle(rt.Pattern, next)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, apperr.New(apperr.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
}

type userKey struct{}

type workspaceKey struct{}

// requireToken authenticates "Authorization: Bearer <token>"; the request
// acts in the user's personal workspace unless requireMember moves it.
func (h *Handler) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			h.fail(w, r, apperr.New(apperr.Unauthorized, "Send a bearer token: Authorization: Bearer <token> (get one from POST /api/v1/tokens)."))
			return
		}
		u, err := h.Accounts.UserByAPIToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), userKey{}, u)
		ctx = context.WithValue(ctx, workspaceKey{}, org.Personal(u))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireMember puts the request in the {org} workspace: 404 unless the
// user is a member, 403 unless their role holds perm.
func (h *Handler) requireMember(perm org.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := h.Orgs.WorkspaceAt(r.Context(), user(r), r.PathValue("org"))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if err := ws.Require(perm); err != nil {
			h.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), workspaceKey{}, ws)))
	})
}

// requireCurrentPolicies refuses new analyses (403, with the versions to
// accept in the details) while the user has a changed policy to accept.
func (h *Handler) requireCurrentPolicies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.Policies.RequireAccepted(r.Context(), user(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func user(r *http.Request) *store.User { return r.Context().Value(userKey{}).(*store.User) }

// workspace is the workspace of an authenticated request.
func workspace(r *http.Request) org.Workspace {
	return r.Context().Value(workspaceKey{}).(org.Workspace)
}

// pathID reads a numeric path value; NotFound when it is not one.
func pathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "%s not found", what)
	}
	return id, nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// errorBody is every error response.
type errorBody struct {
	Error struct {
		Code    apperr.Code `json:"code"`
		Message string      `json:"message"`
		Details any         `json:"details,omitempty"`
	} `json:"error"`
}

// fail writes err with its status: as JSON, or as an OperationOutcome on
// the FHIR endpoints, whose clients read only FHIR. Only internal errors
// are logged.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	switch code {
	case apperr.Unauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="medcode"`)
	case apperr.QuotaExceeded:
		if d, ok := apperr.DetailsOf(err).(map[string]any); ok {
			if reset, ok := d["resets_at"].(time.Time); ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(reset.Sub(h.Now()).Seconds())+1))
			}
		}
	}
	if fhirRoute(r) {
		h.failFHIR(w, r, err)
		return
	}
	if code == apperr.Internal {
		h.Log.Error("API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Details = code, apperr.MessageOf(err), apperr.DetailsOf(err)
	writeJSON(w, apperr.Status(err), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body of at most limit bytes into v, refusing unknown
// fields so that a misspelt field is an error, not a silent default.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if r.ContentLength > limit { // refused before reading, whatever the body holds
		return apperr.New(apperr.TooLarge, "Request body is larger than %d bytes.", limit)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return apperr.New(apperr.TooLarge, "Request body is larger than %d bytes.", limit)
		case errors.As(err, &syntax):
			return apperr.New(apperr.Invalid, "Request body is not valid JSON (at byte %d).", syntax.Offset)
		case errors.As(err, &typ):
			return apperr.New(apperr.Invalid, "Field %q must be a %s.", typ.Field, typ.Type)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return apperr.New(apperr.Invalid, "Request body is not valid JSON (it ends too early).")
		case errors.Is(err, io.EOF):
			return apperr.New(apperr.Invalid, "Request body is empty; send a JSON object.")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return apperr.New(apperr.Invalid, "Request body has an %s.", strings.TrimPrefix(err.Error(), "json: "))
		default:
			return apperr.New(apperr.Invalid, "Request body could not be read: %s.", err.Error())
		}
	}
	if dec.More() {
		return apperr.New(apperr.Invalid, "Request body holds more than one JSON value.")
	}
	return nil
}

// readBody reads a raw body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, apperr.New(apperr.TooLarge, "Request body is larger than %d bytes.", limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apperr.New(apperr.TooLarge, "Request body is larger than %d bytes.", limit)
		}
		return nil, apperr.New(apperr.Invalid, "The body could not be read.")
	}
	if len(b) == 0 {
		return nil, apperr.New(apperr.Invalid, "The body is empty.")
	}
	return b, nil
}

// smallBody bounds the bodies of the account endpoints.
const smallBody = 16 << 10

// queryInt reads an optional positive integer parameter.
func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, apperr.New(apperr.Invalid, "Query parameter %s must be a positive integer.", name)
	}
	return n, nil
}
