package api

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	ActorID  int64     `json:"actor_id"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Target   string    `json:"target,omitempty"`
	Details  string    `json:"details,omitempty"` // a JSON object
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// auditList returns a page of the organization's audit log (with its
// members' sign-ins), newest first, or with ?format=csv every entry the
// filter selects as CSV (itself audited).
func (h *Handler) auditList(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	q, err := auditQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	csv := r.URL.Query().Get("format") == "csv"
	if csv {
		q.Page, q.PerPage = 0, 0
	}
	lines, total, err := h.Audit.List(r.Context(), ws.Org.ID, q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if csv {
		var buf bytes.Buffer
		if err := audit.WriteCSV(&buf, lines); err != nil {
			h.fail(w, r, err)
			return
		}
		if err := h.Audit.Record(r.Context(), audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.AuditExport,
			Details: map[string]any{"entries": len(lines)}}); err != nil {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Write(buf.Bytes())
		return
	}
	out := []AuditEntry{}
	for _, l := range lines {
		out = append(out, AuditEntry{Seq: l.Seq, At: l.At, ActorID: l.ActorID, Actor: l.Actor, Action: l.AuditEntry.Action,
			Target: l.Target, Details: l.Details, PrevHash: hex.EncodeToString(l.PrevHash), Hash: hex.EncodeToString(l.Hash)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out, "total": total, "page": q.Page, "per_page": q.PerPage})
}

// auditQuery reads actor, action, from, to (YYYY-MM-DD, inclusive), page
// and per_page.
func auditQuery(r *http.Request) (audit.Query, error) {
	v := r.URL.Query()
	var q audit.Query
	if s := v.Get("actor"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return q, apperr.New(apperr.Invalid, "Query parameter actor must be a user id.")
		}
		q.ActorID = id
	}
	q.Action = v.Get("action")
	for _, d := range []struct {
		name string
		dst  *time.Time
		days int
	}{{"from", &q.From, 0}, {"to", &q.To, 1}} {
		if s := v.Get(d.name); s != "" {
			t, err := time.Parse("2006-01-02", s)
			if err != nil {
				return q, apperr.New(apperr.Invalid, "Query parameter %s must be a date (YYYY-MM-DD).", d.name)
			}
			*d.dst = t.AddDate(0, 0, d.days)
		}
	}
	page, err := queryInt(r, "page")
	if err != nil {
		return q, err
	}
	perPage, err := queryInt(r, "per_page")
	if err != nil {
		return q, err
	}
	q.Page, q.PerPage = max(1, page), perPage
	if q.PerPage == 0 {
		q.PerPage = 50
	}
	return q, nil
}
