package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/policy"
)

// policyPage shows the current version of a policy document, or the
// version named by ?version=.
func (h *Handler) policyPage(doc policy.Document) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, err := h.Policies.Page(r.Context(), doc, r.URL.Query().Get("version"))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, "policy", h.newPage(r, doc.Title(), string(doc), page))
	}
}
