package api

import "net/http"

// RetentionRequest is the body of PUT /api/v1/orgs/{org}/retention.
type RetentionRequest struct {
	Days     int `json:"days"`      // keep analyses this long; 0 until deleted
	NoteDays int `json:"note_days"` // keep note text this long; 0 not at all (needs a BAA)
}

func (h *Handler) retentionSet(w http.ResponseWriter, r *http.Request) {
	var in RetentionRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Orgs.SetRetention(r.Context(), workspace(r), in.Days, in.NoteDays); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
