//! What happened to a ticket, recorded where the core changes it, for every dialect to read
//! (Huawei OSM's operate logs); and how to reach the ticket's requester about it (OSM's
//! contact info). Notes for staff leave no event: the log shows a customer nothing of what
//! they may not read.

use crate::store::sql::Conn;

use crate::core::access::Caller;
use crate::core::tickets::visible;
use crate::core::Core;
use crate::domain::{now, Contact, EventKind, Scope, Status, Ticket, TicketEvent};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::store::sql::events as sql;

/// Records that `actor` did `kind` to `ticket_id`. Call inside the write transaction that
/// makes the change, so that the record and the change stand or fall together.
pub(crate) fn record(
    conn: &Conn,
    ticket_id: Id,
    kind: EventKind,
    actor: &Caller,
    detail: &str,
) -> Result<()> {
    sql::insert_event(conn, ticket_id, kind, actor.user.id, detail, &now())?;
    Ok(())
}

/// A page of what happened to a ticket the caller sees, oldest first, and how many events
/// it has in all.
pub async fn page(
    core: &Core,
    caller: &Caller,
    ticket_id: Id,
    offset: u32,
    limit: u32,
) -> Result<(Vec<TicketEvent>, u64)> {
    caller.require(Scope::TicketsRead)?;
    visible(core, caller, ticket_id).await?;
    core.db
        .run(move |conn| {
            Ok((
                sql::list_events(conn, ticket_id, offset, limit)?,
                sql::count_events(conn, ticket_id)?,
            ))
        })
        .await
}

/// How to reach the requester of a ticket the caller sees (empty if nobody said).
pub async fn contact(core: &Core, caller: &Caller, ticket_id: Id) -> Result<Contact> {
    caller.require(Scope::TicketsRead)?;
    visible(core, caller, ticket_id).await?;
    let found = core
        .db
        .run(move |conn| Ok(sql::contact_of(conn, ticket_id)?))
        .await?;
    Ok(found.unwrap_or_default())
}

/// The longest a part of a contact may be.
const MAX_CONTACT_PART: usize = 128;

/// Sets the parts of a ticket's contact that `change` names (an empty one clears it; a
/// missing one is kept) and returns the whole contact. Only a change that changes something
/// is recorded.
pub async fn set_contact(
    core: &Core,
    caller: &Caller,
    ticket_id: Id,
    change: Contact,
) -> Result<Contact> {
    caller.require(Scope::TicketsWrite)?;
    check_contact(&change)?;
    visible(core, caller, ticket_id).await?;
    let caller = caller.clone();
    core.db
        .write(move |tx| {
            let before = sql::contact_of(tx, ticket_id)?.unwrap_or_default();
            let mut contact = before.clone();
            merge(&mut contact, change);
            if contact != before {
                sql::save_contact(tx, ticket_id, &contact, &now())?;
                record(tx, ticket_id, EventKind::ContactChanged, &caller, "")?;
            }
            Ok(contact)
        })
        .await
}

/// Sets the parts `change` names on `contact`: an empty one clears it, a missing one stays.
pub(crate) fn merge(contact: &mut Contact, change: Contact) {
    let merge = |old: &mut Option<String>, new: Option<String>| {
        if let Some(new) = new {
            let new = new.trim().to_owned();
            *old = (!new.is_empty()).then_some(new);
        }
    };
    merge(&mut contact.calling_code, change.calling_code);
    merge(&mut contact.phone, change.phone);
    merge(&mut contact.email, change.email);
    merge(&mut contact.hours, change.hours);
}

/// Refuses a contact part that is too long or an email address that is not one.
pub(crate) fn check_contact(change: &Contact) -> Result<()> {
    let parts = [
        ("/calling_code", &change.calling_code),
        ("/phone", &change.phone),
        ("/email", &change.email),
        ("/hours", &change.hours),
    ];
    for (pointer, part) in parts {
        if part
            .as_ref()
            .is_some_and(|p| p.chars().count() > MAX_CONTACT_PART)
        {
            let message = format!("At most {MAX_CONTACT_PART} characters.");
            return Err(Error::invalid(pointer, "too_long", message));
        }
    }
    if let Some(email) = change.email.as_deref() {
        if !email.is_empty() && !looks_like_email(email) {
            return Err(Error::invalid(
                "/email",
                "invalid_email",
                "Not an email address.",
            ));
        }
    }
    Ok(())
}

/// One `@` with something on each side and no space, tab or line break: what a typo fails,
/// not RFC 5322. (The Huawei document's pattern says the same.)
fn looks_like_email(text: &str) -> bool {
    let plain = |part: &str| !part.is_empty() && !part.contains(['@', ' ', '\t', '\r', '\n']);
    text.split_once('@')
        .is_some_and(|(local, domain)| plain(local) && plain(domain))
}

/// The events a change from `before` to `after` records: the fields it changed, then its
/// move to another status (a close, a reopening, or any other move).
pub(crate) fn changes(before: &Ticket, after: &Ticket) -> Vec<(EventKind, String)> {
    let mut events = Vec::new();
    let fields = [
        ("subject", before.subject != after.subject),
        ("priority", before.priority != after.priority),
        ("category", before.category != after.category),
        ("due_date", before.due_date != after.due_date),
    ];
    let changed: Vec<&str> = fields.iter().filter(|f| f.1).map(|f| f.0).collect();
    if !changed.is_empty() {
        events.push((EventKind::Changed, changed.join(",")));
    }
    if before.status != after.status {
        let kind = if after.status == Status::Closed {
            EventKind::Closed
        } else if before.status.is_done() && !after.status.is_done() {
            EventKind::Reopened
        } else {
            EventKind::StatusChanged
        };
        events.push((kind, after.status.as_str().to_owned()));
    }
    events
}
