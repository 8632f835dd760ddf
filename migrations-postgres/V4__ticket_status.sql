-- The PostgreSQL form of migrations/V4__ticket_status.sql.
-- Ticket statuses for every dialect (src/domain/status.rs has the table of what each calls
-- them), and the times TopTickets shows: resolved_at, closed_at, due_date. SQLite rebuilds the
-- table to change its CHECK constraint; PostgreSQL replaces the constraint in place, and the
-- new columns land where SQLite's rebuild puts them, after updated_at.
-- Existing statuses keep their names and meaning; a ticket closed before now gets its last
-- change as closed_at, the best time known.
ALTER TABLE tickets
    DROP CONSTRAINT tickets_status_check,
    ADD CONSTRAINT tickets_status_check
        CHECK (status IN ('new', 'open', 'in_progress', 'customer_reply',
                          'pending', 'on_hold', 'resolved', 'closed')),
    ADD COLUMN resolved_at TEXT,
    ADD COLUMN closed_at   TEXT,
    ADD COLUMN due_date    TEXT;
UPDATE tickets SET closed_at = updated_at WHERE status = 'closed';
