package api

import "net/http"

func (h *Handler) ruleVersions(w http.ResponseWriter, r *http.Request) {
	versions, err := h.Orgs.RuleVersions(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []RuleSetInfo{}
	for _, v := range versions {
		out = append(out, RuleSetInfo{Version: v.Version, AuthorID: v.AuthorID, CreatedAt: v.CreatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": out})
}
