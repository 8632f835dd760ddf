-- The PostgreSQL form of migrations/V7__ticket_escalation.sql.
-- A ticket raised to more senior attention, as a fact of the core that any dialect may show
-- (Waldur's escalate action and its issue's is_escalated, escalated_at, escalation_reason):
-- when it was escalated and why. Both are set together, once; existing tickets are not
-- escalated.
ALTER TABLE tickets ADD COLUMN escalated_at TEXT;
ALTER TABLE tickets ADD COLUMN escalation_reason TEXT;
