package web

import (
	"net/http"
	"strconv"

	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/support"
)

// supportCreate opens a conversation with a question or feedback.
func (h *Handler) supportCreate(w http.ResponseWriter, r *http.Request) {
	draft := support.Draft{Kind: store.SupportKind(r.PostFormValue("kind")), Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	t, err := h.Support.Open(r.Context(), user(r), draft)
	if err != nil {
		h.renderSupport(w, r, draft, err)
		return
	}
	h.flash(r, "Your message is sent. You will see the reply here and get an email when it comes.")
	redirect(w, r, "/support/"+strconv.FormatInt(t.ID, 10))
}
