package api

import (
	"net/http"
	"time"

	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/policy"
)

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	TOTP     string `json:"totp,omitempty"`
}

// SignUpRequest is the body of POST /api/v1/signup: the person confirms
// being 18 or older and names the versions of the terms and privacy policy
// they accept (the current ones, from GET /api/v1/policies).
type SignUpRequest struct {
	Email            string            `json:"email"`
	Password         string            `json:"password"`
	Adult            bool              `json:"adult"`
	AcceptedPolicies map[string]string `json:"accepted_policies"`
}

type signupResponse struct {
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request) {
	var in SignUpRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	accepted := map[policy.Document]string{}
	for doc, version := range in.AcceptedPolicies {
		accepted[policy.Document(doc)] = version
	}
	u, err := h.Accounts.SignUp(r.Context(), auth.SignUpRequest{Email: in.Email, Password: in.Password, IP: clientIP(r),
		Adult: in.Adult, Accepted: accepted})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, signupResponse{Email: u.Email, CreatedAt: u.CreatedAt})
}
