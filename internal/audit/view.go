package audit

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// Line is one entry as the viewer shows it.
type Line struct {
	store.AuditEntry
	Action Action
	Actor  string // the actor's email, "medcode", or the id of a deleted account
}

// Query selects an organization's entries for the viewer.
type Query struct {
	ActorID  int64
	Action   string // an Action, or a group prefix ending in "."
	From, To time.Time
	Page     int // 1-based; 0 with PerPage 0 means every entry
	PerPage  int
}

// maxPerPage bounds one page of the viewer.
const maxPerPage = 200

// List returns a page of an organization's entries, newest first, with
// its members' sign-ins, and the number of entries the query selects.
func (l *Log) List(ctx context.Context, orgID int64, q Query) ([]Line, int, error) {
	if q.PerPage < 0 || q.PerPage > maxPerPage || q.Page < 0 {
		return nil, 0, apperr.New(apperr.Invalid, "A page holds 1 to %d entries.", maxPerPage)
	}
	if !q.To.IsZero() && q.To.Before(q.From) {
		return nil, 0, apperr.New(apperr.Invalid, "The end of the period is before its start.")
	}
	f := store.AuditFilter{OrgID: orgID, MemberSignIns: true, SignInActions: SignInActions, ActorID: q.ActorID,
		Action: q.Action, From: q.From, To: q.To, Limit: q.PerPage}
	if q.Page > 1 {
		f.Offset = (q.Page - 1) * q.PerPage
	}
	entries, total, err := l.db.ListAudit(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	actors := map[int64]string{0: "medcode"}
	lines := make([]Line, len(entries))
	for i, e := range entries {
		name, ok := actors[e.ActorID]
		if !ok {
			u, err := l.db.UserByID(ctx, e.ActorID)
			switch {
			case err == nil:
				name = u.Email
			case apperr.Is(err, apperr.NotFound):
				name = fmt.Sprintf("deleted account #%d", e.ActorID)
			default:
				return nil, 0, err
			}
			actors[e.ActorID] = name
		}
		lines[i] = Line{AuditEntry: e, Action: Action(e.Action), Actor: name}
	}
	return lines, total, nil
}

// csvHeader names the CSV columns.
var csvHeader = []string{"seq", "time", "organization", "actor_id", "actor", "action", "target", "details", "prev_hash", "hash"}

// WriteCSV writes lines as CSV with a header; the hashes let an auditor
// check the exported chain.
func WriteCSV(w io.Writer, lines []Line) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("audit: writing CSV: %w", err)
	}
	for _, l := range lines {
		rec := []string{strconv.FormatInt(l.Seq, 10), l.At.UTC().Format(time.RFC3339Nano), strconv.FormatInt(l.OrgID, 10),
			strconv.FormatInt(l.ActorID, 10), cell(l.Actor), string(l.Action), cell(l.Target), cell(l.Details),
			hex.EncodeToString(l.PrevHash), hex.EncodeToString(l.Hash)}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("audit: writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("audit: writing CSV: %w", err)
	}
	return nil
}

// cell keeps a spreadsheet from reading a text value as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
