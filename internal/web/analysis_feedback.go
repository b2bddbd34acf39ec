package web

import (
	"net/http"
	"strconv"
)

// analysisFeedback sends feedback on a result of the workspace to the
// site's support: the conversation names the analysis by its id. The note
// is attached only when the user, in BAA mode, ticks the box (app.js then
// copies the note from the page).
func (h *Handler) analysisFeedback(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, int64(h.MaxNoteBytes)+formOverhead)
	u := user(r)
	note := ""
	if r.PostFormValue("attach_note") != "" {
		note = r.PostFormValue("note")
	}
	t, err := h.Support.Feedback(r.Context(), u, workspace(r).Scope(), h.baaMode(r), r.PathValue("id"), r.PostFormValue("body"), note)
	if err != nil {
		h.renderAnalysis(w, r, err)
		return
	}
	h.flash(r, "Thank you: your feedback is sent.")
	redirect(w, r, "/support/"+strconv.FormatInt(t.ID, 10))
}
