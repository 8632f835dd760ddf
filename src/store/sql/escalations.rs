//! A ticket's escalation: set once, with when and why.

use super::{params, Conn, Result};

use crate::domain::Escalation;
use crate::ids::Id;

/// Escalates a ticket not escalated yet, and counts it as changed then; false (and nothing
/// changed) if it already was. Call inside a write transaction.
pub fn escalate_ticket(conn: &Conn, id: Id, escalation: &Escalation) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE tickets SET escalated_at = ?2, escalation_reason = ?3, updated_at = ?2
         WHERE id = ?1 AND escalated_at IS NULL",
        params![id, escalation.at, escalation.reason],
    )?;
    Ok(changed == 1)
}
