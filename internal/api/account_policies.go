package api

import (
	"net/http"
	"time"

	"github.com/medcode/medcode/internal/policy"
)

// PendingPolicy is a document the user must accept before new analyses.
type PendingPolicy struct {
	Document string        `json:"document"`
	Current  PolicyVersion `json:"current"`
	// Summary says what the material change that requires acceptance was.
	Summary string `json:"summary"`
}

// AcceptedPolicy is one recorded acceptance.
type AcceptedPolicy struct {
	Document   string    `json:"document"`
	Version    string    `json:"version"`
	AcceptedAt time.Time `json:"accepted_at"`
}

type accountPoliciesResponse struct {
	Pending  []PendingPolicy  `json:"pending"`
	Accepted []AcceptedPolicy `json:"accepted"`
}

// accountPolicies says what the user accepted and what waits for them.
func (h *Handler) accountPolicies(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	pending, err := h.Policies.Pending(r.Context(), u.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	accepted, err := h.Policies.Acceptances(r.Context(), u.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := accountPoliciesResponse{Pending: []PendingPolicy{}, Accepted: []AcceptedPolicy{}}
	for _, p := range pending {
		out.Pending = append(out.Pending, PendingPolicy{Document: string(p.Document), Current: policyVersion(p.Document.Path(), p.Current),
			Summary: p.Material.Summary})
	}
	for _, a := range accepted {
		out.Accepted = append(out.Accepted, AcceptedPolicy{Document: a.Document, Version: a.Version, AcceptedAt: a.AcceptedAt})
	}
	writeJSON(w, http.StatusOK, out)
}

// accountPoliciesAccept records the acceptance of the current versions,
// named in the body as {"terms": "...", "privacy": "..."}.
func (h *Handler) accountPoliciesAccept(w http.ResponseWriter, r *http.Request) {
	var in map[string]string
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	accepted := map[policy.Document]string{}
	for doc, version := range in {
		accepted[policy.Document(doc)] = version
	}
	if err := h.Policies.Accept(r.Context(), user(r).ID, accepted); err != nil {
		h.fail(w, r, err)
		return
	}
	h.accountPolicies(w, r)
}
