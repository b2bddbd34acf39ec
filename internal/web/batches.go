package web

import (
	"encoding/json"
	"net/http"

	"github.com/medcode/medcode/internal/batch"
)

// batchListLimit is how many of the newest batches the page lists.
const batchListLimit = 50

func (h *Handler) batchList(w http.ResponseWriter, r *http.Request) {
	list, err := h.Batches.List(r.Context(), workspace(r), batchListLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "batches", h.newPage(r, "Batches", "batches", list))
}

// batchView shows one batch's progress; htmx polls its fragment until the
// batch is finished.
func (h *Handler) batchView(w http.ResponseWriter, r *http.Request) {
	b, err := h.Batches.Get(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "batch", h.newPage(r, "Batch", "batches", b))
}

// batchResults downloads a batch's outcomes as NDJSON.
func (h *Handler) batchResults(w http.ResponseWriter, r *http.Request) {
	b, err := h.Batches.Get(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="`+b.ID+`.ndjson"`)
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
		panic(http.ErrAbortHandler)
	}
}
