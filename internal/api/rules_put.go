package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/rules"
)

// RuleSetInfo describes a saved version of the rules.
type RuleSetInfo struct {
	Version   int       `json:"version"`
	AuthorID  int64     `json:"author_id"`
	CreatedAt time.Time `json:"created_at"`
}

// ruleTypes are the media types a rules document may be sent as.
var ruleTypes = map[string]bool{"application/yaml": true, "application/x-yaml": true, "text/yaml": true,
	"application/json": true, "text/plain": true}

// rulesPut saves the body, a YAML or JSON rules document, as the next
// version; a refused document answers 400 with every problem and its line.
func (h *Handler) rulesPut(w http.ResponseWriter, r *http.Request) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !ruleTypes[mt] {
		h.fail(w, r, apperr.New(apperr.Invalid, "Send the rules as application/yaml or application/json."))
		return
	}
	src, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rules.MaxSourceBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(w, r, apperr.New(apperr.TooLarge, "Rules are at most %d bytes.", rules.MaxSourceBytes))
			return
		}
		h.fail(w, r, apperr.New(apperr.Invalid, "The body could not be read."))
		return
	}
	rs, err := h.Orgs.SaveRules(r.Context(), workspace(r), string(src))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, RuleSetInfo{Version: rs.Version, AuthorID: rs.AuthorID, CreatedAt: rs.CreatedAt})
}
