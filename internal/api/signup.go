package api

import (
	"net/http"
	"time"
)

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	TOTP     string `json:"totp,omitempty"`
}

type signupResponse struct {
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request) {
	var in credentials
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.Accounts.SignUp(r.Context(), in.Email, in.Password, clientIP(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, signupResponse{Email: u.Email, CreatedAt: u.CreatedAt})
}
