package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations is the ordered schema history; the schema version is its
// length, kept in PRAGMA user_version. Append only: never edit a step that
// has shipped.
var migrations = []string{
	// 1: accounts, sessions, tokens, analyses, usage, rate limits.
	`
CREATE TABLE users (
	id                INTEGER PRIMARY KEY,
	email             TEXT    NOT NULL UNIQUE,
	password_hash     TEXT    NOT NULL,
	display_name      TEXT    NOT NULL DEFAULT '',
	organization      TEXT    NOT NULL DEFAULT '',
	role              TEXT    NOT NULL DEFAULT '',
	tier              TEXT    NOT NULL DEFAULT 'free',
	email_verified_at INTEGER NOT NULL DEFAULT 0,
	totp_secret       BLOB,
	failed_logins     INTEGER NOT NULL DEFAULT 0,
	locked_until      INTEGER NOT NULL DEFAULT 0,
	created_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
	token_hash BLOB    PRIMARY KEY,
	user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
	data       BLOB    NOT NULL,
	expiry     INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_expiry ON sessions(expiry);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name         TEXT    NOT NULL,
	hash         BLOB    NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE one_time_tokens (
	hash       BLOB    PRIMARY KEY,
	kind       TEXT    NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX one_time_tokens_user ON one_time_tokens(user_id);

CREATE TABLE analyses (
	id             TEXT    PRIMARY KEY,
	user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	note_sha256    TEXT    NOT NULL,
	release        TEXT    NOT NULL,
	engine_version TEXT    NOT NULL,
	profile        TEXT    NOT NULL,
	cached         INTEGER NOT NULL,
	key_id         TEXT    NOT NULL,
	summary        BLOB    NOT NULL,
	record         BLOB    NOT NULL,
	decisions      BLOB,
	created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX analyses_user_created ON analyses(user_id, created_at DESC);
CREATE INDEX analyses_note ON analyses(user_id, note_sha256, release, engine_version, profile, created_at DESC);
CREATE INDEX analyses_key ON analyses(key_id);

CREATE TABLE usage (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	month   TEXT    NOT NULL,
	count   INTEGER NOT NULL,
	PRIMARY KEY (user_id, month)
) STRICT;

CREATE TABLE rate_limits (
	key        TEXT    NOT NULL,
	window_end INTEGER NOT NULL,
	count      INTEGER NOT NULL,
	PRIMARY KEY (key, window_end)
) STRICT;
CREATE INDEX rate_limits_end ON rate_limits(window_end);
`,
	// 2: batches, the sealed notes of queued (BAA) batches, outcomes.
	`
CREATE TABLE batches (
	id          TEXT    PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	mode        TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	total       INTEGER NOT NULL DEFAULT 0,
	done        INTEGER NOT NULL DEFAULT 0,
	failed      INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX batches_user ON batches(user_id, created_at DESC);
CREATE INDEX batches_status ON batches(status, updated_at);

CREATE TABLE batch_notes (
	batch_id TEXT    NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
	seq      INTEGER NOT NULL,
	sealed   BLOB    NOT NULL,
	PRIMARY KEY (batch_id, seq)
) STRICT;

CREATE TABLE batch_items (
	batch_id    TEXT    NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	analysis_id TEXT    REFERENCES analyses(id) ON DELETE SET NULL,
	error_code  TEXT,
	outcome     BLOB    NOT NULL,
	PRIMARY KEY (batch_id, seq)
) STRICT;
CREATE INDEX batch_items_analysis ON batch_items(analysis_id);
`,
	// 3: organizations and workspaces. Every record moves from its user
	// to a workspace: a user's personal one or an organization's. Clinic
	// rules, feedback counts and the audit log arrive.
	`
CREATE TABLE orgs (
	id                  INTEGER PRIMARY KEY,
	name                TEXT    NOT NULL,
	tier                TEXT    NOT NULL DEFAULT 'free',
	baa_recorded_by     INTEGER NOT NULL DEFAULT 0,
	baa_recorded_at     INTEGER NOT NULL DEFAULT 0,
	baa_document        TEXT    NOT NULL DEFAULT '',
	retention_days      INTEGER NOT NULL DEFAULT 0,
	note_retention_days INTEGER NOT NULL DEFAULT 0,
	created_at          INTEGER NOT NULL
) STRICT;

CREATE TABLE workspaces (
	id      INTEGER PRIMARY KEY,
	user_id INTEGER UNIQUE REFERENCES users(id) ON DELETE CASCADE,
	org_id  INTEGER UNIQUE REFERENCES orgs(id) ON DELETE CASCADE,
	CHECK ((user_id IS NULL) <> (org_id IS NULL))
) STRICT;
INSERT INTO workspaces (user_id) SELECT id FROM users;

CREATE TABLE org_members (
	org_id    INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role      TEXT    NOT NULL,
	joined_at INTEGER NOT NULL,
	PRIMARY KEY (org_id, user_id)
) STRICT;
CREATE INDEX org_members_user ON org_members(user_id);

CREATE TABLE org_invites (
	id         INTEGER PRIMARY KEY,
	org_id     INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	email      TEXT    NOT NULL,
	role       TEXT    NOT NULL,
	hash       BLOB    NOT NULL UNIQUE,
	invited_by INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	UNIQUE (org_id, email)
) STRICT;

CREATE TABLE analyses_v2 (
	id              TEXT    PRIMARY KEY,
	workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	created_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
	note_sha256     TEXT    NOT NULL,
	release         TEXT    NOT NULL,
	engine_version  TEXT    NOT NULL,
	profile         TEXT    NOT NULL,
	variant         TEXT    NOT NULL DEFAULT '',
	cached          INTEGER NOT NULL,
	key_id          TEXT    NOT NULL,
	summary         BLOB    NOT NULL,
	record          BLOB    NOT NULL,
	decisions       BLOB,
	note            BLOB,
	note_expires_at INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL
) STRICT;
INSERT INTO analyses_v2 (id, workspace_id, created_by, note_sha256, release, engine_version, profile, cached, key_id,
	summary, record, decisions, created_at)
SELECT a.id, w.id, a.user_id, a.note_sha256, a.release, a.engine_version, a.profile, a.cached, a.key_id,
	a.summary, a.record, a.decisions, a.created_at
FROM analyses a JOIN workspaces w ON w.user_id = a.user_id ORDER BY a.rowid;
-- batch_items refers to analyses: it moves to analyses_v2 first, so that
-- dropping the old table cannot clear its links (ON DELETE SET NULL), and
-- the renames below carry the reference over.
CREATE TABLE batch_items_v2 (
	batch_id    TEXT    NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	analysis_id TEXT    REFERENCES analyses_v2(id) ON DELETE SET NULL,
	error_code  TEXT,
	outcome     BLOB    NOT NULL,
	PRIMARY KEY (batch_id, seq)
) STRICT;
INSERT INTO batch_items_v2 SELECT batch_id, seq, analysis_id, error_code, outcome FROM batch_items;
DROP TABLE batch_items;
DROP TABLE analyses;
ALTER TABLE analyses_v2 RENAME TO analyses;
ALTER TABLE batch_items_v2 RENAME TO batch_items;
CREATE INDEX batch_items_analysis ON batch_items(analysis_id);
CREATE INDEX analyses_workspace_created ON analyses(workspace_id, created_at DESC);
CREATE INDEX analyses_note ON analyses(workspace_id, note_sha256, release, engine_version, profile, variant, created_at DESC);
CREATE INDEX analyses_key ON analyses(key_id);
CREATE INDEX analyses_created_by ON analyses(created_by);
CREATE INDEX analyses_note_expiry ON analyses(note_expires_at) WHERE note IS NOT NULL;

-- A batch belongs to the workspace it was sent in; user_id stays its sender.
ALTER TABLE batches ADD COLUMN workspace_id INTEGER REFERENCES workspaces(id) ON DELETE CASCADE;
UPDATE batches SET workspace_id = (SELECT id FROM workspaces w WHERE w.user_id = batches.user_id);
CREATE INDEX batches_workspace ON batches(workspace_id, created_at DESC);

CREATE TABLE usage_v2 (
	workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	month        TEXT    NOT NULL,
	count        INTEGER NOT NULL,
	PRIMARY KEY (workspace_id, month)
) STRICT;
INSERT INTO usage_v2 (workspace_id, month, count)
SELECT w.id, u.month, u.count FROM usage u JOIN workspaces w ON w.user_id = u.user_id;
DROP TABLE usage;
ALTER TABLE usage_v2 RENAME TO usage;

CREATE TABLE feedback (
	workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	code         TEXT    NOT NULL,
	decision     TEXT    NOT NULL,
	replacement  TEXT    NOT NULL,
	count        INTEGER NOT NULL,
	PRIMARY KEY (workspace_id, code, decision, replacement)
) STRICT;

CREATE TABLE rule_sets (
	org_id     INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	version    INTEGER NOT NULL,
	source     TEXT    NOT NULL,
	author_id  INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (org_id, version)
) STRICT;

CREATE TABLE audit_log (
	seq       INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	org_id    INTEGER NOT NULL,
	actor_id  INTEGER NOT NULL,
	action    TEXT    NOT NULL,
	target    TEXT    NOT NULL,
	details   TEXT    NOT NULL,
	prev_hash BLOB    NOT NULL,
	hash      BLOB    NOT NULL
) STRICT;
CREATE INDEX audit_log_org ON audit_log(org_id, seq);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash BLOB    NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, x'');
`,
	// 4: policy versions and acceptances, the 18+ confirmation, service
	// notices, support threads, site administrators.
	`
CREATE TABLE policy_versions (
	document     TEXT    NOT NULL,
	version      TEXT    NOT NULL,
	material     INTEGER NOT NULL,
	summary      TEXT    NOT NULL,
	body         TEXT    NOT NULL,
	sha256       TEXT    NOT NULL,
	published_at INTEGER NOT NULL,
	PRIMARY KEY (document, version)
) STRICT;
CREATE INDEX policy_versions_published ON policy_versions(document, published_at DESC);

CREATE TABLE policy_acceptances (
	user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	document    TEXT    NOT NULL,
	version     TEXT    NOT NULL,
	accepted_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, document, version),
	FOREIGN KEY (document, version) REFERENCES policy_versions(document, version)
) STRICT;

CREATE TABLE adult_confirmations (
	user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	confirmed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE notices (
	id              INTEGER PRIMARY KEY,
	kind            TEXT    NOT NULL,
	title           TEXT    NOT NULL,
	body            TEXT    NOT NULL,
	essential       INTEGER NOT NULL,
	email           INTEGER NOT NULL,
	starts_at       INTEGER NOT NULL,
	ends_at         INTEGER NOT NULL DEFAULT 0,
	created_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at      INTEGER NOT NULL,
	emailed_through INTEGER NOT NULL DEFAULT 0,
	emailed_at      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX notices_starts ON notices(starts_at);

CREATE TABLE notice_dismissals (
	user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	notice_id INTEGER NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
	PRIMARY KEY (user_id, notice_id)
) STRICT;

CREATE TABLE notice_opt_outs (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	at      INTEGER NOT NULL
) STRICT;

CREATE TABLE support_threads (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind        TEXT    NOT NULL,
	analysis_id TEXT    NOT NULL DEFAULT '',
	subject     BLOB    NOT NULL,
	key_id      TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX support_threads_user ON support_threads(user_id, updated_at DESC);
CREATE INDEX support_threads_status ON support_threads(status, updated_at);

CREATE TABLE support_messages (
	id         INTEGER PRIMARY KEY,
	thread_id  INTEGER NOT NULL REFERENCES support_threads(id) ON DELETE CASCADE,
	author_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
	staff      INTEGER NOT NULL,
	body       BLOB    NOT NULL,
	key_id     TEXT    NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX support_messages_thread ON support_messages(thread_id, id);
CREATE INDEX support_messages_author ON support_messages(author_id);

CREATE TABLE site_admins (
	user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	granted_at INTEGER NOT NULL
) STRICT;
`,
}

// SchemaVersion is the version this binary migrates to.
var SchemaVersion = len(migrations)

// Version returns the database's schema version.
func (db *DB) Version(ctx context.Context) (int, error) {
	var v int
	if err := db.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: reading schema version: %w", err)
	}
	return v, nil
}

// Migrate applies the missing migrations, each in its own transaction. It
// refuses a database whose schema is newer than this binary knows.
func (db *DB) Migrate(ctx context.Context) error {
	v, err := db.Version(ctx)
	if err != nil {
		return err
	}
	if v > SchemaVersion {
		return fmt.Errorf("sqlite: database schema version %d is newer than this medcode's %d: upgrade medcode", v, SchemaVersion)
	}
	for i := v; i < SchemaVersion; i++ {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return err
			}
			// PRAGMA takes no bound parameters; i is an int we control.
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %d: %w", i+1, err)
		}
	}
	return db.ready(ctx)
}
