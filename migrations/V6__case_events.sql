-- What happened to each ticket, for every dialect to read (Huawei OSM's operate logs): one
-- row per change the core makes, in the order made. kind: what happened (src/domain/event.rs
-- names each); actor_id: who did it; detail: what the change was about (the new status, a
-- file's name, the message's id), empty when the kind says it all.
CREATE TABLE ticket_events (
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
CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, id);
-- Earlier schemas kept no record of changes: what can still be read is who opened each
-- ticket and who replied on it, in that order of time. (Who closed a ticket was not kept.)
INSERT INTO ticket_events (ticket_id, kind, actor_id, detail, created_at)
SELECT ticket_id, kind, actor_id, detail, created_at FROM (
    SELECT id AS ticket_id, 'created' AS kind, requester_id AS actor_id, '' AS detail,
           created_at, 0 AS rank, id AS tie
    FROM tickets
    UNION ALL
    SELECT ticket_id, 'replied', author_id, lower(hex(id)), created_at, 1, id
    FROM messages WHERE opening = 0
)
ORDER BY created_at, rank, tie;

-- How to reach a ticket's requester about it (Huawei OSM's contact info): a phone (with its
-- country calling code), an email address, and the hours they may be reached, as free text
-- (OSM: "0" any time, or "09:00-18:00"). One row per ticket that has any.
CREATE TABLE ticket_contacts (
    ticket_id    BLOB PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    calling_code TEXT,
    phone        TEXT,
    email        TEXT,
    hours        TEXT,
    updated_at   TEXT NOT NULL
);
