package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/medcode/medcode/internal/store"
)

// reportColumns are read from reports r joined to their workspace w.
const reportColumns = `r.id, coalesce(w.org_id, 0), coalesce(r.created_by, 0), r.status, r.stage, r.error, r.files, r.bytes, r.key_id,
	r.summary, r.created_at, r.started_at, r.finished_at, r.seen_at`

const reportFrom = " FROM reports r JOIN workspaces w ON w.id = r.workspace_id"

// scanReport reads reportColumns and then blob, when given (the body or
// the PDF).
func scanReport(row scanner, blob *[]byte) (*store.Report, error) {
	var r store.Report
	var status string
	var created, started, finished, seen int64
	dest := []any{&r.ID, &r.OrgID, &r.CreatedBy, &status, &r.Stage, &r.Error, &r.Files, &r.Bytes, &r.KeyID,
		&r.Summary, &created, &started, &finished, &seen}
	if blob != nil {
		dest = append(dest, blob)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.Status = store.ReportStatus(status)
	r.CreatedAt, r.StartedAt, r.FinishedAt, r.SeenAt = fromMillis(created), fromMillis(started), fromMillis(finished), fromMillis(seen)
	return &r, nil
}

// CreateReport inserts a queued report and its uploads.
func (db *DB) CreateReport(ctx context.Context, s store.Scope, r *store.Report, uploads []store.ReportUpload) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		ws, err := db.workspaceID(ctx, tx, s)
		if err != nil {
			return err
		}
		r.OrgID, r.CreatedBy = s.OrgID, s.UserID
		_, err = tx.ExecContext(ctx, `INSERT INTO reports (id, workspace_id, created_by, status, stage, files, bytes, key_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, ws, r.CreatedBy, string(r.Status), r.Stage, r.Files, r.Bytes, r.KeyID, millis(r.CreatedAt))
		if err != nil {
			return fmt.Errorf("sqlite: inserting report: %w", err)
		}
		for _, u := range uploads {
			if _, err := tx.ExecContext(ctx, "INSERT INTO report_uploads (report_id, seq, kind, sealed) VALUES (?, ?, ?, ?)",
				r.ID, u.Seq, u.Kind, u.Sealed); err != nil {
				return fmt.Errorf("sqlite: storing report uploads: %w", err)
			}
		}
		return nil
	})
}

// Report returns one report of the scope.
func (db *DB) Report(ctx context.Context, s store.Scope, id string) (*store.Report, error) {
	where, args := inScope(s, id)
	r, err := scanReport(db.readRow(ctx, "SELECT "+reportColumns+reportFrom+" WHERE r."+where+" AND r.id = ?", args...), nil)
	if err != nil {
		return nil, notFound("report", err)
	}
	return r, nil
}

// reportWithBlob returns one done report of the scope with its body
// (pdf false) or its PDF.
func (db *DB) reportWithBlob(ctx context.Context, s store.Scope, id string, pdf bool) (*store.Report, error) {
	col := "body"
	if pdf {
		col = "pdf"
	}
	where, args := inScope(s, id, string(store.ReportDone))
	var blob []byte
	r, err := scanReport(db.readRow(ctx, "SELECT "+reportColumns+", r."+col+reportFrom+" WHERE r."+where+" AND r.id = ? AND r.status = ?", args...), &blob)
	if err != nil {
		return nil, notFound("report", err)
	}
	if pdf {
		r.PDF = blob
	} else {
		r.Body = blob
	}
	return r, nil
}

// ReportBody returns a done report of the scope with its body.
func (db *DB) ReportBody(ctx context.Context, s store.Scope, id string) (*store.Report, error) {
	return db.reportWithBlob(ctx, s, id, false)
}

// ReportPDF returns a done report of the scope with its PDF.
func (db *DB) ReportPDF(ctx context.Context, s store.Scope, id string) (*store.Report, error) {
	return db.reportWithBlob(ctx, s, id, true)
}

// ListReports returns the scope's newest reports.
func (db *DB) ListReports(ctx context.Context, s store.Scope, limit int) ([]store.Report, error) {
	where, args := inScope(s, limit)
	return db.reports(ctx, "SELECT "+reportColumns+reportFrom+" WHERE r."+where+" ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?", args...)
}

func (db *DB) reports(ctx context.Context, q string, args ...any) ([]store.Report, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing reports: %w", err)
	}
	defer rows.Close()
	var out []store.Report
	for rows.Next() {
		r, err := scanReport(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing reports: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// DeleteReport removes a report of the scope and its uploads.
func (db *DB) DeleteReport(ctx context.Context, s store.Scope, id string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		where, args := inScope(s)
		res, err := tx.ExecContext(ctx, "DELETE FROM reports WHERE id = ? AND "+where, append([]any{id}, args...)...)
		if err != nil {
			return fmt.Errorf("sqlite: deleting report: %w", err)
		}
		return affectedOne(res, "report")
	})
	if err != nil {
		return err
	}
	return db.checkpoint(ctx)
}

// MarkReportSeen records the first opening of a finished report.
func (db *DB) MarkReportSeen(ctx context.Context, s store.Scope, id string, now time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		where, args := inScope(s)
		_, err := tx.ExecContext(ctx, "UPDATE reports SET seen_at = ? WHERE id = ? AND seen_at = 0 AND status IN (?, ?) AND "+where,
			append([]any{millis(now), id, string(store.ReportDone), string(store.ReportFailed)}, args...)...)
		if err != nil {
			return fmt.Errorf("sqlite: marking report seen: %w", err)
		}
		return nil
	})
}

// UnseenReports lists the user's finished reports not opened yet.
func (db *DB) UnseenReports(ctx context.Context, userID int64) ([]store.Report, error) {
	return db.reports(ctx, "SELECT "+reportColumns+reportFrom+` WHERE r.created_by = ? AND r.seen_at = 0 AND r.status IN (?, ?)
		AND (w.user_id = r.created_by OR EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = w.org_id AND m.user_id = r.created_by))
		ORDER BY r.created_at DESC, r.rowid DESC`, userID, string(store.ReportDone), string(store.ReportFailed))
}

// StartReport marks a waiting report running and returns its uploads.
func (db *DB) StartReport(ctx context.Context, id string, now time.Time) (*store.Report, []store.ReportUpload, error) {
	var r *store.Report
	var uploads []store.ReportUpload
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanReport(tx.QueryRowContext(ctx, "SELECT "+reportColumns+reportFrom+" WHERE r.id = ?", id), nil)
		if err != nil {
			return notFound("report", err)
		}
		if r.Status == store.ReportDone || r.Status == store.ReportFailed {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE reports SET status = ?, started_at = ? WHERE id = ?", string(store.ReportRunning), millis(now), id); err != nil {
			return fmt.Errorf("sqlite: starting report: %w", err)
		}
		r.Status, r.StartedAt = store.ReportRunning, now
		rows, err := tx.QueryContext(ctx, "SELECT seq, kind, sealed FROM report_uploads WHERE report_id = ? ORDER BY seq", id)
		if err != nil {
			return fmt.Errorf("sqlite: reading report uploads: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var u store.ReportUpload
			if err := rows.Scan(&u.Seq, &u.Kind, &u.Sealed); err != nil {
				return fmt.Errorf("sqlite: reading report uploads: %w", err)
			}
			uploads = append(uploads, u)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	return r, uploads, nil
}

// ReportStage records the progress of a running report.
func (db *DB) ReportStage(ctx context.Context, id, stage string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE reports SET stage = ? WHERE id = ? AND status = ?", stage, id, string(store.ReportRunning)); err != nil {
			return fmt.Errorf("sqlite: recording report progress: %w", err)
		}
		return nil
	})
}

// FinishReport stores a built report and deletes its uploads.
func (db *DB) FinishReport(ctx context.Context, id string, res store.ReportResult, now time.Time) error {
	return db.endReport(ctx, id, now, `UPDATE reports SET status = ?, stage = '', key_id = ?, summary = ?, body = ?, pdf = ?, finished_at = ?
		WHERE id = ?`, string(store.ReportDone), res.KeyID, res.Summary, res.Body, res.PDF, millis(now), id)
}

// FailReport marks a report failed and deletes its uploads.
func (db *DB) FailReport(ctx context.Context, id, reason string, now time.Time) error {
	return db.endReport(ctx, id, now, "UPDATE reports SET status = ?, stage = '', error = ?, finished_at = ? WHERE id = ?",
		string(store.ReportFailed), reason, millis(now), id)
}

// endReport runs the update that ends a report and deletes its uploads in
// one transaction, then checkpoints so the uploads leave the WAL too.
func (db *DB) endReport(ctx context.Context, id string, now time.Time, update string, args ...any) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, update, args...)
		if err != nil {
			return fmt.Errorf("sqlite: ending report: %w", err)
		}
		if err := affectedOne(res, "report"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM report_uploads WHERE report_id = ?", id); err != nil {
			return fmt.Errorf("sqlite: deleting report uploads: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return db.checkpoint(ctx)
}

// AbandonReports fails the reports waiting since before.
func (db *DB) AbandonReports(ctx context.Context, before time.Time, reason string, now time.Time) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE reports SET status = ?, stage = '', error = ?, finished_at = ? WHERE status IN (?, ?) AND created_at < ?",
			string(store.ReportFailed), reason, millis(now), string(store.ReportQueued), string(store.ReportRunning), millis(before))
		if err != nil {
			return fmt.Errorf("sqlite: abandoning reports: %w", err)
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlite: abandoning reports: %w", err)
		}
		n = int(affected)
		if _, err := tx.ExecContext(ctx, "DELETE FROM report_uploads WHERE report_id IN (SELECT id FROM reports WHERE status <> ? AND status <> ?)",
			string(store.ReportQueued), string(store.ReportRunning)); err != nil {
			return fmt.Errorf("sqlite: deleting report uploads: %w", err)
		}
		return nil
	})
	if err != nil || n == 0 {
		return n, err
	}
	return n, db.checkpoint(ctx)
}

// PurgeReports deletes the reports past their organization's retention.
func (db *DB) PurgeReports(ctx context.Context, now time.Time) ([]store.ReportPurge, error) {
	var out []store.ReportPurge
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT o.id, w.id, o.retention_days FROM orgs o JOIN workspaces w ON w.org_id = o.id
			WHERE o.retention_days > 0 ORDER BY o.id`)
		if err != nil {
			return fmt.Errorf("sqlite: finding organizations to purge: %w", err)
		}
		type target struct {
			org, workspace int64
			days           int
		}
		var targets []target
		for rows.Next() {
			var t target
			if err := rows.Scan(&t.org, &t.workspace, &t.days); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: finding organizations to purge: %w", err)
			}
			targets = append(targets, t)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("sqlite: finding organizations to purge: %w", err)
		}
		for _, t := range targets {
			res, err := tx.ExecContext(ctx, "DELETE FROM reports WHERE workspace_id = ? AND created_at < ?",
				t.workspace, millis(now.Add(-time.Duration(t.days)*24*time.Hour)))
			if err != nil {
				return fmt.Errorf("sqlite: purging reports: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				out = append(out, store.ReportPurge{OrgID: t.org, Reports: int(n)})
			}
		}
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	return out, db.checkpoint(ctx)
}
