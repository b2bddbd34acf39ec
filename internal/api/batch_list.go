package api

import "net/http"

// batchListLimit is how many of the newest batches the list shows.
const batchListLimit = 100

func (h *Handler) batchList(w http.ResponseWriter, r *http.Request) {
	list, err := h.Batches.List(r.Context(), workspace(r), batchListLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		Items []BatchView `json:"items"`
	}{Items: []BatchView{}}
	for i := range list {
		out.Items = append(out.Items, batchView(&list[i]))
	}
	writeJSON(w, http.StatusOK, out)
}
