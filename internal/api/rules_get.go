package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/medcode/medcode/internal/apperr"
)

// rulesGet returns one version of the clinic rules (the current one
// unless ?version=N) as the file its author saved, YAML or JSON, with
// Accept: application/json as a JSON object. The version comes in the
// Medcode-Rules-Version header (0: no rules yet).
func (h *Handler) rulesGet(w http.ResponseWriter, r *http.Request) {
	version, err := queryInt(r, "version")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rs, err := h.Orgs.Rules(r.Context(), workspace(r), version)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Medcode-Rules-Version", strconv.Itoa(rs.Version))
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		w.Write([]byte(rs.Source))
		return
	}
	var doc any
	if err := yaml.Unmarshal([]byte(rs.Source), &doc); err != nil {
		h.fail(w, r, apperr.New(apperr.Internal, "rules version %d does not parse", rs.Version))
		return
	}
	if doc == nil {
		doc = map[string]any{}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}
