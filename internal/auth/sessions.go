package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/medcode/medcode/internal/store"
)

// Session keys.
const (
	// SessionUserID holds the signed-in user's id (int64).
	SessionUserID = "user_id"
	// SessionPendingMFA holds the id of a user who passed the password step
	// and still owes a TOTP code (int64).
	SessionPendingMFA = "mfa_user_id"
	// SessionFlash holds a one-time notice for the next page (string).
	SessionFlash = "flash"
)

// SessionStore is the scs store on medcode's database. Tokens are stored as
// SHA-256 hashes, and each row carries its user id so that deleting an
// account or changing a password ends that user's sessions.
type SessionStore struct {
	db    store.Sessions
	codec scs.Codec
	now   func() time.Time
}

var _ scs.CtxStore = (*SessionStore)(nil)

// NewSessionStore returns a store that decodes session data with codec (the
// session manager's) to learn whose session it is.
func NewSessionStore(db store.Sessions, codec scs.Codec, now func() time.Time) *SessionStore {
	return &SessionStore{db: db, codec: codec, now: now}
}

// FindCtx returns the data of an unexpired session.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.db.FindSession(ctx, HashToken(token), s.now())
}

// CommitCtx saves a session with its user id.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, values, err := s.codec.Decode(b)
	if err != nil {
		return fmt.Errorf("auth: decoding session: %w", err)
	}
	userID, _ := values[SessionUserID].(int64)
	return s.db.CommitSession(ctx, HashToken(token), userID, b, expiry)
}

// DeleteCtx removes a session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.db.DeleteSession(ctx, HashToken(token))
}

// Find is FindCtx without a context, for scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context, for scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a context, for scs.Store.
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}
