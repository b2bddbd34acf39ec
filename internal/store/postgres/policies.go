package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// PublishPolicy records a new policy version; the same version again is a
// no-op, with other text a Conflict.
func (db *DB) PublishPolicy(ctx context.Context, v *store.PolicyVersion) (bool, error) {
	var inserted bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO policy_versions (document, version, material, summary, body, sha256, published_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (document, version) DO NOTHING`,
			v.Document, v.Version, v.Material, v.Summary, v.Body, v.SHA256, v.PublishedAt)
		if err != nil {
			return fmt.Errorf("postgres: publishing policy version: %w", err)
		}
		if tag.RowsAffected() == 1 {
			inserted = true
			return nil
		}
		var sum string
		if err := tx.QueryRow(ctx, "SELECT sha256 FROM policy_versions WHERE document = $1 AND version = $2",
			v.Document, v.Version).Scan(&sum); err != nil {
			return fmt.Errorf("postgres: reading policy version: %w", err)
		}
		if sum != v.SHA256 {
			return apperr.New(apperr.Conflict, "%s version %s is already published with other text", v.Document, v.Version)
		}
		return nil
	})
	return inserted, err
}

// PolicyVersions lists a document's versions newest first, without Body.
func (db *DB) PolicyVersions(ctx context.Context, document string) ([]store.PolicyVersion, error) {
	rows, err := db.pool.Query(ctx, `SELECT document, version, material, summary, sha256, published_at
		FROM policy_versions WHERE document = $1 ORDER BY published_at DESC, seq DESC`, document)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing policy versions: %w", err)
	}
	defer rows.Close()
	var out []store.PolicyVersion
	for rows.Next() {
		var v store.PolicyVersion
		if err := rows.Scan(&v.Document, &v.Version, &v.Material, &v.Summary, &v.SHA256, &v.PublishedAt); err != nil {
			return nil, fmt.Errorf("postgres: listing policy versions: %w", err)
		}
		v.PublishedAt = v.PublishedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// PolicyVersion returns one version with its text.
func (db *DB) PolicyVersion(ctx context.Context, document, version string) (*store.PolicyVersion, error) {
	var v store.PolicyVersion
	err := db.pool.QueryRow(ctx, `SELECT document, version, material, summary, body, sha256, published_at
		FROM policy_versions WHERE document = $1 AND version = $2`, document, version).
		Scan(&v.Document, &v.Version, &v.Material, &v.Summary, &v.Body, &v.SHA256, &v.PublishedAt)
	if err != nil {
		return nil, notFound("policy version", err)
	}
	v.PublishedAt = v.PublishedAt.UTC()
	return &v, nil
}

// AcceptPolicies records acceptances, keeping the first time of each.
func (db *DB) AcceptPolicies(ctx context.Context, userID int64, accepted []store.PolicyAcceptance) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		for _, a := range accepted {
			var one int
			err := tx.QueryRow(ctx, "SELECT 1 FROM policy_versions WHERE document = $1 AND version = $2", a.Document, a.Version).Scan(&one)
			if err != nil {
				return notFound("policy version", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO policy_acceptances (user_id, document, version, accepted_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, userID, a.Document, a.Version, a.AcceptedAt); err != nil {
				return fmt.Errorf("postgres: recording policy acceptance: %w", err)
			}
		}
		return nil
	})
}

// PolicyAcceptances lists a user's acceptances, oldest first.
func (db *DB) PolicyAcceptances(ctx context.Context, userID int64) ([]store.PolicyAcceptance, error) {
	rows, err := db.pool.Query(ctx, `SELECT document, version, accepted_at FROM policy_acceptances
		WHERE user_id = $1 ORDER BY accepted_at, seq`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing policy acceptances: %w", err)
	}
	defer rows.Close()
	var out []store.PolicyAcceptance
	for rows.Next() {
		var a store.PolicyAcceptance
		if err := rows.Scan(&a.Document, &a.Version, &a.AcceptedAt); err != nil {
			return nil, fmt.Errorf("postgres: listing policy acceptances: %w", err)
		}
		a.AcceptedAt = a.AcceptedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// ConfirmAdult records the 18-or-older confirmation (the first one stays).
func (db *DB) ConfirmAdult(ctx context.Context, userID int64, at time.Time) error {
	if _, err := db.pool.Exec(ctx, "INSERT INTO adult_confirmations (user_id, confirmed_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
		userID, at); err != nil {
		return fmt.Errorf("postgres: recording age confirmation: %w", err)
	}
	return nil
}

// AdultConfirmedAt is when the user confirmed being 18 or older.
func (db *DB) AdultConfirmedAt(ctx context.Context, userID int64) (time.Time, error) {
	var at time.Time
	err := db.pool.QueryRow(ctx, "SELECT confirmed_at FROM adult_confirmations WHERE user_id = $1", userID).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: reading age confirmation: %w", err)
	}
	return at.UTC(), nil
}
