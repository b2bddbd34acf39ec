package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/medcode/medcode/internal/store"
)

// reportColumns are read from reports r joined to their workspace w.
const reportColumns = `r.id, coalesce(w.org_id, 0), coalesce(r.created_by, 0), r.status, r.stage, r.error, r.files, r.bytes, r.key_id,
	r.summary, r.created_at, r.started_at, r.finished_at, r.seen_at`

const reportFrom = " FROM reports r JOIN workspaces w ON w.id = r.workspace_id"

// scanReport reads reportColumns and then blob, when given (the body or
// the PDF).
func scanReport(row pgx.Row, blob *[]byte) (*store.Report, error) {
	var r store.Report
	var status string
	var started, finished, seen pgtype.Timestamptz
	dest := []any{&r.ID, &r.OrgID, &r.CreatedBy, &status, &r.Stage, &r.Error, &r.Files, &r.Bytes, &r.KeyID,
		&r.Summary, &r.CreatedAt, &started, &finished, &seen}
	if blob != nil {
		dest = append(dest, blob)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.Status = store.ReportStatus(status)
	r.CreatedAt, r.StartedAt, r.FinishedAt, r.SeenAt = r.CreatedAt.UTC(), fromNull(started), fromNull(finished), fromNull(seen)
	return &r, nil
}

func collectReports(rows pgx.Rows) ([]store.Report, error) {
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Report, error) {
		r, err := scanReport(row, nil)
		if err != nil {
			return store.Report{}, err
		}
		return *r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: listing reports: %w", err)
	}
	return out, nil
}

// CreateReport inserts a queued report and its uploads.
func (db *DB) CreateReport(ctx context.Context, s store.Scope, r *store.Report, uploads []store.ReportUpload) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		ws, err := workspaceOf(ctx, tx, s)
		if err != nil {
			return err
		}
		r.OrgID, r.CreatedBy = s.OrgID, s.UserID
		_, err = tx.Exec(ctx, `INSERT INTO reports (id, workspace_id, created_by, status, stage, files, bytes, key_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.ID, ws, r.CreatedBy, string(r.Status), r.Stage, r.Files, r.Bytes, r.KeyID, r.CreatedAt)
		if err != nil {
			return fmt.Errorf("postgres: inserting report: %w", err)
		}
		for _, u := range uploads {
			if _, err := tx.Exec(ctx, "INSERT INTO report_uploads (report_id, seq, kind, sealed) VALUES ($1, $2, $3, $4)",
				r.ID, u.Seq, u.Kind, u.Sealed); err != nil {
				return fmt.Errorf("postgres: storing report uploads: %w", err)
			}
		}
		return nil
	})
}

// Report returns one report of the scope.
func (db *DB) Report(ctx context.Context, s store.Scope, id string) (*store.Report, error) {
	where, args := inScope(s, 1, id)
	r, err := scanReport(db.pool.QueryRow(ctx, "SELECT "+reportColumns+reportFrom+" WHERE r."+where+" AND r.id = "+after(s, 0), args...), nil)
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
	where, args := inScope(s, 1, id, string(store.ReportDone))
	var blob []byte
	r, err := scanReport(db.pool.QueryRow(ctx, "SELECT "+reportColumns+", r."+col+reportFrom+" WHERE r."+where+
		" AND r.id = "+after(s, 0)+" AND r.status = "+after(s, 1), args...), &blob)
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
	where, args := inScope(s, 1, limit)
	rows, err := db.pool.Query(ctx, "SELECT "+reportColumns+reportFrom+" WHERE r."+where+" ORDER BY r.created_at DESC, r.seq DESC LIMIT "+after(s, 0), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing reports: %w", err)
	}
	return collectReports(rows)
}

// DeleteReport removes a report of the scope and its uploads.
func (db *DB) DeleteReport(ctx context.Context, s store.Scope, id string) error {
	where, args := inScope(s, 1, id)
	tag, err := db.pool.Exec(ctx, "DELETE FROM reports WHERE id = "+after(s, 0)+" AND "+where, args...)
	if err != nil {
		return fmt.Errorf("postgres: deleting report: %w", err)
	}
	return affectedOne(tag, "report")
}

// MarkReportSeen records the first opening of a finished report.
func (db *DB) MarkReportSeen(ctx context.Context, s store.Scope, id string, now time.Time) error {
	where, args := inScope(s, 1, id, now, string(store.ReportDone), string(store.ReportFailed))
	_, err := db.pool.Exec(ctx, "UPDATE reports SET seen_at = "+after(s, 1)+" WHERE id = "+after(s, 0)+
		" AND seen_at IS NULL AND status IN ("+after(s, 2)+", "+after(s, 3)+") AND "+where, args...)
	if err != nil {
		return fmt.Errorf("postgres: marking report seen: %w", err)
	}
	return nil
}

// UnseenReports lists the user's finished reports not opened yet.
func (db *DB) UnseenReports(ctx context.Context, userID int64) ([]store.Report, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+reportColumns+reportFrom+` WHERE r.created_by = $1 AND r.seen_at IS NULL AND r.status IN ($2, $3)
		AND (w.user_id = r.created_by OR EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = w.org_id AND m.user_id = r.created_by))
		ORDER BY r.created_at DESC, r.seq DESC`, userID, string(store.ReportDone), string(store.ReportFailed))
	if err != nil {
		return nil, fmt.Errorf("postgres: listing reports: %w", err)
	}
	return collectReports(rows)
}

// StartReport marks a waiting report running and returns its uploads.
// The row lock keeps two workers from starting one report at once.
func (db *DB) StartReport(ctx context.Context, id string, now time.Time) (*store.Report, []store.ReportUpload, error) {
	var r *store.Report
	var uploads []store.ReportUpload
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		r, err = scanReport(tx.QueryRow(ctx, "SELECT "+reportColumns+reportFrom+" WHERE r.id = $1 FOR UPDATE OF r", id), nil)
		if err != nil {
			return notFound("report", err)
		}
		if r.Status == store.ReportDone || r.Status == store.ReportFailed {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE reports SET status = $1, started_at = $2 WHERE id = $3", string(store.ReportRunning), now, id); err != nil {
			return fmt.Errorf("postgres: starting report: %w", err)
		}
		r.Status, r.StartedAt = store.ReportRunning, now
		rows, err := tx.Query(ctx, "SELECT seq, kind, sealed FROM report_uploads WHERE report_id = $1 ORDER BY seq", id)
		if err != nil {
			return fmt.Errorf("postgres: reading report uploads: %w", err)
		}
		uploads, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.ReportUpload, error) {
			var u store.ReportUpload
			err := row.Scan(&u.Seq, &u.Kind, &u.Sealed)
			return u, err
		})
		if err != nil {
			return fmt.Errorf("postgres: reading report uploads: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return r, uploads, nil
}

// ReportStage records the progress of a running report.
func (db *DB) ReportStage(ctx context.Context, id, stage string) error {
	if _, err := db.pool.Exec(ctx, "UPDATE reports SET stage = $1 WHERE id = $2 AND status = $3", stage, id, string(store.ReportRunning)); err != nil {
		return fmt.Errorf("postgres: recording report progress: %w", err)
	}
	return nil
}

// FinishReport stores a built report and deletes its uploads.
func (db *DB) FinishReport(ctx context.Context, id string, res store.ReportResult, now time.Time) error {
	return db.endReport(ctx, id, `UPDATE reports SET status = $1, stage = '', key_id = $2, summary = $3, body = $4, pdf = $5, finished_at = $6
		WHERE id = $7`, string(store.ReportDone), res.KeyID, res.Summary, res.Body, res.PDF, now, id)
}

// FailReport marks a report failed and deletes its uploads.
func (db *DB) FailReport(ctx context.Context, id, reason string, now time.Time) error {
	return db.endReport(ctx, id, "UPDATE reports SET status = $1, stage = '', error = $2, finished_at = $3 WHERE id = $4",
		string(store.ReportFailed), reason, now, id)
}

// endReport runs the update that ends a report and deletes its uploads in
// one transaction.
func (db *DB) endReport(ctx context.Context, id, update string, args ...any) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, update, args...)
		if err != nil {
			return fmt.Errorf("postgres: ending report: %w", err)
		}
		if err := affectedOne(tag, "report"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM report_uploads WHERE report_id = $1", id); err != nil {
			return fmt.Errorf("postgres: deleting report uploads: %w", err)
		}
		return nil
	})
}

// AbandonReports fails the reports waiting since before.
func (db *DB) AbandonReports(ctx context.Context, before time.Time, reason string, now time.Time) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE reports SET status = $1, stage = '', error = $2, finished_at = $3
			WHERE status IN ($4, $5) AND created_at < $6 RETURNING id`,
			string(store.ReportFailed), reason, now, string(store.ReportQueued), string(store.ReportRunning), before)
		if err != nil {
			return fmt.Errorf("postgres: abandoning reports: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("postgres: abandoning reports: %w", err)
		}
		n = len(ids)
		if _, err := tx.Exec(ctx, "DELETE FROM report_uploads WHERE report_id = ANY($1)", ids); err != nil {
			return fmt.Errorf("postgres: deleting report uploads: %w", err)
		}
		return nil
	})
	return n, err
}

// PurgeReports deletes the reports past their organization's retention.
func (db *DB) PurgeReports(ctx context.Context, now time.Time) ([]store.ReportPurge, error) {
	rows, err := db.pool.Query(ctx, `WITH purged AS (
			DELETE FROM reports r USING workspaces w, orgs o
			WHERE w.id = r.workspace_id AND o.id = w.org_id AND o.retention_days > 0
			AND r.created_at < $1::timestamptz - make_interval(days => o.retention_days)
			RETURNING o.id AS org_id)
		SELECT org_id, count(*) FROM purged GROUP BY org_id ORDER BY org_id`, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: purging reports: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.ReportPurge, error) {
		var p store.ReportPurge
		err := row.Scan(&p.OrgID, &p.Reports)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: purging reports: %w", err)
	}
	return out, nil
}
