package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrations is the ordered schema history; the schema version is its
// length, kept in the one-row table schema_version. Append only: never edit
// a step that has shipped. The tables mirror the SQLite adapter's; times
// are timestamptz (NULL for "never"), and analyses.seq orders records made
// in the same microsecond by insertion, as SQLite's rowid does.
var migrations = []string{
	// 1: accounts, sessions, tokens, analyses, usage, rate limits.
	`
CREATE TABLE users (
	id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email             text        NOT NULL UNIQUE,
	password_hash     text        NOT NULL,
	display_name      text        NOT NULL DEFAULT '',
	organization      text        NOT NULL DEFAULT '',
	role              text        NOT NULL DEFAULT '',
	tier              text        NOT NULL DEFAULT 'free',
	email_verified_at timestamptz,
	totp_secret       bytea,
	failed_logins     integer     NOT NULL DEFAULT 0,
	locked_until      timestamptz,
	created_at        timestamptz NOT NULL
);

CREATE TABLE sessions (
	token_hash bytea       PRIMARY KEY,
	user_id    bigint      REFERENCES users(id) ON DELETE CASCADE,
	data       bytea       NOT NULL,
	expiry     timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expiry);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id      bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name         text        NOT NULL,
	hash         bytea       NOT NULL UNIQUE,
	created_at   timestamptz NOT NULL,
	last_used_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE one_time_tokens (
	hash       bytea       PRIMARY KEY,
	kind       text        NOT NULL,
	user_id    bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	expires_at timestamptz NOT NULL
);
CREATE INDEX one_time_tokens_user ON one_time_tokens(user_id);
CREATE INDEX one_time_tokens_expiry ON one_time_tokens(expires_at);

CREATE TABLE analyses (
	seq            bigint      GENERATED ALWAYS AS IDENTITY,
	id             text        PRIMARY KEY,
	user_id        bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	note_sha256    text        NOT NULL,
	release        text        NOT NULL,
	engine_version text        NOT NULL,
	profile        text        NOT NULL,
	cached         boolean     NOT NULL,
	key_id         text        NOT NULL,
	summary        bytea       NOT NULL,
	record         bytea       NOT NULL,
	decisions      bytea,
	created_at     timestamptz NOT NULL
);
CREATE INDEX analyses_user_created ON analyses(user_id, created_at DESC, seq DESC);
CREATE INDEX analyses_note ON analyses(user_id, note_sha256, release, engine_version, profile, created_at DESC, seq DESC);
-- Sealed blobs do not compress: store them out of line without trying.
ALTER TABLE analyses ALTER COLUMN summary SET STORAGE EXTERNAL,
	ALTER COLUMN record SET STORAGE EXTERNAL, ALTER COLUMN decisions SET STORAGE EXTERNAL;

CREATE TABLE usage (
	user_id bigint  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	month   text    NOT NULL,
	count   integer NOT NULL,
	PRIMARY KEY (user_id, month)
);

CREATE TABLE rate_limits (
	key        text        NOT NULL,
	window_end timestamptz NOT NULL,
	count      integer     NOT NULL,
	PRIMARY KEY (key, window_end)
);
CREATE INDEX rate_limits_end ON rate_limits(window_end);
`,
	// 2: batches, the sealed notes of queued (BAA) batches, outcomes.
	`
CREATE TABLE batches (
	id          text        PRIMARY KEY,
	user_id     bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	mode        text        NOT NULL,
	status      text        NOT NULL,
	total       integer     NOT NULL DEFAULT 0,
	done        integer     NOT NULL DEFAULT 0,
	failed      integer     NOT NULL DEFAULT 0,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	finished_at timestamptz
);
CREATE INDEX batches_user ON batches(user_id, created_at DESC);
CREATE INDEX batches_receiving ON batches(updated_at) WHERE status = 'receiving';

CREATE TABLE batch_notes (
	batch_id text    NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
	seq      integer NOT NULL,
	sealed   bytea   NOT NULL,
	PRIMARY KEY (batch_id, seq)
);
ALTER TABLE batch_notes ALTER COLUMN sealed SET STORAGE EXTERNAL;

CREATE TABLE batch_items (
	batch_id    text    NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
	seq         integer NOT NULL,
	analysis_id text    REFERENCES analyses(id) ON DELETE SET NULL,
	error_code  text,
	outcome     bytea   NOT NULL,
	PRIMARY KEY (batch_id, seq)
);
CREATE INDEX batch_items_analysis ON batch_items(analysis_id);
ALTER TABLE batch_items ALTER COLUMN outcome SET STORAGE EXTERNAL;
`,
	// 3: organizations and workspaces. Every record moves from its user
	// to a workspace: a user's personal one or an organization's. Clinic
	// rules, feedback counts and the audit log arrive.
	`
CREATE TABLE orgs (
	id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name                text        NOT NULL,
	tier                text        NOT NULL DEFAULT 'free',
	baa_recorded_by     bigint      NOT NULL DEFAULT 0,
	baa_recorded_at     timestamptz,
	baa_document        text        NOT NULL DEFAULT '',
	retention_days      integer     NOT NULL DEFAULT 0,
	note_retention_days integer     NOT NULL DEFAULT 0,
	created_at          timestamptz NOT NULL
);

CREATE TABLE workspaces (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint UNIQUE REFERENCES users(id) ON DELETE CASCADE,
	org_id  bigint UNIQUE REFERENCES orgs(id) ON DELETE CASCADE,
	CHECK ((user_id IS NULL) <> (org_id IS NULL))
);
INSERT INTO workspaces (user_id) SELECT id FROM users ORDER BY id;

CREATE TABLE org_members (
	org_id    bigint      NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	user_id   bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role      text        NOT NULL,
	joined_at timestamptz NOT NULL,
	PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members(user_id);

CREATE TABLE org_invites (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id     bigint      NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	email      text        NOT NULL,
	role       text        NOT NULL,
	hash       bytea       NOT NULL UNIQUE,
	invited_by bigint      NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	UNIQUE (org_id, email)
);

ALTER TABLE analyses ADD COLUMN workspace_id bigint REFERENCES workspaces(id) ON DELETE CASCADE;
UPDATE analyses a SET workspace_id = w.id FROM workspaces w WHERE w.user_id = a.user_id;
ALTER TABLE analyses ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE analyses DROP CONSTRAINT analyses_user_id_fkey;
ALTER TABLE analyses RENAME COLUMN user_id TO created_by;
ALTER TABLE analyses ALTER COLUMN created_by DROP NOT NULL;
ALTER TABLE analyses ADD CONSTRAINT analyses_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE analyses ADD COLUMN variant text NOT NULL DEFAULT '', ADD COLUMN note bytea, ADD COLUMN note_expires_at timestamptz;
ALTER TABLE analyses ALTER COLUMN note SET STORAGE EXTERNAL;
DROP INDEX analyses_user_created;
DROP INDEX analyses_note;
CREATE INDEX analyses_workspace_created ON analyses(workspace_id, created_at DESC, seq DESC);
CREATE INDEX analyses_note ON analyses(workspace_id, note_sha256, release, engine_version, profile, variant, created_at DESC, seq DESC);
CREATE INDEX analyses_created_by ON analyses(created_by);
CREATE INDEX analyses_note_expiry ON analyses(note_expires_at) WHERE note IS NOT NULL;

-- A batch belongs to the workspace it was sent in; user_id stays its sender.
ALTER TABLE batches ADD COLUMN workspace_id bigint REFERENCES workspaces(id) ON DELETE CASCADE;
UPDATE batches b SET workspace_id = w.id FROM workspaces w WHERE w.user_id = b.user_id;
ALTER TABLE batches ALTER COLUMN workspace_id SET NOT NULL;
CREATE INDEX batches_workspace ON batches(workspace_id, created_at DESC);

ALTER TABLE usage ADD COLUMN workspace_id bigint REFERENCES workspaces(id) ON DELETE CASCADE;
UPDATE usage u SET workspace_id = w.id FROM workspaces w WHERE w.user_id = u.user_id;
ALTER TABLE usage DROP CONSTRAINT usage_pkey;
ALTER TABLE usage DROP COLUMN user_id;
ALTER TABLE usage ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE usage ADD PRIMARY KEY (workspace_id, month);

CREATE TABLE feedback (
	workspace_id bigint  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	code         text    NOT NULL,
	decision     text    NOT NULL,
	replacement  text    NOT NULL,
	count        integer NOT NULL,
	PRIMARY KEY (workspace_id, code, decision, replacement)
);

CREATE TABLE rule_sets (
	org_id     bigint      NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	version    integer     NOT NULL,
	source     text        NOT NULL,
	author_id  bigint      NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (org_id, version)
);

CREATE TABLE audit_log (
	seq       bigint      PRIMARY KEY,
	at        timestamptz NOT NULL,
	org_id    bigint      NOT NULL,
	actor_id  bigint      NOT NULL,
	action    text        NOT NULL,
	target    text        NOT NULL,
	details   text        NOT NULL,
	prev_hash bytea       NOT NULL,
	hash      bytea       NOT NULL
);
CREATE INDEX audit_log_org ON audit_log(org_id, seq);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE audit_head (
	id   integer PRIMARY KEY CHECK (id = 1),
	seq  bigint  NOT NULL,
	hash bytea   NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
`,
	// 4: policy versions and acceptances, the 18+ confirmation, service
	// notices, support threads, site administrators.
	`
CREATE TABLE policy_versions (
	seq          bigint      GENERATED ALWAYS AS IDENTITY,
	document     text        NOT NULL,
	version      text        NOT NULL,
	material     boolean     NOT NULL,
	summary      text        NOT NULL,
	body         text        NOT NULL,
	sha256       text        NOT NULL,
	published_at timestamptz NOT NULL,
	PRIMARY KEY (document, version)
);
CREATE INDEX policy_versions_published ON policy_versions(document, published_at DESC, seq DESC);

CREATE TABLE policy_acceptances (
	seq         bigint      GENERATED ALWAYS AS IDENTITY,
	user_id     bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	document    text        NOT NULL,
	version     text        NOT NULL,
	accepted_at timestamptz NOT NULL,
	PRIMARY KEY (user_id, document, version),
	FOREIGN KEY (document, version) REFERENCES policy_versions(document, version)
);

CREATE TABLE adult_confirmations (
	user_id      bigint      PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	confirmed_at timestamptz NOT NULL
);

CREATE TABLE notices (
	id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind            text        NOT NULL,
	title           text        NOT NULL,
	body            text        NOT NULL,
	essential       boolean     NOT NULL,
	email           boolean     NOT NULL,
	starts_at       timestamptz NOT NULL,
	ends_at         timestamptz,
	created_by      bigint      REFERENCES users(id) ON DELETE SET NULL,
	created_at      timestamptz NOT NULL,
	emailed_through bigint      NOT NULL DEFAULT 0,
	emailed_at      timestamptz
);
CREATE INDEX notices_starts ON notices(starts_at);

CREATE TABLE notice_dismissals (
	user_id   bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	notice_id bigint NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
	PRIMARY KEY (user_id, notice_id)
);

CREATE TABLE notice_opt_outs (
	user_id bigint      PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	at      timestamptz NOT NULL
);

CREATE TABLE support_threads (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id     bigint      NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind        text        NOT NULL,
	analysis_id text        NOT NULL DEFAULT '',
	subject     bytea       NOT NULL,
	key_id      text        NOT NULL,
	status      text        NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL
);
CREATE INDEX support_threads_user ON support_threads(user_id, updated_at DESC);
CREATE INDEX support_threads_status ON support_threads(status, updated_at);

CREATE TABLE support_messages (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	thread_id  bigint      NOT NULL REFERENCES support_threads(id) ON DELETE CASCADE,
	author_id  bigint      REFERENCES users(id) ON DELETE SET NULL,
	staff      boolean     NOT NULL,
	body       bytea       NOT NULL,
	key_id     text        NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE INDEX support_messages_thread ON support_messages(thread_id, id);
CREATE INDEX support_messages_author ON support_messages(author_id);

CREATE TABLE site_admins (
	user_id    bigint      PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	granted_at timestamptz NOT NULL
);
`,
}

// SchemaVersion is the version this binary migrates to.
var SchemaVersion = len(migrations)

// migrationLock is the advisory-lock key that serialises Migrate across
// instances starting together ("medcode" in ASCII).
const migrationLock = 0x6d6564636f6465

// Version returns the database's schema version (0 for an empty database).
func (db *DB) Version(ctx context.Context) (int, error) {
	return version(ctx, db.pool)
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func version(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('schema_version') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("postgres: reading schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, "SELECT version FROM schema_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: reading schema version: %w", err)
	}
	return v, nil
}

// Migrate applies the missing migrations, each in its own transaction,
// holding an advisory lock so that instances starting together migrate
// once. It refuses a database whose schema is newer than this binary knows.
func (db *DB) Migrate(ctx context.Context) error {
	return db.WithMigrationLock(ctx, func(conn *pgx.Conn) error {
		v, err := version(ctx, conn)
		if err != nil {
			return err
		}
		if v > SchemaVersion {
			return fmt.Errorf("postgres: database schema version %d is newer than this medcode's %d: upgrade medcode", v, SchemaVersion)
		}
		for i := v; i < SchemaVersion; i++ {
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if i == 0 {
					if _, err := tx.Exec(ctx, "CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (0)"); err != nil {
						return err
					}
				}
				if _, err := tx.Exec(ctx, migrations[i]); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "UPDATE schema_version SET version = $1", i+1)
				return err
			})
			if err != nil {
				return fmt.Errorf("postgres: migration %d: %w", i+1, err)
			}
		}
		return nil
	})
}

// WithMigrationLock runs fn on one connection while holding the migration
// advisory lock, so that other schema owners sharing the database (the job
// queue's tables) migrate under the same lock.
func (db *DB) WithMigrationLock(ctx context.Context, fn func(conn *pgx.Conn) error) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrating: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("postgres: taking the migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	return fn(conn.Conn())
}
