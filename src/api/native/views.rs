//! What the native API answers: the TopTickets shapes, plus user names and `can_delete` for
//! user interfaces.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::fields;
use crate::core::access::Action;
use crate::core::{users, Caller, Core};
use crate::domain::{Attachment, Message, Role, Ticket, Timestamp, User};
use crate::error::Result;
use crate::ids::Id;

/// A ticket as TopTickets shows it, plus `number`, `requester_id` and `attachment_count`
/// (attache additions the web UI reads).
#[derive(Serialize, ToSchema)]
pub struct TicketView {
    #[schema(value_type = String, format = Uuid)]
    id: Id,
    ticket_number: i64,
    /// `TKT-` and the number.
    ticket_display_id: String,
    /// The user who opened it.
    #[schema(value_type = String, format = Uuid)]
    customer_id: Id,
    subject: String,
    /// The message it was opened with (empty if none).
    description: String,
    #[schema(example = "open", pattern = "^(new|open|pending|resolved|closed)$")]
    status: &'static str,
    #[schema(example = "medium", pattern = "^(low|medium|high|urgent)$")]
    priority: &'static str,
    /// Free text; empty if none.
    category: String,
    /// Always null: attache has no assignment.
    #[schema(value_type = Option<String>, format = Uuid)]
    assigned_user_id: Option<String>,
    /// Always null: attache has no teams.
    #[schema(value_type = Option<String>, format = Uuid)]
    assigned_team_id: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    due_date: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    resolved_at: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    closed_at: Option<String>,
    /// attache: the same as `ticket_number`.
    number: i64,
    /// attache: the same as `customer_id`.
    #[schema(value_type = String, format = Uuid)]
    requester_id: Id,
    /// attache: the files on its messages.
    attachment_count: i64,
}

impl TicketView {
    pub fn new(t: Ticket, description: String) -> Self {
        let time = |t: Option<Timestamp>| t.map(|t| t.to_string());
        TicketView {
            id: t.id,
            ticket_number: t.number,
            ticket_display_id: format!("TKT-{}", t.number),
            customer_id: t.requester_id,
            subject: t.subject,
            description,
            status: fields::status_name(t.status),
            priority: fields::priority_name(t.priority.as_deref()),
            category: t.category.unwrap_or_default(),
            assigned_user_id: None,
            assigned_team_id: None,
            due_date: time(t.due_date),
            created_at: t.created_at.to_string(),
            updated_at: t.updated_at.to_string(),
            resolved_at: time(t.resolved_at),
            closed_at: time(t.closed_at),
            number: t.number,
            requester_id: t.requester_id,
            attachment_count: t.attachment_count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentView {
    #[schema(value_type = String, format = Uuid)]
    id: Id,
    #[schema(value_type = Option<String>, format = Uuid)]
    ticket_id: Option<Id>,
    #[schema(value_type = Option<String>, format = Uuid)]
    message_id: Option<Id>,
    filename: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    #[schema(value_type = String, format = Uuid)]
    uploaded_by_user_id: Id,
    /// The uploader's user name (an attache extension to the TopTickets shape).
    uploaded_by_name: Option<String>,
    created_at: String,
    /// Whether the caller may delete it (an attache extension, for user interfaces).
    can_delete: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MessageView {
    #[schema(value_type = String, format = Uuid)]
    id: Id,
    #[schema(value_type = String, format = Uuid)]
    ticket_id: Id,
    #[schema(value_type = String, format = Uuid)]
    author_id: Id,
    author_name: Option<String>,
    body: String,
    created_at: String,
    attachments: Vec<AttachmentView>,
}

/// A message as a TopTickets comment.
#[derive(Serialize, ToSchema)]
pub struct CommentView {
    #[schema(value_type = String, format = Uuid)]
    id: Id,
    #[schema(value_type = String, format = Uuid)]
    ticket_id: Id,
    /// `AGENT` (agents and admins) or `CUSTOMER`; attache writes no `SYSTEM` comments.
    #[schema(pattern = "^(AGENT|CUSTOMER|SYSTEM)$")]
    author_type: &'static str,
    #[schema(value_type = Option<String>, format = Uuid)]
    author_user_id: Option<Id>,
    #[schema(value_type = Option<String>, format = Uuid)]
    author_customer_id: Option<Id>,
    content: String,
    /// An internal note: hidden from customers.
    is_internal: bool,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

/// Renders records for one caller, with the names and roles of the users they mention.
pub struct Viewer<'a> {
    caller: &'a Caller,
    users: HashMap<Id, User>,
}

impl<'a> Viewer<'a> {
    pub async fn new(
        core: &Core,
        caller: &'a Caller,
        attachments: &[&Attachment],
        messages: &[&Message],
    ) -> Result<Viewer<'a>> {
        let mut ids: Vec<Id> = attachments.iter().map(|a| a.uploaded_by).collect();
        ids.extend(messages.iter().map(|m| m.author_id));
        ids.extend(
            messages
                .iter()
                .flat_map(|m| m.attachments.iter().map(|a| a.uploaded_by)),
        );
        ids.sort();
        ids.dedup();
        Ok(Viewer {
            caller,
            users: users::by_id(core, ids).await?,
        })
    }

    fn name(&self, id: &Id) -> Option<String> {
        self.users.get(id).map(|u| u.name.clone())
    }

    pub fn attachment(&self, a: Attachment) -> AttachmentView {
        AttachmentView {
            can_delete: self.caller.may(Action::DeleteAttachment(&a)),
            uploaded_by_name: self.name(&a.uploaded_by),
            id: a.id,
            ticket_id: a.ticket_id,
            message_id: a.message_id,
            filename: a.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256.hex(),
            uploaded_by_user_id: a.uploaded_by,
            created_at: a.created_at.to_string(),
        }
    }

    pub fn message(&self, m: Message) -> MessageView {
        MessageView {
            id: m.id,
            ticket_id: m.ticket_id,
            author_id: m.author_id,
            author_name: self.name(&m.author_id),
            body: m.body,
            created_at: m.created_at.to_string(),
            attachments: m
                .attachments
                .into_iter()
                .map(|a| self.attachment(a))
                .collect(),
        }
    }

    pub fn comment(&self, m: Message) -> CommentView {
        let customer = self
            .users
            .get(&m.author_id)
            .is_some_and(|u| u.role == Role::Customer);
        CommentView {
            id: m.id,
            ticket_id: m.ticket_id,
            author_type: if customer { "CUSTOMER" } else { "AGENT" },
            author_user_id: (!customer).then_some(m.author_id),
            author_customer_id: customer.then_some(m.author_id),
            content: m.body,
            is_internal: m.internal,
            created_at: m.created_at.to_string(),
            updated_at: m.updated_at.to_string(),
        }
    }
}
