package web

import "net/http"

type unsubscribeData struct {
	Token string
	Done  bool
}

// unsubscribeForm asks before turning notice emails off: mail scanners
// open links, so the GET changes nothing.
func (h *Handler) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	data := &unsubscribeData{Token: r.URL.Query().Get("token")}
	h.render(w, r, http.StatusOK, "unsubscribe", h.newPage(r, "Stop service notice emails", "", data))
}

// unsubscribe turns off the notice emails of the token's account. It takes
// the token from the form or, for a mail client's one-click request
// (RFC 8058), from the URL.
func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	if token == "" {
		token = r.URL.Query().Get("token")
	}
	data := &unsubscribeData{Token: token}
	if _, err := h.Notices.Unsubscribe(r.Context(), token); err != nil {
		h.formError(w, r, err, "unsubscribe", h.newPage(r, "Stop service notice emails", "", data))
		return
	}
	data.Done = true
	h.render(w, r, http.StatusOK, "unsubscribe", h.newPage(r, "Service notice emails stopped", "", data))
}
