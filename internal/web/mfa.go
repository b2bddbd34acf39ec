package web

import (
	"html/template"
	"net/http"

	"github.com/medcode/medcode/internal/auth"
)

type mfaData struct {
	Enrollment *auth.TOTPEnrollment
	QR         template.URL // a data: URL made here, so trusted
	Sealed     string
}

func (h *Handler) mfaSetup(w http.ResponseWriter, r *http.Request) {
	if user(r).MFAEnabled() {
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return
	}
	h.renderMFASetup(w, r, http.StatusOK, nil)
}

// renderMFASetup shows a fresh secret; after a wrong code the user scans
// again rather than reusing a secret that went through a failed attempt.
func (h *Handler) renderMFASetup(w http.ResponseWriter, r *http.Request, status int, err error) {
	enr, sealed, e := h.Accounts.BeginMFA(user(r))
	if e != nil {
		h.fail(w, r, e)
		return
	}
	p := h.newPage(r, "Two-factor authentication", "profile", &mfaData{Enrollment: enr, QR: template.URL(enr.QRDataURL), Sealed: sealed})
	if err != nil {
		h.formError(w, r, err, "mfa_setup", p)
		return
	}
	h.render(w, r, status, "mfa_setup", p)
}

func (h *Handler) mfaEnable(w http.ResponseWriter, r *http.Request) {
	if err := h.Accounts.EnableMFA(r.Context(), user(r), r.PostFormValue("sealed"), r.PostFormValue("code")); err != nil {
		h.renderMFASetup(w, r, 0, err)
		return
	}
	h.flash(r, "Two-factor authentication is on. You will be asked for a code when you sign in.")
	redirect(w, r, "/profile")
}

func (h *Handler) mfaDisable(w http.ResponseWriter, r *http.Request) {
	if err := h.Accounts.DisableMFA(r.Context(), user(r), r.PostFormValue("current_password")); err != nil {
		h.renderProfile(w, r, err)
		return
	}
	h.flash(r, "Two-factor authentication is off.")
	redirect(w, r, "/profile")
}
