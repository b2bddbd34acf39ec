package api

import (
	"strconv"
	"time"

	"github.com/medcode/medcode/internal/store"
)

// BatchView is a batch as the API shows it.
type BatchView struct {
	ID         string     `json:"id"`
	Mode       string     `json:"mode"`
	Status     string     `json:"status"`
	Total      int        `json:"total"`
	Done       int        `json:"done"`
	Failed     int        `json:"failed"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	ResultsURL string     `json:"results_url"`
}

func batchView(b *store.Batch) BatchView {
	v := BatchView{ID: b.ID, Mode: string(b.Mode), Status: string(b.Status), Total: b.Total, Done: b.Done, Failed: b.Failed,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt, ResultsURL: batchURL(b) + "/results"}
	if !b.FinishedAt.IsZero() {
		v.FinishedAt = &b.FinishedAt
	}
	return v
}

// batchURL is where a batch is, in the workspace it was sent to.
func batchURL(b *store.Batch) string {
	if b.OrgID == 0 {
		return "/api/v1/batches/" + b.ID
	}
	return "/api/v1/orgs/" + strconv.FormatInt(b.OrgID, 10) + "/batches/" + b.ID
}
