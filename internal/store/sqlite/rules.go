package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/medcode/medcode/internal/store"
)

// SaveRuleSet appends the next version of an organization's rules.
func (db *DB) SaveRuleSet(ctx context.Context, rs *store.RuleSet) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO rule_sets (org_id, version, source, author_id, created_at)
			VALUES (?, (SELECT coalesce(max(version), 0) + 1 FROM rule_sets WHERE org_id = ?), ?, ?, ?) RETURNING version`,
			rs.OrgID, rs.OrgID, rs.Source, rs.AuthorID, millis(rs.CreatedAt)).Scan(&rs.Version)
		if err != nil {
			return fmt.Errorf("sqlite: saving rules: %w", err)
		}
		return nil
	})
}

// RuleSet returns one version, or the current one for version 0.
func (db *DB) RuleSet(ctx context.Context, orgID int64, version int) (*store.RuleSet, error) {
	rs := store.RuleSet{OrgID: orgID}
	var created int64
	row := db.readRow(ctx, `SELECT version, source, author_id, created_at FROM rule_sets
		WHERE org_id = ? AND (version = ? OR ? = 0) ORDER BY version DESC LIMIT 1`, orgID, version, version)
	if err := row.Scan(&rs.Version, &rs.Source, &rs.AuthorID, &created); err != nil {
		return nil, notFound("rules", err)
	}
	rs.CreatedAt = fromMillis(created)
	return &rs, nil
}

// RuleSetVersions lists the versions newest first, without their source.
func (db *DB) RuleSetVersions(ctx context.Context, orgID int64) ([]store.RuleSet, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT version, author_id, created_at FROM rule_sets WHERE org_id = ? ORDER BY version DESC", orgID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing rule versions: %w", err)
	}
	defer rows.Close()
	var out []store.RuleSet
	for rows.Next() {
		rs := store.RuleSet{OrgID: orgID}
		var created int64
		if err := rows.Scan(&rs.Version, &rs.AuthorID, &created); err != nil {
			return nil, fmt.Errorf("sqlite: listing rule versions: %w", err)
		}
		rs.CreatedAt = fromMillis(created)
		out = append(out, rs)
	}
	return out, rows.Err()
}
