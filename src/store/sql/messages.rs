//! Messages: a ticket's thread, and the listing across tickets that some dialects page through.

use super::{params, Conn, Result, Row, ToValue};

use super::{contains_pattern, named, optional};
use crate::domain::Message;
use crate::ids::Id;

const COLUMNS: &str = "m.id, m.ticket_id, m.author_id, m.body, m.created_at,
    coalesce(m.updated_at, m.created_at) AS updated_at, m.internal, m.opening, m.sensitive";

fn message(row: &Row) -> Result<Message> {
    Ok(Message {
        id: row.get("id")?,
        ticket_id: row.get("ticket_id")?,
        author_id: row.get("author_id")?,
        body: row.get("body")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        internal: row.get("internal")?,
        opening: row.get("opening")?,
        sensitive: row.get("sensitive")?,
        attachments: Vec::new(),
    })
}

pub fn insert_message(conn: &Conn, m: &Message) -> Result<()> {
    conn.execute(
        "INSERT INTO messages (id, ticket_id, author_id, body, created_at, updated_at, internal,
                               opening, sensitive)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            m.id,
            m.ticket_id,
            m.author_id,
            m.body,
            m.created_at,
            m.updated_at,
            m.internal,
            m.opening,
            m.sensitive
        ],
    )?;
    Ok(())
}

/// Messages of a ticket, oldest first, without their attachments.
pub fn list_messages(conn: &Conn, ticket_id: Id) -> Result<Vec<Message>> {
    let sql = format!("SELECT {COLUMNS} FROM messages m WHERE m.ticket_id = ?1 ORDER BY m.id");
    conn.query_map(&sql, params![ticket_id], message)
}

pub fn message_by_id(conn: &Conn, id: Id) -> Result<Option<Message>> {
    let sql = format!("SELECT {COLUMNS} FROM messages m WHERE m.id = ?1");
    optional(conn.query_row(&sql, params![id], message))
}

/// Saves an edit: the body, whether the message is internal, and when.
pub fn update_message(conn: &Conn, m: &Message) -> Result<()> {
    conn.execute(
        "UPDATE messages SET body = ?2, internal = ?3, updated_at = ?4 WHERE id = ?1",
        params![m.id, m.body, m.internal, m.updated_at],
    )?;
    Ok(())
}

/// Deletes a message; the attachments it carried stay on its ticket, on no message.
pub fn delete_message(conn: &Conn, id: Id) -> Result<()> {
    conn.execute("DELETE FROM messages WHERE id = ?1", params![id])?;
    Ok(())
}

/// The opening message's body of each of these tickets that has one.
pub fn opening_bodies(conn: &Conn, tickets: &[Id]) -> Result<Vec<(Id, String)>> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=tickets.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "SELECT ticket_id, body FROM messages WHERE opening = 1 AND ticket_id IN ({})",
        marks.join(", ")
    );
    let ids: Vec<&dyn ToValue> = tickets.iter().map(|id| id as &dyn ToValue).collect();
    conn.query_map(&sql, ids.as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))
}

/// What a listing of messages across tickets sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageSort {
    Created,
    Updated,
}

/// Which messages a paged listing across tickets covers; every field narrows.
#[derive(Default, Clone, Debug)]
pub struct MessageFilter {
    /// Matches no message at all (a filter naming something that does not exist).
    pub nothing: bool,
    /// Only on tickets this user opened (customers).
    pub requester: Option<Id>,
    /// Internal messages only when this user wrote them (customers).
    pub reader: Option<Id>,
    pub ticket: Option<Id>,
    pub author: Option<Id>,
    /// Case-insensitive substrings (ASCII letters only fold).
    pub body_contains: Option<String>,
    pub author_name_contains: Option<String>,
    pub internal: Option<bool>,
    /// Also the messages tickets were opened with.
    pub with_opening: bool,
    /// Sort keys, each descending or not, then the id; none is newest first.
    pub order: Vec<(MessageSort, bool)>,
    pub limit: u32,
    pub offset: u32,
}

const MATCHING: &str = "FROM messages m JOIN tickets t ON t.id = m.ticket_id
    LEFT JOIN users u ON u.id = m.author_id
    WHERE NOT :nothing
      AND (t.requester_id = :requester OR :requester IS NULL)
      AND (m.internal = 0 OR m.author_id = :reader OR :reader IS NULL)
      AND (m.ticket_id = :ticket OR :ticket IS NULL)
      AND (m.author_id = :author OR :author IS NULL)
      AND (m.body LIKE :body ESCAPE '\\' OR :body IS NULL)
      AND (u.name LIKE :author_name ESCAPE '\\' OR :author_name IS NULL)
      AND (m.internal = :internal OR :internal IS NULL)
      AND (:with_opening OR m.opening = 0)";

impl MessageFilter {
    fn params(&self) -> Vec<(String, Box<dyn ToValue>)> {
        let pattern = |q: &Option<String>| q.as_deref().map(contains_pattern);
        let fixed: Vec<(&str, Box<dyn ToValue>)> = vec![
            (":nothing", Box::new(self.nothing)),
            (":requester", Box::new(self.requester)),
            (":reader", Box::new(self.reader)),
            (":ticket", Box::new(self.ticket)),
            (":author", Box::new(self.author)),
            (":body", Box::new(pattern(&self.body_contains))),
            (
                ":author_name",
                Box::new(pattern(&self.author_name_contains)),
            ),
            (":internal", Box::new(self.internal)),
            (":with_opening", Box::new(self.with_opening)),
        ];
        fixed
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect()
    }

    fn order_by(&self) -> String {
        let mut keys: Vec<String> = self
            .order
            .iter()
            .map(|(key, descending)| {
                let column = match key {
                    MessageSort::Created => "m.created_at",
                    MessageSort::Updated => "coalesce(m.updated_at, m.created_at)",
                };
                format!("{column} {}", super::direction(*descending))
            })
            .collect();
        let ascending = self
            .order
            .first()
            .is_some_and(|(_, descending)| !descending);
        keys.push(if ascending { "m.id ASC" } else { "m.id DESC" }.to_owned());
        keys.join(", ")
    }
}

/// One page of the messages `f` covers.
pub fn list_matching(conn: &Conn, f: &MessageFilter) -> Result<Vec<Message>> {
    let sql = format!(
        "SELECT {COLUMNS} {MATCHING} ORDER BY {} LIMIT :limit OFFSET :offset",
        f.order_by()
    );
    let mut params = f.params();
    params.push((":limit".to_owned(), Box::new(f.limit)));
    params.push((":offset".to_owned(), Box::new(f.offset)));
    conn.query_map(&sql, named(&params).as_slice(), message)
}

pub fn count_matching(conn: &Conn, f: &MessageFilter) -> Result<u64> {
    let sql = format!("SELECT count(*) {MATCHING}");
    conn.query_row(&sql, named(&f.params()).as_slice(), |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{now, Role, Status, Ticket, User};
    use crate::store::db::memory;
    use crate::store::sql::tickets::insert_ticket;
    use crate::store::sql::users::insert_user;

    fn user(conn: &Conn, name: &str) -> Id {
        let user = User {
            id: Id::new(),
            name: name.into(),
            role: Role::Customer,
            created_at: now(),
        };
        insert_user(conn, &user).unwrap();
        user.id
    }

    fn message(conn: &Conn, ticket: Id, author: Id, body: &str, internal: bool) -> Message {
        let at = now();
        let m = Message {
            id: Id::new(),
            ticket_id: ticket,
            author_id: author,
            body: body.into(),
            created_at: at,
            updated_at: at,
            internal,
            opening: body == "opening",
            sensitive: false,
            attachments: Vec::new(),
        };
        insert_message(conn, &m).unwrap();
        m
    }

    #[test]
    fn listings_across_tickets_keep_notes_and_openings_where_they_belong() {
        let conn = memory();
        let (casey, alex) = (user(&conn, "casey"), user(&conn, "alex"));
        let mut ticket = Ticket {
            id: Id::new(),
            number: 0,
            subject: "s".into(),
            status: Status::Open,
            priority: None,
            department: None,
            category: None,
            requester_id: casey,
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
        ticket.number = insert_ticket(&conn, &ticket).unwrap();
        message(&conn, ticket.id, casey, "opening", false);
        let reply = message(&conn, ticket.id, alex, "Reply 100%", false);
        let note = message(&conn, ticket.id, alex, "note", true);
        let bodies = |f: &MessageFilter| {
            let f = MessageFilter {
                limit: 10,
                ..f.clone()
            };
            let list = list_matching(&conn, &f).unwrap();
            assert_eq!(count_matching(&conn, &f).unwrap(), list.len() as u64);
            list.into_iter().map(|m| m.body).collect::<Vec<_>>()
        };
        assert_eq!(bodies(&MessageFilter::default()), ["note", "Reply 100%"]);
        let customer = MessageFilter {
            requester: Some(casey),
            reader: Some(casey),
            with_opening: true,
            order: vec![(MessageSort::Created, false)],
            ..Default::default()
        };
        assert_eq!(bodies(&customer), ["opening", "Reply 100%"]);
        let literal = MessageFilter {
            body_contains: Some("y 100%".into()),
            author_name_contains: Some("ALE".into()),
            ..Default::default()
        };
        assert_eq!(bodies(&literal), ["Reply 100%"]);
        let notes = MessageFilter {
            internal: Some(true),
            ..Default::default()
        };
        assert_eq!(bodies(&notes), ["note"]);
        let nothing = MessageFilter {
            nothing: true,
            ..Default::default()
        };
        assert!(bodies(&nothing).is_empty());
        let mut edited = reply.clone();
        edited.body = "Edited".into();
        edited.updated_at = now().plus(std::time::Duration::from_secs(1));
        update_message(&conn, &edited).unwrap();
        let by_change = MessageFilter {
            order: vec![(MessageSort::Updated, true)],
            ..Default::default()
        };
        assert_eq!(bodies(&by_change), ["Edited", "note"]);
        delete_message(&conn, note.id).unwrap();
        assert!(message_by_id(&conn, note.id).unwrap().is_none());
        let openings = opening_bodies(&conn, &[ticket.id, Id::new()]).unwrap();
        assert_eq!(openings, [(ticket.id, "opening".to_owned())]);
    }
}
