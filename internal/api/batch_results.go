package api

import (
	"encoding/json"
	"net/http"

	"github.com/medcode/medcode/internal/batch"
)

// batchResults streams the stored outcomes of a batch as NDJSON, in upload
// order; a batch still being coded gives the outcomes so far.
func (h *Handler) batchResults(w http.ResponseWriter, r *http.Request) {
	b, err := h.Batches.Get(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("X-Batch-Status", string(b.Status))
	enc := json.NewEncoder(w)
	wrote := false
	err = h.Batches.Results(r.Context(), workspace(r), b.ID, func(o batch.Outcome) error {
		wrote = true
		return enc.Encode(o)
	})
	if err != nil {
		if !wrote {
			h.fail(w, r, err)
			return
		}
		h.Log.Error("batch results cut short", "batch", b.ID, "err", err)
		panic(http.ErrAbortHandler) // the client sees a broken download, not a short one
	}
}
