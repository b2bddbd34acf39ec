package web

import (
	"net/http"
	"strconv"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/rules"
	"github.com/medcode/medcode/internal/store"
)

type rulesData struct {
	Current  *store.RuleSet   // the version shown
	Source   string           // the editor's text
	Latest   int              // the current version number
	Versions []store.RuleSet  // newest first
	Authors  map[int64]string // author id → email
	Problems []rules.Problem  // of a refused save
}

func (h *Handler) rulesView(w http.ResponseWriter, r *http.Request) {
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			h.fail(w, r, apperr.New(apperr.NotFound, "rules version not found"))
			return
		}
		version = n
	}
	h.renderRules(w, r, http.StatusOK, version, nil, nil)
}

// renderRules shows one version (0: the current one) with the version
// list; after a refused save, the submitted text and its problems.
func (h *Handler) renderRules(w http.ResponseWriter, r *http.Request, status, version int, submitted *string, err error) {
	ws := workspace(r)
	rs, e := h.Orgs.Rules(r.Context(), ws, version)
	if e != nil {
		h.fail(w, r, e)
		return
	}
	versions, e := h.Orgs.RuleVersions(r.Context(), ws)
	if e != nil {
		h.fail(w, r, e)
		return
	}
	data := &rulesData{Current: rs, Source: rs.Source, Versions: versions, Authors: map[int64]string{}}
	if len(versions) > 0 {
		data.Latest = versions[0].Version
	}
	for _, v := range versions {
		if _, ok := data.Authors[v.AuthorID]; !ok {
			data.Authors[v.AuthorID] = h.accountName(r, v.AuthorID)
		}
	}
	if submitted != nil {
		data.Source = *submitted
	}
	if details, ok := apperr.DetailsOf(err).(map[string]any); ok {
		data.Problems, _ = details["problems"].([]rules.Problem)
	}
	p := h.newPage(r, "Clinic rules", "rules", data)
	if err != nil {
		h.formError(w, r, err, "rules", p)
		return
	}
	h.render(w, r, status, "rules", p)
}
