package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// PublishPolicy records a new policy version; the same version again is a
// no-op, with other text a Conflict.
func (db *DB) PublishPolicy(ctx context.Context, v *store.PolicyVersion) (bool, error) {
	published := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var sum string
		err := tx.QueryRowContext(ctx, "SELECT sha256 FROM policy_versions WHERE document = ? AND version = ?",
			v.Document, v.Version).Scan(&sum)
		switch {
		case err == nil && sum == v.SHA256:
			return nil
		case err == nil:
			return apperr.New(apperr.Conflict, "%s version %s is already published with other text", v.Document, v.Version)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlite: reading policy version: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO policy_versions (document, version, material, summary, body, sha256, published_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, v.Document, v.Version, v.Material, v.Summary, v.Body, v.SHA256, millis(v.PublishedAt))
		if err != nil {
			return fmt.Errorf("sqlite: publishing policy version: %w", err)
		}
		published = true
		return nil
	})
	return published, err
}

// PolicyVersions lists a document's versions newest first, without Body.
func (db *DB) PolicyVersions(ctx context.Context, document string) ([]store.PolicyVersion, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT document, version, material, summary, sha256, published_at
		FROM policy_versions WHERE document = ? ORDER BY published_at DESC, rowid DESC`, document)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing policy versions: %w", err)
	}
	defer rows.Close()
	var out []store.PolicyVersion
	for rows.Next() {
		var v store.PolicyVersion
		var at int64
		if err := rows.Scan(&v.Document, &v.Version, &v.Material, &v.Summary, &v.SHA256, &at); err != nil {
			return nil, fmt.Errorf("sqlite: listing policy versions: %w", err)
		}
		v.PublishedAt = fromMillis(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// PolicyVersion returns one version with its text.
func (db *DB) PolicyVersion(ctx context.Context, document, version string) (*store.PolicyVersion, error) {
	var v store.PolicyVersion
	var at int64
	err := db.read.QueryRowContext(ctx, `SELECT document, version, material, summary, body, sha256, published_at
		FROM policy_versions WHERE document = ? AND version = ?`, document, version).
		Scan(&v.Document, &v.Version, &v.Material, &v.Summary, &v.Body, &v.SHA256, &at)
	if err != nil {
		return nil, notFound("policy version", err)
	}
	v.PublishedAt = fromMillis(at)
	return &v, nil
}

// AcceptPolicies records acceptances, keeping the first time of each.
func (db *DB) AcceptPolicies(ctx context.Context, userID int64, accepted []store.PolicyAcceptance) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, a := range accepted {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM policy_versions WHERE document = ? AND version = ?", a.Document, a.Version).Scan(&one)
			if err != nil {
				return notFound("policy version", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO policy_acceptances (user_id, document, version, accepted_at)
				VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, userID, a.Document, a.Version, millis(a.AcceptedAt)); err != nil {
				return fmt.Errorf("sqlite: recording policy acceptance: %w", err)
			}
		}
		return nil
	})
}

// PolicyAcceptances lists a user's acceptances, oldest first.
func (db *DB) PolicyAcceptances(ctx context.Context, userID int64) ([]store.PolicyAcceptance, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT document, version, accepted_at FROM policy_acceptances
		WHERE user_id = ? ORDER BY accepted_at, rowid`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing policy acceptances: %w", err)
	}
	defer rows.Close()
	var out []store.PolicyAcceptance
	for rows.Next() {
		var a store.PolicyAcceptance
		var at int64
		if err := rows.Scan(&a.Document, &a.Version, &at); err != nil {
			return nil, fmt.Errorf("sqlite: listing policy acceptances: %w", err)
		}
		a.AcceptedAt = fromMillis(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ConfirmAdult records the 18-or-older confirmation (the first one stays).
func (db *DB) ConfirmAdult(ctx context.Context, userID int64, at time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO adult_confirmations (user_id, confirmed_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
			userID, millis(at))
		if err != nil {
			return fmt.Errorf("sqlite: recording age confirmation: %w", err)
		}
		return nil
	})
}

// AdultConfirmedAt is when the user confirmed being 18 or older.
func (db *DB) AdultConfirmedAt(ctx context.Context, userID int64) (time.Time, error) {
	var at int64
	err := db.read.QueryRowContext(ctx, "SELECT confirmed_at FROM adult_confirmations WHERE user_id = ?", userID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: reading age confirmation: %w", err)
	}
	return fromMillis(at), nil
}
