package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/billing/revenue"
	"github.com/medcode/medcode/internal/org"
)

type reportListData struct {
	Reports   []*revenue.Report
	CanCreate bool
	BAA       bool
	MaxMiB    int64
	// Blocked are the notes the PHI guard stopped in a refused upload.
	Blocked []revenue.Blocked
}

// reportList is the workspace's revenue reports and the upload form of a
// new one.
func (h *Handler) reportList(w http.ResponseWriter, r *http.Request) {
	data, err := h.reportListData(r, workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "reports", h.newPage(r, "60-day revenue analysis", "reports", data))
}

func (h *Handler) reportListData(r *http.Request, ws org.Workspace) (*reportListData, error) {
	list, err := h.Reports.List(r.Context(), ws, 50)
	if err != nil {
		return nil, err
	}
	return &reportListData{Reports: list, CanCreate: ws.Can(org.CreateReport), BAA: ws.BAA(), MaxMiB: h.Reports.MaxUploadBytes() >> 20}, nil
}
