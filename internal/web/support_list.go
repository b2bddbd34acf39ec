package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/support"
)

type supportData struct {
	Threads []support.Thread
	Draft   support.Draft
}

// supportList shows the user's conversations and the form for a new one.
func (h *Handler) supportList(w http.ResponseWriter, r *http.Request) {
	h.renderSupport(w, r, support.Draft{Kind: store.SupportQuestion}, nil)
}

// renderSupport shows the support page, with err beside the form.
func (h *Handler) renderSupport(w http.ResponseWriter, r *http.Request, draft support.Draft, err error) {
	threads, lerr := h.Support.Threads(r.Context(), user(r))
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	p := h.newPage(r, "Support", "support", &supportData{Threads: threads, Draft: draft})
	if err != nil {
		h.formError(w, r, err, "support", p)
		return
	}
	h.render(w, r, http.StatusOK, "support", p)
}
