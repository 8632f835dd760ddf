//! What HostUp's documents show: ticket summaries and details, messages, attachments. Times
//! are UTC with milliseconds and `Z` (`Timestamp`'s own spelling).

use std::collections::HashMap;

use serde::Serialize;

use super::departments::{self, DEFAULT_SLUG};
use super::{priority_name, status_name};
use crate::core::{messages, tickets, users, Caller, Core};
use crate::domain::{Attachment, Message, Role, Ticket, User};
use crate::error::Result;
use crate::ids::Id;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    id: String,
    filename: String,
    byte_length: i64,
    content_type: String,
    uploaded_at: String,
    download_url: String,
}

pub fn attachment_view(core: &Core, a: Attachment) -> AttachmentView {
    let ticket = a.ticket_id.map(|t| t.prefixed("tkt")).unwrap_or_default();
    let id = a.id.prefixed("tatt");
    AttachmentView {
        download_url: format!(
            "{}/api/v2/support/attachments/{id}?ticketId={ticket}",
            core.public_url
        ),
        id,
        filename: a.filename,
        byte_length: a.size_bytes,
        content_type: a.content_type,
        uploaded_at: a.created_at.to_string(),
    }
}

/// A reply as HostUp shows it; `encrypted` is what its author sent (stored as the core's
/// `sensitive`; the body is stored as sent either way).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    id: String,
    ticket_id: String,
    sent_at: String,
    body: String,
    sender: &'static str,
    sender_name: Option<String>,
    encrypted: bool,
    attachments: Vec<AttachmentView>,
}

pub fn message_view(core: &Core, m: Message, author: Option<&User>) -> MessageView {
    MessageView {
        id: m.id.prefixed("tmsg"),
        ticket_id: m.ticket_id.prefixed("tkt"),
        sent_at: m.created_at.to_string(),
        body: m.body,
        sender: match author.map(|u| u.role) {
            Some(Role::Customer) | None => "customer",
            Some(Role::Agent | Role::Admin) => "staff",
        },
        sender_name: author.map(|u| u.name.clone()),
        encrypted: m.sensitive,
        attachments: m
            .attachments
            .into_iter()
            .map(|a| attachment_view(core, a))
            .collect(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    id: String,
    number: String,
    subject: String,
    status: &'static str,
    priority: &'static str,
    department_slug: String,
    department_name: Option<&'static str>,
    created_at: String,
    updated_at: String,
    last_message_at: Option<String>,
    cc_emails: Vec<String>,
    requester_name: Option<String>,
    /// attache's own; HostUp's clients ignore it.
    attachment_count: i64,
}

/// A summary; `last_message_at` is the ticket's last activity where the thread is not read.
pub fn ticket_view(t: Ticket, requester: Option<&User>, last: Option<String>) -> TicketView {
    let slug = t.department.unwrap_or_else(|| DEFAULT_SLUG.to_owned());
    TicketView {
        id: t.id.prefixed("tkt"),
        number: t.number.to_string(),
        subject: t.subject,
        status: status_name(t.status),
        priority: priority_name(t.priority.as_deref()),
        department_name: departments::by_slug(&slug).map(|d| d.display_name),
        department_slug: slug,
        created_at: t.created_at.to_string(),
        updated_at: t.updated_at.to_string(),
        last_message_at: last.or_else(|| Some(t.updated_at.to_string())),
        cc_emails: t.cc_addresses.to_strings(),
        requester_name: requester.map(|u| u.name.clone()),
        attachment_count: t.attachment_count,
    }
}

/// The summaries of `list`, with their requesters' names.
pub async fn summaries(core: &Core, list: Vec<Ticket>) -> Result<Vec<TicketView>> {
    let ids = list.iter().map(|t| t.requester_id).collect();
    let people = users::by_id(core, ids).await?;
    Ok(list
        .into_iter()
        .map(|t| {
            let requester = people.get(&t.requester_id);
            ticket_view(t, requester, None)
        })
        .collect())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketDetail {
    #[serde(flatten)]
    ticket: TicketView,
    body: Option<String>,
    /// attache's own: the impact a critical ticket was opened with (its create body's
    /// `criticalReason`), null for others.
    critical_reason: Option<String>,
    message_count: usize,
    /// attache links no services.
    linked_services: Vec<serde_json::Value>,
    attachments: Vec<AttachmentView>,
    messages: Vec<MessageView>,
}

/// The detail of a ticket the caller sees.
pub async fn detail(core: &Core, caller: &Caller, id: Id) -> Result<TicketDetail> {
    let ticket = tickets::get(core, caller, id).await?;
    let thread = messages::list(core, caller, id).await?;
    let mut ids: Vec<Id> = thread.iter().map(|m| m.author_id).collect();
    ids.push(ticket.requester_id);
    let people: HashMap<Id, User> = users::by_id(core, ids).await?;
    // The opening post: the message the ticket was opened with, else (a ticket opened without
    // one, as fixtures seed them) its first message.
    let opening = thread.iter().find(|m| m.opening).or(thread.first());
    let body = opening.map(|m| m.body.clone());
    let last = thread.last().map(|m| m.created_at.to_string());
    // HostUp's `attachments` are the opening post's; each reply's are on its message.
    let attachments = opening
        .into_iter()
        .flat_map(|m| m.attachments.iter().cloned())
        .map(|a| attachment_view(core, a))
        .collect();
    let requester = people.get(&ticket.requester_id);
    // The reason is shown while the ticket is critical (another dialect may change that).
    let critical = ticket.priority.as_deref() == Some(tickets::ALERT_PRIORITY);
    let critical_reason = ticket.priority_reason.clone().filter(|_| critical);
    Ok(TicketDetail {
        ticket: ticket_view(ticket, requester, last),
        body,
        critical_reason,
        message_count: thread.len(),
        linked_services: Vec::new(),
        attachments,
        messages: thread
            .into_iter()
            .map(|m| {
                let author = people.get(&m.author_id);
                message_view(core, m, author)
            })
            .collect(),
    })
}
