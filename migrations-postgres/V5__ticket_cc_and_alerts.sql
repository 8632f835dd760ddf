-- The PostgreSQL form of migrations/V5__ticket_cc_and_alerts.sql.
-- What HostUp's clients send with a ticket and a reply, kept as facts of the core that any
-- dialect may show: the e-mail addresses a ticket is copied to (a JSON array of strings,
-- HostUp `ccEmails`), why a ticket has its priority (HostUp's `criticalReason`, the impact a
-- critical ticket has; a critical ticket with a reason is an alert, at most one per requester
-- an hour), and whether its author marked a message as sensitive (HostUp `encrypted`).
-- Existing tickets are copied to nobody, have no reason, and no message is sensitive.
ALTER TABLE tickets ADD COLUMN cc_addresses TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tickets ADD COLUMN priority_reason TEXT;
ALTER TABLE messages ADD COLUMN sensitive BIGINT NOT NULL DEFAULT 0;
