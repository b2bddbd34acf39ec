package api

import (
	"net/http"
	"strconv"
)

// reportsPath is the API path of a workspace's reports.
func reportsPath(orgID int64) string {
	if orgID == 0 {
		return "/api/v1/reports"
	}
	return "/api/v1/orgs/" + strconv.FormatInt(orgID, 10) + "/reports"
}

func (h *Handler) reportList(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if limit == 0 || limit > 200 {
		limit = 50
	}
	out, err := h.Reports.List(r.Context(), workspace(r), limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}
