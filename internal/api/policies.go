package api

import (
	"net/http"
	"time"

	"github.com/medcode/medcode/internal/store"
)

// PolicyVersion is one version of a policy document as the API shows it.
type PolicyVersion struct {
	Version     string    `json:"version"`
	Material    bool      `json:"material"`
	Summary     string    `json:"summary,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	URL         string    `json:"url"` // the page that shows it
}

func policyVersion(path string, v store.PolicyVersion) PolicyVersion {
	return PolicyVersion{Version: v.Version, Material: v.Material, Summary: v.Summary, PublishedAt: v.PublishedAt,
		URL: path + "?version=" + v.Version}
}

// policies lists the current version of each policy document, to accept
// at sign-up.
func (h *Handler) policies(w http.ResponseWriter, r *http.Request) {
	current, err := h.Policies.Current(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := map[string]PolicyVersion{}
	for doc, v := range current {
		out[string(doc)] = policyVersion(doc.Path(), v)
	}
	writeJSON(w, http.StatusOK, out)
}
