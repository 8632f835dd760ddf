-- The PostgreSQL form of migrations/V3__message_visibility.sql.
-- Messages that are not for the customer's eyes, edits, and the message a ticket opened with.
-- internal: 1 for a note only agents and admins (and its author) see (Waldur `is_public:
-- false`, TopTickets `is_internal`). updated_at: the last edit, or the creation of a message
-- never edited. opening: 1 for the message written with the ticket, which the dialects show
-- as the ticket's description rather than as a reply.
ALTER TABLE messages ADD COLUMN internal BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN updated_at TEXT;
ALTER TABLE messages ADD COLUMN opening BIGINT NOT NULL DEFAULT 0;
UPDATE messages SET updated_at = created_at;
-- Earlier schemas did not record which message opened a ticket: it is the ticket's first
-- message when its requester wrote it within two seconds of opening the ticket. PostgreSQL has
-- no min() of bytea, so "the first" is "no message of the ticket has a smaller id"; and the
-- RFC 3339 texts are read as timestamptz where SQLite's form subtracts julianday()s.
UPDATE messages SET opening = 1
WHERE id IN (
    SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id
    WHERE m.author_id = t.requester_id
      AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.ticket_id = m.ticket_id AND e.id < m.id)
      AND m.created_at::timestamptz - t.created_at::timestamptz
          BETWEEN interval '0 seconds' AND interval '2 seconds'
);
