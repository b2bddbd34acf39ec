package api

import "net/http"

// AdoptRequest is the body of POST /api/v1/orgs/{org}/feedback/adopt.
type AdoptRequest struct {
	Key string `json:"key"` // a suggestion's key from GET .../feedback
}

func (h *Handler) feedbackAdopt(w http.ResponseWriter, r *http.Request) {
	var in AdoptRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	rs, err := h.Orgs.Adopt(r.Context(), workspace(r), in.Key)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, RuleSetInfo{Version: rs.Version, AuthorID: rs.AuthorID, CreatedAt: rs.CreatedAt})
}
