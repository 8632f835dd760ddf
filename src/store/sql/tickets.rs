//! Tickets: stored, found, and listed by what they match.

use super::{params, Conn, Result, Row, ToValue};

pub use super::ticket_match::{CategoryMatch, TextMatch, TicketMatch, TicketSort};
use super::{contains_pattern, named, optional};
use crate::domain::{CcAddresses, Escalation, Sha256, Status, Ticket, Timestamp};
use crate::ids::Id;

const TICKET_COLUMNS: &str =
    "t.id, t.number, t.subject, t.status, t.priority, t.department, t.category,
    t.requester_id, t.created_at, t.updated_at, t.resolved_at, t.closed_at, t.due_date,
    t.cc_addresses, t.priority_reason, t.escalated_at, t.escalation_reason,
    (SELECT count(*) FROM attachments a WHERE a.ticket_id = t.id AND a.pending_until IS NULL)
        AS attachment_count";

fn ticket(row: &Row) -> Result<Ticket> {
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
        resolved_at: row.get("resolved_at")?,
        closed_at: row.get("closed_at")?,
        due_date: row.get("due_date")?,
        cc_addresses: CcAddresses::from_db(&row.get::<String>("cc_addresses")?),
        priority_reason: row.get("priority_reason")?,
        escalation: escalation(row)?,
        attachment_count: row.get("attachment_count")?,
    })
}

fn escalation(row: &Row) -> Result<Option<Escalation>> {
    let at: Option<Timestamp> = row.get("escalated_at")?;
    let reason: Option<String> = row.get("escalation_reason")?;
    Ok(at.map(|at| Escalation {
        at,
        reason: reason.unwrap_or_default(),
    }))
}

/// Inserts a ticket with the next number; returns that number. Call inside a write transaction.
pub fn insert_ticket(conn: &Conn, t: &Ticket) -> Result<i64> {
    conn.query_row(
        "INSERT INTO tickets (id, number, subject, status, priority, department, category,
                              requester_id, created_at, updated_at, resolved_at, closed_at,
                              due_date, cc_addresses, priority_reason)
         VALUES (?1, (SELECT coalesce(max(number), 0) + 1 FROM tickets), ?2, ?3, ?4, ?5, ?6, ?7,
                 ?8, ?8, ?9, ?10, ?11, ?12, ?13)
         RETURNING number",
        params![
            t.id,
            t.subject,
            t.status.as_str(),
            t.priority,
            t.department,
            t.category,
            t.requester_id,
            t.created_at,
            t.resolved_at,
            t.closed_at,
            t.due_date,
            t.cc_addresses.to_db(),
            t.priority_reason,
        ],
        |row| row.get(0),
    )
}

pub fn ticket_by_id(conn: &Conn, id: Id) -> Result<Option<Ticket>> {
    let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = ?1");
    optional(conn.query_row(&sql, params![id], ticket))
}

#[derive(Default, Clone, Debug)]
pub struct TicketFilter {
    /// Only tickets of this requester (customers).
    pub requester: Option<Id>,
    pub status: Option<Status>,
    /// Case-insensitive substring of the subject.
    pub subject_contains: Option<String>,
    /// Keyset paging: only tickets older than this one (with the default order).
    pub before: Option<Id>,
    pub matches: TicketMatch,
    /// Sort keys, each descending or not; none is newest first.
    pub order: Vec<(TicketSort, bool)>,
    pub limit: u32,
    /// Offset paging, for dialects that number their pages.
    pub offset: u32,
}

const MATCHING: &str = "FROM tickets t LEFT JOIN users u ON u.id = t.requester_id
    WHERE NOT :nothing
      AND (t.requester_id = :requester OR :requester IS NULL)
      AND (t.status = :status OR :status IS NULL)
      AND (t.subject LIKE :subject ESCAPE '\\' OR :subject IS NULL)
      AND (t.id < :before OR :before IS NULL)
      AND ((t.status = 'closed') = :closed OR :closed IS NULL)
      AND ((t.escalated_at IS NOT NULL) = :escalated OR :escalated IS NULL)
      AND (t.number = :number OR :number IS NULL)
      AND (t.id = :id OR :id IS NULL)
      AND (t.requester_id = :opened_by OR :opened_by IS NULL)
      AND (t.category = :category
           OR (:category_or_none AND t.category IS NULL) OR :category IS NULL)
      AND (t.priority = :priority
           OR (:priority_or_none AND t.priority IS NULL) OR :priority IS NULL)
      AND (instr(:statuses, ',' || t.status || ',') > 0 OR :statuses IS NULL)
      AND (t.department = :department OR :department IS NULL)
      AND (t.subject LIKE :text ESCAPE '\\'
           OR (:key_prefix || t.number) LIKE :text ESCAPE '\\' OR :text IS NULL)";

impl TicketFilter {
    /// `MATCHING`, and a condition for each substring of the requester's name.
    fn matching(&self) -> String {
        let mut sql = MATCHING.to_owned();
        for i in 0..self.matches.requester_name_contains.len() {
            sql.push_str(&format!(" AND u.name LIKE :requester_name{i} ESCAPE '\\'"));
        }
        sql
    }

    fn params(&self) -> Vec<(String, Box<dyn ToValue>)> {
        let m = &self.matches;
        let pattern = |q: Option<&str>| q.map(contains_pattern);
        let category = m.category.as_ref();
        let priority = m.priority.as_ref();
        let statuses = (!m.statuses.is_empty()).then(|| {
            let names: Vec<&str> = m.statuses.iter().map(|s| s.as_str()).collect();
            format!(",{},", names.join(","))
        });
        let fixed: Vec<(&str, Box<dyn ToValue>)> = vec![
            (":nothing", Box::new(m.nothing)),
            (":requester", Box::new(self.requester)),
            (":status", Box::new(self.status.map(Status::as_str))),
            (
                ":subject",
                Box::new(pattern(self.subject_contains.as_deref())),
            ),
            (":before", Box::new(self.before)),
            (":closed", Box::new(m.closed)),
            (":escalated", Box::new(m.escalated)),
            (":number", Box::new(m.number)),
            (":id", Box::new(m.id)),
            (":opened_by", Box::new(m.requester)),
            (":category", Box::new(category.map(|c| c.name.clone()))),
            (
                ":category_or_none",
                Box::new(category.is_some_and(|c| c.or_none)),
            ),
            (":priority", Box::new(priority.map(|p| p.name.clone()))),
            (
                ":priority_or_none",
                Box::new(priority.is_some_and(|p| p.or_none)),
            ),
            (":statuses", Box::new(statuses)),
            (":department", Box::new(m.department.clone())),
            (
                ":text",
                Box::new(pattern(m.text.as_ref().map(|t| t.needle.as_str()))),
            ),
            (
                ":key_prefix",
                Box::new(m.text.as_ref().map(|t| t.key_prefix.clone())),
            ),
        ];
        let mut params: Vec<(String, Box<dyn ToValue>)> = fixed
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        for (i, name) in m.requester_name_contains.iter().enumerate() {
            params.push((
                format!(":requester_name{i}"),
                Box::new(contains_pattern(name)),
            ));
        }
        params
    }

    fn order_by(&self) -> String {
        let mut keys: Vec<String> = self
            .order
            .iter()
            .map(|(key, descending)| format!("{} {}", key.column(), super::direction(*descending)))
            .collect();
        let ascending = self
            .order
            .first()
            .is_some_and(|(_, descending)| !descending);
        keys.push(if ascending { "t.id ASC" } else { "t.id DESC" }.to_owned());
        keys.join(", ")
    }
}

pub fn count_tickets(conn: &Conn, f: &TicketFilter) -> Result<u64> {
    let sql = format!("SELECT count(*) {}", f.matching());
    conn.query_row(&sql, named(&f.params()).as_slice(), |r| r.get(0))
}

/// One page of the tickets `f` covers, newest first unless it says otherwise.
pub fn list_tickets(conn: &Conn, f: &TicketFilter) -> Result<Vec<Ticket>> {
    let sql = format!(
        "SELECT {TICKET_COLUMNS} {} ORDER BY {} LIMIT :limit OFFSET :offset",
        f.matching(),
        f.order_by()
    );
    let mut params = f.params();
    params.push((":limit".to_owned(), Box::new(f.limit)));
    params.push((":offset".to_owned(), Box::new(f.offset)));
    conn.query_map(&sql, named(&params).as_slice(), ticket)
}

/// Stores every field a change may touch.
pub fn update_ticket(conn: &Conn, t: &Ticket) -> Result<()> {
    conn.execute(
        "UPDATE tickets SET subject = ?2, status = ?3, updated_at = ?4, priority = ?5,
                category = ?6, resolved_at = ?7, closed_at = ?8, due_date = ?9
         WHERE id = ?1",
        params![
            t.id,
            t.subject,
            t.status.as_str(),
            t.updated_at,
            t.priority,
            t.category,
            t.resolved_at,
            t.closed_at,
            t.due_date,
        ],
    )?;
    Ok(())
}

/// Deletes a ticket with its messages and attachments (their rows: the caller removes the
/// files no attachment names any more). Returns the ids of the deleted attachments and the
/// hashes they named.
pub fn delete_ticket(conn: &Conn, id: Id) -> Result<(Vec<Id>, Vec<Sha256>)> {
    let rows: Vec<(Id, String)> = conn.query_map(
        "SELECT id, sha256 FROM attachments WHERE ticket_id = ?1",
        params![id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    conn.execute("DELETE FROM attachments WHERE ticket_id = ?1", params![id])?;
    conn.execute("DELETE FROM messages WHERE ticket_id = ?1", params![id])?;
    conn.execute(
        "DELETE FROM ticket_events WHERE ticket_id = ?1",
        params![id],
    )?;
    conn.execute(
        "DELETE FROM ticket_contacts WHERE ticket_id = ?1",
        params![id],
    )?;
    conn.execute("DELETE FROM tickets WHERE id = ?1", params![id])?;
    let mut hashes: Vec<Sha256> = rows.iter().filter_map(|(_, h)| Sha256::parse(h)).collect();
    hashes.sort_by_key(|h| h.0);
    hashes.dedup();
    Ok((rows.into_iter().map(|(id, _)| id).collect(), hashes))
}

pub fn touch_ticket(conn: &Conn, id: Id, at: &Timestamp) -> Result<()> {
    conn.execute(
        "UPDATE tickets SET updated_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

/// When `requester` last opened a ticket with `priority` and a reason for it after `since`.
pub fn last_alert_since(
    conn: &Conn,
    requester: Id,
    priority: &str,
    since: &Timestamp,
) -> Result<Option<Timestamp>> {
    conn.query_row(
        "SELECT max(created_at) FROM tickets WHERE requester_id = ?1 AND created_at > ?2
           AND priority = ?3 AND priority_reason IS NOT NULL",
        params![requester, since, priority],
        |r| r.get(0),
    )
}

/// How many tickets `requester` opened after `since`, and when the oldest of them was opened.
pub fn opened_since(
    conn: &Conn,
    requester: Id,
    since: &Timestamp,
) -> Result<(u64, Option<Timestamp>)> {
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

    fn new_ticket(conn: &Conn, requester: Id, subject: &str) -> Ticket {
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
            resolved_at: None,
            closed_at: None,
            due_date: None,
            cc_addresses: Default::default(),
            priority_reason: None,
            escalation: None,
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
