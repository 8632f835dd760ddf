-- The PostgreSQL form of migrations/V1__initial.sql.
-- attache metadata; ids are 16-byte UUIDv7 byte strings. Times are RFC 3339 UTC strings
-- (TEXT, as in SQLite), which sort in time order. Integers are BIGINT (SQLite's are 64-bit),
-- flags included: the shared SQL compares them with 0 and 1. Unlike SQLite's V1, which
-- attache 0.1.0 applied at every start, this runs once: no IF NOT EXISTS.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id         BYTEA PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'customer')),
    created_at TEXT NOT NULL
);

-- Only the SHA-256 of a key is kept; keys are 160 random bits, so a fast hash is enough.
CREATE TABLE api_keys (
    id          BYTEA PRIMARY KEY,
    user_id     BYTEA NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_hash    BYTEA NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- The status check is named so that V4 can replace it in place.
CREATE TABLE tickets (
    id           BYTEA PRIMARY KEY,
    number       BIGINT NOT NULL UNIQUE,
    subject      TEXT NOT NULL,
    status       TEXT NOT NULL
                 CONSTRAINT tickets_status_check CHECK (status IN ('open', 'pending', 'closed')),
    priority     TEXT,
    department   TEXT,
    category     TEXT,
    requester_id BYTEA NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX tickets_by_requester ON tickets (requester_id, id);

CREATE TABLE messages (
    id         BYTEA PRIMARY KEY,
    ticket_id  BYTEA NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  BYTEA NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX messages_by_ticket ON messages (ticket_id, id);

-- One row per distinct content; the file is blobs/sha256/ab/cd/<sha256>.
-- A row exists only while at least one attachment names it.
CREATE TABLE blobs (
    sha256       TEXT PRIMARY KEY,
    size_bytes   BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- An attachment is one upload of a blob: its own name, uploader and time.
-- ticket_id is NULL only for an upload not yet pinned to a ticket; message_id is NULL until
-- a message binds it. pending_until is set for uploads that expire unless a message binds them.
CREATE TABLE attachments (
    id            BYTEA PRIMARY KEY,
    ticket_id     BYTEA REFERENCES tickets (id) ON DELETE CASCADE,
    message_id    BYTEA REFERENCES messages (id) ON DELETE SET NULL,
    sha256        TEXT NOT NULL REFERENCES blobs (sha256),
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    uploaded_by   BYTEA NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    pending_until TEXT
);
CREATE INDEX attachments_by_ticket ON attachments (ticket_id, id);
CREATE INDEX attachments_by_blob ON attachments (sha256);
CREATE INDEX attachments_by_message ON attachments (message_id);
CREATE INDEX attachments_pending ON attachments (pending_until)
    WHERE pending_until IS NOT NULL;
CREATE INDEX attachments_by_uploader ON attachments (uploaded_by, id);
-- A ticket's attachment count (every ticket read, every upload's cap check) from the index
-- alone, without visiting each row for `pending_until`.
CREATE INDEX attachments_bound_by_ticket ON attachments (ticket_id)
    WHERE pending_until IS NULL;

-- Web UI sessions: the cookie is stored only as a hash; a session ends with its expiry, its
-- sign-out, or the revocation of the key it was made from.
CREATE TABLE sessions (
    id         BYTEA PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    key_id     BYTEA NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
