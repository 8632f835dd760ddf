-- attache metadata: the whole schema as migrations/ builds it, to read. tests/upgrade.rs checks
-- that the two agree; a change goes into a new migration first. Ids are 16-byte UUIDv7 blobs.
-- Times are RFC 3339 UTC strings, which sort in time order.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'customer')),
    created_at TEXT NOT NULL
);

-- Only the SHA-256 of a key is kept; keys are 160 random bits, so a fast hash is enough.
-- An AK/SK pair is a row too (its prefix is the AK); sk_scheme says how its SK is derived
-- (1: attache 0.1.0's, 2: since; migrations/V2), NULL for API keys.
CREATE TABLE IF NOT EXISTS api_keys (
    id          BLOB PRIMARY KEY,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_hash    BLOB NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    sk_scheme   INTEGER
);

-- status: the core vocabulary of src/domain/status.rs (migrations/V4). resolved_at and
-- closed_at: when the status last became resolved or closed; due_date: as a client set it.
-- cc_addresses: the e-mail addresses it is copied to, a JSON array of strings; priority_reason:
-- why it has its priority (a critical ticket with one is an alert) (migrations/V5).
-- escalated_at and escalation_reason: when and why it was escalated, both or neither, set
-- once (migrations/V7).
CREATE TABLE IF NOT EXISTS tickets (
    id           BLOB PRIMARY KEY,
    number       INTEGER NOT NULL UNIQUE,
    subject      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('new', 'open', 'in_progress', 'customer_reply',
                                                 'pending', 'on_hold', 'resolved', 'closed')),
    priority     TEXT,
    department   TEXT,
    category     TEXT,
    requester_id BLOB NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    resolved_at  TEXT,
    closed_at    TEXT,
    due_date     TEXT,
    cc_addresses TEXT NOT NULL DEFAULT '[]',
    priority_reason TEXT,
    escalated_at TEXT,
    escalation_reason TEXT
);
CREATE INDEX IF NOT EXISTS tickets_by_requester ON tickets (requester_id, id);

-- internal: hidden from customers other than its author. updated_at: the last edit (the
-- creation for a message never edited). opening: the message written with the ticket, which
-- the dialects show as the ticket's description (migrations/V3). sensitive: its author marked
-- it so (HostUp `encrypted`; migrations/V5).
CREATE TABLE IF NOT EXISTS messages (
    id         BLOB PRIMARY KEY,
    ticket_id  BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  BLOB NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    internal   INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT,
    opening    INTEGER NOT NULL DEFAULT 0,
    sensitive  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_by_ticket ON messages (ticket_id, id);

-- What happened to each ticket, in the order it happened (migrations/V6; kinds in
-- src/domain/event.rs): who did it, and what it was about (a status, a file's name, a
-- message's id), empty when the kind says it all.
CREATE TABLE IF NOT EXISTS ticket_events (
    id         INTEGER PRIMARY KEY,
    ticket_id  BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('created', 'replied', 'status_changed', 'closed',
                                             'reopened', 'changed', 'attachment_added',
                                             'attachment_deleted', 'message_edited',
                                             'message_deleted', 'message_withdrawn',
                                             'contact_changed')),
    actor_id   BLOB NOT NULL REFERENCES users (id),
    detail     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ticket_events_by_ticket ON ticket_events (ticket_id, id);

-- How to reach a ticket's requester about it: phone (with its calling code), email, and the
-- hours they may be reached, as free text.
CREATE TABLE IF NOT EXISTS ticket_contacts (
    ticket_id    BLOB PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    calling_code TEXT,
    phone        TEXT,
    email        TEXT,
    hours        TEXT,
    updated_at   TEXT NOT NULL
);

-- One row per distinct content; the file is blobs/sha256/ab/cd/<sha256>.
-- A row exists only while at least one attachment names it.
CREATE TABLE IF NOT EXISTS blobs (
    sha256       TEXT PRIMARY KEY,
    size_bytes   INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- An attachment is one upload of a blob: its own name, uploader and time.
-- ticket_id is NULL only for an upload not yet pinned to a ticket; message_id is NULL until
-- a message binds it. pending_until is set for uploads that expire unless a message binds them.
CREATE TABLE IF NOT EXISTS attachments (
    id            BLOB PRIMARY KEY,
    ticket_id     BLOB REFERENCES tickets (id) ON DELETE CASCADE,
    message_id    BLOB REFERENCES messages (id) ON DELETE SET NULL,
    sha256        TEXT NOT NULL REFERENCES blobs (sha256),
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    uploaded_by   BLOB NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    pending_until TEXT
);
CREATE INDEX IF NOT EXISTS attachments_by_ticket ON attachments (ticket_id, id);
CREATE INDEX IF NOT EXISTS attachments_by_blob ON attachments (sha256);
CREATE INDEX IF NOT EXISTS attachments_by_message ON attachments (message_id);
CREATE INDEX IF NOT EXISTS attachments_pending ON attachments (pending_until)
    WHERE pending_until IS NOT NULL;
CREATE INDEX IF NOT EXISTS attachments_by_uploader ON attachments (uploaded_by, id);
-- A ticket's attachment count (every ticket read, every upload's cap check) from the index
-- alone, without visiting each row for `pending_until`.
CREATE INDEX IF NOT EXISTS attachments_bound_by_ticket ON attachments (ticket_id)
    WHERE pending_until IS NULL;

-- Web UI sessions: the cookie is stored only as a hash; a session ends with its expiry, its
-- sign-out, or the revocation of the key it was made from.
CREATE TABLE IF NOT EXISTS sessions (
    id         BLOB PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    key_id     BLOB NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- What the nodes of one install share when its metadata is in PostgreSQL: URL-signing keys,
-- server secrets, and AK/SK signatures already served (replays refused on every node). A
-- single SQLite node keeps keys in its data directory's files and seen signatures in memory,
-- and leaves these empty; `attache migrate-db` copies the files here.
CREATE TABLE IF NOT EXISTS signing_keys (
    seq        INTEGER PRIMARY KEY,
    kid        TEXT NOT NULL UNIQUE,
    secret     BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS server_secrets (
    name   TEXT PRIMARY KEY,
    secret BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS seen_signatures (
    signature  BLOB PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_signatures_by_expiry ON seen_signatures (expires_at);
