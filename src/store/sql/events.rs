//! A ticket's events (what happened to it, in order) and its contact details.

use super::{params, Conn, Result, Row};

use super::optional;
use crate::domain::{Contact, EventKind, TicketEvent, Timestamp};
use crate::ids::Id;

fn event(row: &Row) -> Result<TicketEvent> {
    let kind: String = row.get("kind")?;
    Ok(TicketEvent {
        id: row.get("id")?,
        ticket_id: row.get("ticket_id")?,
        // The CHECK of `kind` admits only the names `parse` reads.
        kind: EventKind::parse(&kind).unwrap_or(EventKind::Changed),
        actor_id: row.get("actor_id")?,
        detail: row.get("detail")?,
        created_at: row.get("created_at")?,
    })
}

/// Records one event. Call inside the write transaction that makes the change.
pub fn insert_event(
    conn: &Conn,
    ticket_id: Id,
    kind: EventKind,
    actor_id: Id,
    detail: &str,
    at: &Timestamp,
) -> Result<()> {
    conn.execute(
        "INSERT INTO ticket_events (ticket_id, kind, actor_id, detail, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![ticket_id, kind.as_str(), actor_id, detail, at],
    )?;
    Ok(())
}

/// A page of a ticket's events, oldest first.
pub fn list_events(
    conn: &Conn,
    ticket_id: Id,
    offset: u32,
    limit: u32,
) -> Result<Vec<TicketEvent>> {
    conn.query_map(
        "SELECT id, ticket_id, kind, actor_id, detail, created_at FROM ticket_events
         WHERE ticket_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
        params![ticket_id, limit, offset],
        event,
    )
}

pub fn count_events(conn: &Conn, ticket_id: Id) -> Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM ticket_events WHERE ticket_id = ?1",
        params![ticket_id],
        |row| row.get(0),
    )
}

/// Whether `ticket_id` records an event of `kind` about `detail` (a message withdrawn, say).
pub fn has_event(conn: &Conn, ticket_id: Id, kind: EventKind, detail: &str) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM ticket_events
                        WHERE ticket_id = ?1 AND kind = ?2 AND detail = ?3)",
        params![ticket_id, kind.as_str(), detail],
        |row| row.get(0),
    )
}

pub fn contact_of(conn: &Conn, ticket_id: Id) -> Result<Option<Contact>> {
    optional(conn.query_row(
        "SELECT calling_code, phone, email, hours FROM ticket_contacts WHERE ticket_id = ?1",
        params![ticket_id],
        |row| {
            Ok(Contact {
                calling_code: row.get(0)?,
                phone: row.get(1)?,
                email: row.get(2)?,
                hours: row.get(3)?,
            })
        },
    ))
}

pub fn save_contact(conn: &Conn, ticket_id: Id, c: &Contact, at: &Timestamp) -> Result<()> {
    conn.execute(
        "INSERT INTO ticket_contacts (ticket_id, calling_code, phone, email, hours, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (ticket_id) DO UPDATE SET calling_code = ?2, phone = ?3, email = ?4,
             hours = ?5, updated_at = ?6",
        params![ticket_id, c.calling_code, c.phone, c.email, c.hours, at],
    )?;
    Ok(())
}
