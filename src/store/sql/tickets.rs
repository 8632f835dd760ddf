//! Tickets and their messages.

use rusqlite::{params, Connection, Row};

use super::optional;
use crate::domain::{Message, Status, Ticket, Timestamp};
use crate::ids::Id;

const TICKET_COLUMNS: &str =
    "t.id, t.number, t.subject, t.status, t.priority, t.department, t.category,
    t.requester_id, t.created_at, t.updated_at,
    (SELECT count(*) FROM attachments a WHERE a.ticket_id = t.id AND a.pending_until IS NULL)
        AS attachment_count";

fn ticket(row: &Row) -> rusqlite::Result<Ticket> {
    let status: String = row.get("status")?;
    Ok(Ticket {
        id: row.get("id")?,
        number: row.get("number")?,
        subject: row.get("subject")?,
        status: Status::parse(&status).unwrap_or(Status::Open),
        priority: row.get("priority")?,
        department: row.get("department")?,
        category: row.get("category")?,
        requester_id: row.get("requester_id")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        attachment_count: row.get("attachment_count")?,
    })
}

/// Inserts a ticket with the next number; returns that number. Call inside a write transaction.
pub fn insert_ticket(conn: &Connection, t: &Ticket) -> rusqlite::Result<i64> {
    conn.query_row(
        "INSERT INTO tickets (id, number, subject, status, priority, department, category,
                              requester_id, created_at, updated_at)
         VALUES (?1, (SELECT coalesce(max(number), 0) + 1 FROM tickets), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         RETURNING number",
        params![
            t.id,
            t.subject,
            t.status.as_str(),
            t.priority,
            t.department,
            t.category,
            t.requester_id,
            t.created_at
        ],
        |row| row.get(0),
    )
}

pub fn count_tickets(conn: &Connection, f: &TicketFilter) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM tickets t WHERE (?1 IS NULL OR t.requester_id = ?1)
           AND (?2 IS NULL OR t.status = ?2)",
        params![f.requester, f.status.map(Status::as_str)],
        |r| r.get(0),
    )
}

pub fn ticket_by_id(conn: &Connection, id: Id) -> rusqlite::Result<Option<Ticket>> {
    let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = ?1");
    optional(conn.query_row(&sql, [id], ticket))
}

#[derive(Default, Clone, Debug)]
pub struct TicketFilter {
    /// Only tickets of this requester (customers).
    pub requester: Option<Id>,
    pub status: Option<Status>,
    /// Case-insensitive substring of the subject.
    pub subject_contains: Option<String>,
    /// Keyset paging: only tickets older than this one.
    pub before: Option<Id>,
    pub limit: u32,
    /// Offset paging, for dialects that number their pages.
    pub offset: u32,
}

/// Newest first.
pub fn list_tickets(conn: &Connection, f: &TicketFilter) -> rusqlite::Result<Vec<Ticket>> {
    let pattern = f.subject_contains.as_ref().map(|q| {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let sql = format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t
         WHERE (?1 IS NULL OR t.requester_id = ?1)
           AND (?2 IS NULL OR t.status = ?2)
           AND (?3 IS NULL OR t.subject LIKE ?3 ESCAPE '\\')
           AND (?4 IS NULL OR t.id < ?4)
         ORDER BY t.id DESC LIMIT ?5 OFFSET ?6"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(
        params![
            f.requester,
            f.status.map(Status::as_str),
            pattern,
            f.before,
            f.limit,
            f.offset
        ],
        ticket,
    )?;
    rows.collect()
}

pub fn update_ticket(conn: &Connection, t: &Ticket) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tickets SET subject = ?2, status = ?3, updated_at = ?4 WHERE id = ?1",
        params![t.id, t.subject, t.status.as_str(), t.updated_at],
    )?;
    Ok(())
}

pub fn touch_ticket(conn: &Connection, id: Id, at: &Timestamp) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tickets SET updated_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

pub fn insert_message(conn: &Connection, m: &Message) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO messages (id, ticket_id, author_id, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![m.id, m.ticket_id, m.author_id, m.body, m.created_at],
    )?;
    Ok(())
}

/// Messages of a ticket, oldest first, without their attachments.
pub fn list_messages(conn: &Connection, ticket_id: Id) -> rusqlite::Result<Vec<Message>> {
    let mut stmt = conn.prepare(
        "SELECT id, ticket_id, author_id, body, created_at FROM messages
         WHERE ticket_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([ticket_id], |row| {
        Ok(Message {
            id: row.get(0)?,
            ticket_id: row.get(1)?,
            author_id: row.get(2)?,
            body: row.get(3)?,
            created_at: row.get(4)?,
            attachments: Vec::new(),
        })
    })?;
    rows.collect()
}

/// How many tickets `requester` opened after `since`, and when the oldest of them was opened.
pub fn opened_since(
    conn: &Connection,
    requester: Id,
    since: &Timestamp,
) -> rusqlite::Result<(u64, Option<Timestamp>)> {
    conn.query_row(
        "SELECT count(*), min(created_at) FROM tickets WHERE requester_id = ?1 AND created_at > ?2",
        params![requester, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{now, Role, User};
    use crate::store::db::memory;
    use crate::store::sql::users::insert_user;

    fn new_ticket(conn: &Connection, requester: Id, subject: &str) -> Ticket {
        let mut t = Ticket {
            id: Id::new(),
            number: 0,
            subject: subject.into(),
            status: Status::Open,
            priority: None,
            department: None,
            category: None,
            requester_id: requester,
            created_at: now(),
            updated_at: now(),
            attachment_count: 0,
        };
        t.number = insert_ticket(conn, &t).unwrap();
        t
    }

    #[test]
    fn lists_newest_first_with_filters_and_paging() {
        let conn = memory();
        let user = User {
            id: Id::new(),
            name: "u".into(),
            role: Role::Customer,
            created_at: now(),
        };
        insert_user(&conn, &user).unwrap();
        let other = User {
            id: Id::new(),
            name: "o".into(),
            role: Role::Customer,
            created_at: now(),
        };
        insert_user(&conn, &other).unwrap();
        let a = new_ticket(&conn, user.id, "Printer on fire");
        let b = new_ticket(&conn, user.id, "VPN 100%_down");
        let c = new_ticket(&conn, other.id, "printer jam");
        assert_eq!((a.number, b.number, c.number), (1, 2, 3));

        let all = list_tickets(
            &conn,
            &TicketFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(all.iter().map(|t| t.number).collect::<Vec<_>>(), [3, 2, 1]);

        let mine = TicketFilter {
            requester: Some(user.id),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(list_tickets(&conn, &mine).unwrap().len(), 2);

        let search = TicketFilter {
            subject_contains: Some("PRINTER".into()),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(list_tickets(&conn, &search).unwrap().len(), 2);
        let literal = TicketFilter {
            subject_contains: Some("100%_".into()),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            list_tickets(&conn, &literal).unwrap().len(),
            1,
            "% and _ are literal"
        );

        let page = TicketFilter {
            before: Some(c.id),
            limit: 1,
            ..Default::default()
        };
        assert_eq!(list_tickets(&conn, &page).unwrap()[0].id, b.id);
    }
}
