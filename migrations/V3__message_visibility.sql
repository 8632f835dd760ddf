-- Messages that are not for the customer's eyes, edits, and the message a ticket opened with.
-- internal: 1 for a note only agents and admins (and its author) see (Waldur `is_public:
-- false`, TopTickets `is_internal`). updated_at: the last edit, or the creation of a message
-- never edited. opening: 1 for the message written with the ticket, which the dialects show
-- as the ticket's description rather than as a reply.
ALTER TABLE messages ADD COLUMN internal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN updated_at TEXT;
ALTER TABLE messages ADD COLUMN opening INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET updated_at = created_at;
-- Earlier schemas did not record which message opened a ticket: it is the ticket's first
-- message when its requester wrote it within two seconds of opening the ticket.
UPDATE messages SET opening = 1
WHERE id IN (
    SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id
    WHERE m.author_id = t.requester_id
      AND m.id = (SELECT min(e.id) FROM messages e WHERE e.ticket_id = m.ticket_id)
      AND julianday(m.created_at) - julianday(t.created_at) BETWEEN 0 AND 2.0 / 86400
);
