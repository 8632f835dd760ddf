-- Ticket statuses for every dialect (src/domain/status.rs has the table of what each calls
-- them), and the times TopTickets shows: resolved_at, closed_at, due_date. SQLite cannot
-- change a CHECK constraint, so the table is rebuilt: a new one, every row copied, the old one
-- dropped and the new one renamed, then its index again. The migration runs with foreign keys
-- off (src/store/migrate.rs), so dropping the old table deletes no message or attachment, and
-- the references of messages and attachments to `tickets` name the new table once renamed.
-- Existing statuses keep their names and meaning; a ticket closed before now gets its last
-- change as closed_at, the best time known.
CREATE TABLE tickets_v4 (
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
    due_date     TEXT
);
INSERT INTO tickets_v4 (id, number, subject, status, priority, department, category,
                        requester_id, created_at, updated_at, resolved_at, closed_at, due_date)
SELECT id, number, subject, status, priority, department, category,
       requester_id, created_at, updated_at, NULL,
       CASE WHEN status = 'closed' THEN updated_at END, NULL
FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_v4 RENAME TO tickets;
CREATE INDEX tickets_by_requester ON tickets (requester_id, id);
