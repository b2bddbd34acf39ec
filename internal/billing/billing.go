// Package billing is the biller's side of an organization's workspace:
// claims made from coded analyses or imported from CSV or 837P, checked
// by the scrubber, edited, exported as 837P batches, and the payers' 835
// remittances posted to them.
//
// Privacy: a claim, a remittance and the billing secret are sealed with
// the server's keys before they reach the store. Outside a Business
// Associate Agreement claims are de-identified on the way in (age, sex and
// a keyed pseudonym instead of the patient's identity) and remittances
// lose the patient's name and member id. The store finds a claim by a
// keyed hash of its id (the patient control number), never by the number
// itself. Every change and every view is audited.
package billing

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/carc"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// Service manages the claims and remittances of workspaces.
type Service struct {
	db       store.Store
	keys     *crypto.Keyring
	audit    *audit.Log
	analyses *analysis.Service
	sources  scrub.Sources
	reasons  *carc.Table
	log      *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns the service. sources are the code-set facts the scrubber
// reads (the zero value runs the edits that need none).
func New(db store.Store, keys *crypto.Keyring, log *audit.Log, analyses *analysis.Service, sources scrub.Sources, logger *slog.Logger) (*Service, error) {
	reasons, err := carc.Load()
	if err != nil {
		return nil, err
	}
	return &Service{db: db, keys: keys, audit: log, analyses: analyses, sources: sources, reasons: reasons, log: logger,
		Now: func() time.Time { return time.Now().UTC() }}, nil
}

// newID returns a random record id with prefix.
func newID(prefix string) (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("billing: id: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}

func aad(kind, id, field string) []byte { return []byte("medcode/" + kind + "/" + id + "/" + field) }

// seal encrypts v's JSON for one field of one record.
func (s *Service) seal(kind, id, field string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("billing: encoding %s %s: %w", kind, id, err)
	}
	return s.keys.Seal(b, aad(kind, id, field))
}

// open decrypts one sealed field into v.
func (s *Service) open(kind, id, field string, blob []byte, v any) error {
	b, err := s.keys.Open(blob, aad(kind, id, field))
	if err != nil {
		return fmt.Errorf("billing: opening %s %s: %w", kind, id, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("billing: decoding %s %s: %w", kind, id, err)
	}
	return nil
}

// workspaceKey names a workspace in the additional data of its sealed
// billing secret.
func workspaceKey(ws org.Workspace) string {
	if ws.Org == nil {
		return "user-" + strconv.FormatInt(ws.User.ID, 10)
	}
	return "org-" + strconv.FormatInt(ws.Org.ID, 10)
}

// profile returns the workspace's billing profile and its opened secret,
// creating both on first use.
func (s *Service) profile(ctx context.Context, ws org.Workspace) (*store.BillingProfile, []byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, nil, fmt.Errorf("billing: secret: %w", err)
	}
	key := workspaceKey(ws)
	sealed, err := s.keys.Seal(fresh, aad("billing", key, "secret"))
	if err != nil {
		return nil, nil, err
	}
	p, err := s.db.BillingProfile(ctx, ws.Scope(), sealed, s.keys.ActiveID())
	if err != nil {
		return nil, nil, err
	}
	secret, err := s.keys.Open(p.Secret, aad("billing", key, "secret"))
	if err != nil {
		return nil, nil, fmt.Errorf("billing: opening the secret of %s: %w", key, err)
	}
	return p, secret, nil
}

// Secret returns the workspace's pseudonym secret: the key of the
// pseudonyms of de-identified patients, stable across uploads (the
// revenue reports use it too).
func (s *Service) Secret(ctx context.Context, ws org.Workspace) ([]byte, error) {
	_, secret, err := s.profile(ctx, ws)
	return secret, err
}

// keyOf is the control key of a claim id: an HMAC under the workspace's
// secret, so the store can match ids without holding them.
func keyOf(secret []byte, claimID string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("claim-id\x00" + claimID))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// traceKeyOf is the key of one payment: payer, trace number and the
// transaction's control number.
func traceKeyOf(secret []byte, payer, trace, control string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("payment\x00" + payer + "\x00" + trace + "\x00" + control))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// record appends an audit event of an organization; personal workspaces
// have no audit log.
func (s *Service) record(ctx context.Context, ws org.Workspace, action audit.Action, target string, details map[string]any) error {
	if ws.Org == nil {
		return nil
	}
	return s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: action, Target: target, Details: details})
}

// scrubber returns a scrubber for today's date.
func (s *Service) scrubber() (*scrub.Scrubber, error) {
	sc, err := scrub.New(s.sources, scrub.Options{Today: claims.DateOf(s.Now())})
	if err != nil {
		return nil, fmt.Errorf("billing: scrubber: %w", err)
	}
	return sc, nil
}
