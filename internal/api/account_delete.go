package api

import "net/http"

// AccountDeleteRequest is the body of DELETE /api/v1/account: the password
// and the explicit confirmation.
type AccountDeleteRequest struct {
	Password string `json:"password"`
	Confirm  bool   `json:"confirm"`
}

// accountDelete deletes the account and all its data (a data-subject
// deletion request, audited).
func (h *Handler) accountDelete(w http.ResponseWriter, r *http.Request) {
	var in AccountDeleteRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Rights.DeleteAccount(r.Context(), user(r), in.Password, in.Confirm); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
