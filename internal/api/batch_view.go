package api

import (
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
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt, ResultsURL: "/api/v1/batches/" + b.ID + "/results"}
	if !b.FinishedAt.IsZero() {
		v.FinishedAt = &b.FinishedAt
	}
	return v
}
