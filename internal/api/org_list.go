package api

import (
	"net/http"
	"time"

	"github.com/medcode/medcode/internal/store"
)

// Organization is an organization as the API shows it to a member.
type Organization struct {
	ID                int64      `json:"id"`
	Name              string     `json:"name"`
	Role              store.Role `json:"role"` // the caller's
	Tier              store.Tier `json:"tier"`
	CreatedAt         time.Time  `json:"created_at"`
	BAA               *BAA       `json:"baa,omitempty"`
	RetentionDays     int        `json:"retention_days"`
	NoteRetentionDays int        `json:"note_retention_days"`
}

// BAA is the Business Associate Agreement on record.
type BAA struct {
	RecordedBy int64     `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
	Document   string    `json:"document"`
}

func organization(o *store.Org, role store.Role) Organization {
	out := Organization{ID: o.ID, Name: o.Name, Role: role, Tier: o.Tier, CreatedAt: o.CreatedAt,
		RetentionDays: o.RetentionDays, NoteRetentionDays: o.NoteRetentionDays}
	if b := o.BAA; b != nil {
		out.BAA = &BAA{RecordedBy: b.RecordedBy, RecordedAt: b.RecordedAt, Document: b.Document}
	}
	return out
}

func (h *Handler) orgList(w http.ResponseWriter, r *http.Request) {
	ms, err := h.Orgs.Memberships(r.Context(), user(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []Organization{}
	for _, m := range ms {
		out = append(out, organization(&m.Org, m.Role))
	}
	writeJSON(w, http.StatusOK, map[string]any{"organizations": out})
}
