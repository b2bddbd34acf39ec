package api

import "net/http"

type tokenResponse struct {
	Token string `json:"token"`
}

func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request) {
	var in credentials
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	token, err := h.Accounts.IssueAPIToken(r.Context(), in.Email, in.Password, in.TOTP, clientIP(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenResponse{Token: token})
}
