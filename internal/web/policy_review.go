package web

import (
	"net/http"
	"net/url"

	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
)

type policyReviewData struct {
	Pending []policy.Pending
	Current map[policy.Document]store.PolicyVersion
	Next    string
}

// policyReview is the notice shown at sign-in after a material change:
// what changed, and the choice to accept or to export and delete.
func (h *Handler) policyReview(w http.ResponseWriter, r *http.Request) {
	data, err := h.policyReviewData(r, localPath(r.URL.Query().Get("next"), "/analyze"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(data.Pending) == 0 {
		http.Redirect(w, r, data.Next, http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "policy_review", h.newPage(r, "Our terms changed", "policies", data))
}

func (h *Handler) policyReviewData(r *http.Request, next string) (*policyReviewData, error) {
	pending, err := h.Policies.Pending(r.Context(), user(r).ID)
	if err != nil {
		return nil, err
	}
	current, err := h.Policies.Current(r.Context())
	if err != nil {
		return nil, err
	}
	return &policyReviewData{Pending: pending, Current: current, Next: next}, nil
}

// policyAccept records the acceptance of the versions the review showed.
func (h *Handler) policyAccept(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.PostFormValue("next"), "/analyze")
	accepted := map[policy.Document]string{}
	for _, doc := range policy.Documents {
		accepted[doc] = r.PostFormValue(string(doc) + "_version")
	}
	if err := h.Policies.Accept(r.Context(), user(r).ID, accepted); err != nil {
		data, derr := h.policyReviewData(r, next)
		if derr != nil {
			h.fail(w, r, derr)
			return
		}
		h.formError(w, r, err, "policy_review", h.newPage(r, "Our terms changed", "policies", data))
		return
	}
	h.flash(r, "Thank you: you accepted the current terms and privacy policy.")
	redirect(w, r, next)
}

// afterSignIn sends a user who has a changed policy to accept to the
// review first; the review then continues to next.
func (h *Handler) afterSignIn(w http.ResponseWriter, r *http.Request, userID int64, next string) {
	pending, err := h.Policies.Pending(r.Context(), userID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(pending) > 0 {
		redirect(w, r, "/policies/review?next="+url.QueryEscape(next))
		return
	}
	redirect(w, r, next)
}
