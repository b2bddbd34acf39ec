package api

import "net/http"

func (h *Handler) accountDelete(w http.ResponseWriter, r *http.Request) {
	if err := h.Accounts.DeleteAccount(r.Context(), user(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
