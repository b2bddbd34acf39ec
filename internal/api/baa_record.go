package api

import "net/http"

// BAARequest is the body of PUT /api/v1/orgs/{org}/baa.
type BAARequest struct {
	Document string `json:"document"` // reference of the signed agreement
}

func (h *Handler) baaRecord(w http.ResponseWriter, r *http.Request) {
	var in BAARequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	baa, err := h.Orgs.RecordBAA(r.Context(), workspace(r), in.Document)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, BAA{RecordedBy: baa.RecordedBy, RecordedAt: baa.RecordedAt, Document: baa.Document})
}
