//! Tickets: list, open, read, change.

use crate::core::access::Caller;
use crate::core::model::{now, Message, Scope, Status, Ticket};
use crate::core::Core;
use crate::error::{Error, FieldError, Result};
use crate::ids::Id;
use crate::store::sql::tickets::{self as sql, TicketFilter};

pub const MAX_PAGE: u32 = 100;
pub const DEFAULT_PAGE: u32 = 25;
const MAX_SUBJECT: usize = 500;
pub const MAX_BODY: usize = 64 * 1024;

#[derive(Default, Debug, Clone)]
pub struct ListQuery {
    pub status: Option<Status>,
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<Id>,
}

/// One page of tickets and the cursor of the next page, if any.
pub struct Page {
    pub tickets: Vec<Ticket>,
    pub next_cursor: Option<Id>,
}

pub async fn list(core: &Core, caller: &Caller, query: ListQuery) -> Result<Page> {
    caller.require(Scope::TicketsRead)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let filter = TicketFilter {
        requester: (!caller.user.role.sees_all_tickets()).then_some(caller.user.id),
        status: query.status,
        subject_contains: query.q.filter(|q| !q.is_empty()),
        before: query.cursor,
        limit: limit + 1,
    };
    let mut tickets = core
        .db
        .run(move |conn| Ok(sql::list_tickets(conn, &filter)?))
        .await?;
    let next_cursor = if tickets.len() > limit as usize {
        tickets.truncate(limit as usize);
        tickets.last().map(|t| t.id)
    } else {
        None
    };
    Ok(Page {
        tickets,
        next_cursor,
    })
}

/// A ticket the caller may see, else `not_found`.
pub async fn get(core: &Core, caller: &Caller, id: Id) -> Result<Ticket> {
    caller.require(Scope::TicketsRead)?;
    visible(core, caller, id).await
}

/// The ticket if it exists and the caller may see it, whatever the scope asked for.
pub(crate) async fn visible(core: &Core, caller: &Caller, id: Id) -> Result<Ticket> {
    let ticket = core
        .db
        .run(move |conn| Ok(sql::ticket_by_id(conn, id)?))
        .await?;
    ticket
        .filter(|t| caller.may_see(t))
        .ok_or(Error::NotFound("ticket"))
}

fn check_subject(subject: &str) -> Result<String> {
    let subject = subject.trim();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
        return Err(Error::invalid(
            "/subject",
            "invalid_subject",
            format!("The subject is 1 to {MAX_SUBJECT} characters."),
        ));
    }
    Ok(subject.to_owned())
}

pub fn check_body(pointer: &str, body: &str) -> Result<()> {
    if body.len() > MAX_BODY {
        return Err(Error::invalid(
            pointer,
            "too_long",
            format!("At most {MAX_BODY} bytes."),
        ));
    }
    Ok(())
}

/// Opens a ticket for the caller; `first_message`, when given, becomes its first message.
pub async fn create(
    core: &Core,
    caller: &Caller,
    subject: &str,
    first_message: Option<String>,
) -> Result<Ticket> {
    caller.require(Scope::TicketsWrite)?;
    let subject = check_subject(subject)?;
    if let Some(body) = &first_message {
        check_body("/message", body)?;
    }
    let at = now();
    let mut ticket = Ticket {
        id: Id::new(),
        number: 0,
        subject,
        status: Status::Open,
        requester_id: caller.user.id,
        created_at: at.clone(),
        updated_at: at.clone(),
        attachment_count: 0,
    };
    let author_id = caller.user.id;
    ticket = core
        .db
        .write(move |tx| {
            ticket.number = sql::insert_ticket(tx, &ticket)?;
            if let Some(body) = first_message.filter(|b| !b.trim().is_empty()) {
                let message = Message {
                    id: Id::new(),
                    ticket_id: ticket.id,
                    author_id,
                    body,
                    created_at: at,
                    attachments: Vec::new(),
                };
                sql::insert_message(tx, &message)?;
            }
            Ok(ticket)
        })
        .await?;
    Ok(ticket)
}

#[derive(Default, Debug)]
pub struct Change {
    pub subject: Option<String>,
    pub status: Option<Status>,
}

pub async fn update(core: &Core, caller: &Caller, id: Id, change: Change) -> Result<Ticket> {
    caller.require(Scope::TicketsWrite)?;
    let mut ticket = visible(core, caller, id).await?;
    if change.subject.is_none() && change.status.is_none() {
        return Err(Error::Invalid(vec![FieldError::new(
            "",
            "nothing_to_change",
            "Send `subject`, `status` or both.",
        )]));
    }
    if let Some(subject) = change.subject {
        ticket.subject = check_subject(&subject)?;
    }
    if let Some(status) = change.status {
        ticket.status = status;
    }
    ticket.updated_at = now();
    let saved = ticket.clone();
    core.db
        .write(move |tx| Ok(sql::update_ticket(tx, &saved)?))
        .await?;
    Ok(ticket)
}
