package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/medcode/medcode/internal/store"
)

// SaveRuleSet appends the next version of an organization's rules. The
// organization's row lock makes concurrent saves number one after another.
func (db *DB) SaveRuleSet(ctx context.Context, rs *store.RuleSet) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE", rs.OrgID); err != nil {
			return fmt.Errorf("postgres: saving rules: %w", err)
		}
		err := tx.QueryRow(ctx, `INSERT INTO rule_sets (org_id, version, source, author_id, created_at)
			VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM rule_sets WHERE org_id = $1), $2, $3, $4) RETURNING version`,
			rs.OrgID, rs.Source, rs.AuthorID, rs.CreatedAt).Scan(&rs.Version)
		if err != nil {
			return fmt.Errorf("postgres: saving rules: %w", err)
		}
		return nil
	})
}

// RuleSet returns one version, or the current one for version 0.
func (db *DB) RuleSet(ctx context.Context, orgID int64, version int) (*store.RuleSet, error) {
	rs := store.RuleSet{OrgID: orgID}
	err := db.pool.QueryRow(ctx, `SELECT version, source, author_id, created_at FROM rule_sets
		WHERE org_id = $1 AND (version = $2 OR $2 = 0) ORDER BY version DESC LIMIT 1`, orgID, version).
		Scan(&rs.Version, &rs.Source, &rs.AuthorID, &rs.CreatedAt)
	if err != nil {
		return nil, notFound("rules", err)
	}
	rs.CreatedAt = rs.CreatedAt.UTC()
	return &rs, nil
}

// RuleSetVersions lists the versions newest first, without their source.
func (db *DB) RuleSetVersions(ctx context.Context, orgID int64) ([]store.RuleSet, error) {
	rows, err := db.pool.Query(ctx, "SELECT version, author_id, created_at FROM rule_sets WHERE org_id = $1 ORDER BY version DESC", orgID)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing rule versions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.RuleSet, error) {
		rs := store.RuleSet{OrgID: orgID}
		err := r.Scan(&rs.Version, &rs.AuthorID, &rs.CreatedAt)
		rs.CreatedAt = rs.CreatedAt.UTC()
		return rs, err
	})
}
