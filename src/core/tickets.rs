//! Tickets: list, open, read, change.

use crate::core::access::Caller;
use crate::core::alerts::check_alert;
pub use crate::core::alerts::ALERT_PRIORITY;
use crate::core::events::{self, check_contact, merge, record};
use crate::core::messages::{insert, Carry, Draft};
use crate::core::quota;
use crate::core::Core;
use crate::domain::{now, CcAddresses, Contact, EventKind, Scope, Status, Ticket, Timestamp};
use crate::error::{Error, FieldError, Result};
use crate::ids::Id;
use crate::store::sql::attachments as attachment_sql;
use crate::store::sql::events::save_contact;
use crate::store::sql::tickets::{self as sql, TicketFilter};

pub use crate::store::sql::tickets::{CategoryMatch, TextMatch, TicketMatch, TicketSort};

pub const MAX_PAGE: u32 = 500;
pub const DEFAULT_PAGE: u32 = 25;
const MAX_SUBJECT: usize = 500;
pub const MAX_BODY: usize = 64 * 1024;

#[derive(Default, Debug, Clone)]
pub struct ListQuery {
    pub status: Option<Status>,
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<Id>,
    /// Offset paging, for dialects that number their pages.
    pub offset: Option<u32>,
    /// More criteria, for dialects that filter on more than the status and the subject.
    pub matches: TicketMatch,
    /// Sort keys, each descending or not (`cursor` assumes none: newest first).
    pub order: Vec<(TicketSort, bool)>,
}

/// One page of tickets and the cursor of the next page, if any.
pub struct Page {
    pub tickets: Vec<Ticket>,
    pub next_cursor: Option<Id>,
}

pub async fn list(core: &Core, caller: &Caller, query: ListQuery) -> Result<Page> {
    caller.require(Scope::TicketsRead)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let mut filter = filter_for(caller, query);
    filter.limit = limit + 1;
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

/// What `query` asks of the store, narrowed to what the caller sees.
fn filter_for(caller: &Caller, query: ListQuery) -> TicketFilter {
    TicketFilter {
        requester: caller.sees().requester(),
        status: query.status,
        subject_contains: query.q.filter(|q| !q.is_empty()),
        before: query.cursor,
        matches: query.matches,
        order: query.order,
        limit: query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE),
        offset: query.offset.unwrap_or(0),
    }
}

/// One page of the tickets `query` matches, by offset, and how many it matches in all (for
/// dialects that number their pages and report totals).
pub async fn page(core: &Core, caller: &Caller, query: ListQuery) -> Result<(Vec<Ticket>, u64)> {
    caller.require(Scope::TicketsRead)?;
    let filter = filter_for(caller, query);
    core.db
        .run(move |conn| {
            Ok((
                sql::list_tickets(conn, &filter)?,
                sql::count_tickets(conn, &filter)?,
            ))
        })
        .await
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

/// What opening a ticket takes; the message and the uploads it names become its first message.
#[derive(Default, Debug, Clone)]
pub struct NewTicket {
    /// The id the ticket is to have (fixtures give theirs); `None`: a new one.
    pub id: Option<Id>,
    pub subject: String,
    pub message: Option<String>,
    pub priority: Option<String>,
    pub department: Option<String>,
    pub category: Option<String>,
    pub attachment_ids: Vec<Id>,
    /// The status it opens with: `open` unless the dialect says (TopTickets: `new`).
    pub status: Option<Status>,
    pub due_date: Option<Timestamp>,
    /// Whom news of it is copied to.
    pub cc_addresses: CcAddresses,
    /// Why it has its priority; with `ALERT_PRIORITY`, the ticket is an alert.
    pub priority_reason: Option<String>,
    /// How to reach the requester about it (its parts that are set).
    pub contact: Option<Contact>,
}

/// Opens a ticket for the caller.
pub async fn create(core: &Core, caller: &Caller, new: NewTicket) -> Result<Ticket> {
    caller.require(Scope::TicketsWrite)?;
    let subject = check_subject(&new.subject)?;
    let body = new.message.unwrap_or_default();
    check_body("/message", &body)?;
    for (pointer, value) in [
        ("/priority", &new.priority),
        ("/department", &new.department),
        ("/category", &new.category),
    ] {
        check_label(pointer, value.as_deref())?;
    }
    let reason = new.priority_reason.filter(|r| !r.trim().is_empty());
    check_body("/priority_reason", reason.as_deref().unwrap_or_default())?;
    let alert = reason.is_some() && new.priority.as_deref() == Some(ALERT_PRIORITY);
    let contact = new.contact.map(|change| {
        let mut contact = Contact::default();
        merge(&mut contact, change);
        contact
    });
    contact.as_ref().map(check_contact).transpose()?;
    let at = now();
    let mut ticket = Ticket {
        id: new.id.unwrap_or_default(),
        number: 0,
        subject,
        status: Status::Open,
        priority: new.priority,
        department: new.department,
        category: new.category,
        requester_id: caller.user.id,
        created_at: at,
        updated_at: at,
        resolved_at: None,
        closed_at: None,
        due_date: new.due_date,
        cc_addresses: new.cc_addresses,
        priority_reason: reason,
        escalation: None,
        attachment_count: 0,
    };
    set_status(&mut ticket, new.status.unwrap_or(Status::Open), at);
    let caller = caller.clone();
    let limit = core.config.max_attachments_per_ticket;
    let quotas = core.config.quotas;
    core.db
        .write(move |tx| {
            quota::check_ticket(tx, &quotas, &caller)?;
            if alert {
                check_alert(tx, &caller)?;
            }
            ticket.number = sql::insert_ticket(tx, &ticket)?;
            record(tx, ticket.id, EventKind::Created, &caller, "")?;
            if let Some(contact) = contact.filter(|c| *c != Contact::default()) {
                save_contact(tx, ticket.id, &contact, &at)?;
            }
            if !body.trim().is_empty() || !new.attachment_ids.is_empty() {
                let draft = Draft {
                    body,
                    internal: false,
                    opening: true,
                    sensitive: false,
                };
                let first = insert(
                    tx,
                    &caller,
                    ticket.id,
                    draft,
                    &new.attachment_ids,
                    Carry::Named,
                    limit,
                )?;
                ticket.attachment_count = first.attachments.len() as i64;
            }
            Ok(ticket)
        })
        .await
}

/// Priorities, departments and categories are free text of at most 100 characters.
fn check_label(pointer: &str, value: Option<&str>) -> Result<()> {
    if value.is_some_and(|v| v.chars().count() > 100) {
        return Err(Error::invalid(
            pointer,
            "too_long",
            "At most 100 characters.",
        ));
    }
    Ok(())
}

/// Moves `ticket` to `status` at `at`, keeping the times of its last resolution and closing:
/// each is set when the ticket becomes resolved or closed, and both go when it is reopened
/// (a closed ticket made resolved again loses its `closed_at` only).
pub fn set_status(ticket: &mut Ticket, status: Status, at: Timestamp) {
    match status {
        Status::Resolved => {
            ticket.resolved_at.get_or_insert(at);
            ticket.closed_at = None;
        }
        Status::Closed => {
            ticket.closed_at.get_or_insert(at);
        }
        _ => {
            ticket.resolved_at = None;
            ticket.closed_at = None;
        }
    }
    ticket.status = status;
}

/// How many tickets with any of `statuses` (any status if none) the caller sees (for
/// dialects that report totals).
pub async fn count(core: &Core, caller: &Caller, statuses: Vec<Status>) -> Result<u64> {
    caller.require(Scope::TicketsRead)?;
    let filter = TicketFilter {
        requester: caller.sees().requester(),
        matches: TicketMatch {
            statuses,
            ..Default::default()
        },
        ..Default::default()
    };
    core.db
        .run(move |conn| Ok(sql::count_tickets(conn, &filter)?))
        .await
}

/// What a change sets; `None` keeps it (`Some(None)` clears a field that may be empty).
#[derive(Default, Debug)]
pub struct Change {
    pub subject: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Option<String>>,
    pub category: Option<Option<String>>,
    pub due_date: Option<Option<Timestamp>>,
}

impl Change {
    fn is_empty(&self) -> bool {
        self.subject.is_none()
            && self.status.is_none()
            && self.priority.is_none()
            && self.category.is_none()
            && self.due_date.is_none()
    }
}

pub async fn update(core: &Core, caller: &Caller, id: Id, change: Change) -> Result<Ticket> {
    caller.require(Scope::TicketsWrite)?;
    let ticket = visible(core, caller, id).await?;
    let mut saved = update_all(core, caller, vec![(ticket, change)]).await?;
    Ok(saved.remove(0))
}

/// Changes several tickets the caller was shown, in one write transaction: every change is
/// checked before any is saved, so all are saved or none (Waldur's `bulk_update`).
pub async fn update_all(
    core: &Core,
    caller: &Caller,
    changes: Vec<(Ticket, Change)>,
) -> Result<Vec<Ticket>> {
    caller.require(Scope::TicketsWrite)?;
    let at = now();
    let applied = changes
        .into_iter()
        .map(|(ticket, change)| apply(ticket, change, at))
        .collect::<Result<Vec<_>>>()?;
    let caller = caller.clone();
    core.db
        .write(move |tx| {
            for (ticket, events) in &applied {
                sql::update_ticket(tx, ticket)?;
                for (kind, detail) in events {
                    record(tx, ticket.id, *kind, &caller, detail)?;
                }
            }
            Ok(applied.into_iter().map(|(ticket, _)| ticket).collect())
        })
        .await
}

/// `change` applied to `ticket` in memory, checked: the ticket as it would be saved, and the
/// events the change records.
fn apply(
    mut ticket: Ticket,
    change: Change,
    at: Timestamp,
) -> Result<(Ticket, Vec<(EventKind, String)>)> {
    let before = ticket.clone();
    if change.is_empty() {
        return Err(Error::Invalid(vec![FieldError::new(
            "",
            "nothing_to_change",
            "Send at least one field to change.",
        )]));
    }
    if let Some(subject) = change.subject {
        ticket.subject = check_subject(&subject)?;
    }
    if let Some(priority) = change.priority {
        check_label("/priority", priority.as_deref())?;
        ticket.priority = priority;
    }
    if let Some(category) = change.category {
        check_label("/category", category.as_deref())?;
        ticket.category = category;
    }
    if let Some(due_date) = change.due_date {
        ticket.due_date = due_date;
    }
    if let Some(status) = change.status {
        set_status(&mut ticket, status, at);
    }
    ticket.updated_at = at;
    let events = events::changes(&before, &ticket);
    Ok((ticket, events))
}

/// Deletes a ticket, its messages and its attachments, and the files no other attachment
/// names. Only agents and admins whose key holds `tickets:delete` may: a customer's ticket is
/// the record of what they asked, which staff keep (and a customer may not delete others'
/// messages on it).
pub async fn delete(core: &Core, caller: &Caller, id: Id) -> Result<()> {
    caller.require(Scope::TicketsDelete)?;
    if !caller.may_delete_tickets() {
        return Err(Error::Forbidden("Only agents and admins delete tickets."));
    }
    visible(core, caller, id).await?;
    let (attachments, hashes) = core
        .db
        .write(move |tx| {
            let (attachments, hashes) = sql::delete_ticket(tx, id)?;
            let mut gone = Vec::new();
            for sha in hashes {
                if attachment_sql::delete_blob_if_unreferenced(tx, &sha)? {
                    gone.push(sha);
                }
            }
            Ok((attachments, gone))
        })
        .await?;
    super::forget::forget(core, attachments).await?;
    for sha in hashes {
        super::attachments::remove_blob_if_unreferenced(core, sha).await?;
    }
    Ok(())
}
