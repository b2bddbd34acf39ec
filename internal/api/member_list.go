package api

import (
	"net/http"
	"time"

	"github.com/medcode/medcode/internal/store"
)

// Member is one member of an organization.
type Member struct {
	UserID      int64      `json:"user_id"`
	Email       string     `json:"email"`
	DisplayName string     `json:"display_name,omitempty"`
	Role        store.Role `json:"role"`
	JoinedAt    time.Time  `json:"joined_at"`
}

// Invite is an open invitation.
type Invite struct {
	ID        int64      `json:"id"`
	Email     string     `json:"email"`
	Role      store.Role `json:"role"`
	ExpiresAt time.Time  `json:"expires_at"`
	// Link is the invitation link, returned once on creation when no email
	// was sent, for the inviter to pass on.
	Link string `json:"link,omitempty"`
}

type roster struct {
	Members []Member `json:"members"`
	Invites []Invite `json:"invites,omitempty"` // for the roles that manage members
}

func (h *Handler) memberList(w http.ResponseWriter, r *http.Request) {
	ro, err := h.Orgs.Roster(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := roster{Members: []Member{}}
	for _, m := range ro.Members {
		out.Members = append(out.Members, Member{UserID: m.UserID, Email: m.Email, DisplayName: m.DisplayName, Role: m.Role, JoinedAt: m.JoinedAt})
	}
	for _, i := range ro.Invites {
		out.Invites = append(out.Invites, Invite{ID: i.ID, Email: i.Email, Role: i.Role, ExpiresAt: i.ExpiresAt})
	}
	writeJSON(w, http.StatusOK, out)
}
