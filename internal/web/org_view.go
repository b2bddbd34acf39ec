package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/store"
)

type orgViewData struct {
	Usage       *analysis.Usage
	BAARecorder string // who recorded the BAA
}

// orgView is the organization's home: its status (BAA, retention, usage)
// and, for the roles that may, the forms that change it.
func (h *Handler) orgView(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	usage, err := h.Analyses.Usage(r.Context(), ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := &orgViewData{Usage: usage}
	if baa := ws.Org.BAA; baa != nil {
		data.BAARecorder = h.accountName(r, baa.RecordedBy)
	}
	h.render(w, r, http.StatusOK, "org", h.newPage(r, ws.Org.Name, "org", data))
}

// accountName is a user's email, or a note that the account is gone.
func (h *Handler) accountName(r *http.Request, id int64) string {
	u, err := h.Accounts.User(r.Context(), id)
	if err != nil {
		return "a deleted account"
	}
	return u.Email
}

// roleOptions are the roles a member may give: owners only by owners.
func roleOptions(canOwners bool) []store.Role {
	if canOwners {
		return store.Roles
	}
	return store.Roles[1:]
}
