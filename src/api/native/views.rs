//! What the native API answers: the TopTickets shapes, plus user names and `can_delete` for
//! user interfaces.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::core::access::Action;
use crate::core::{users, Caller, Core};
use crate::domain::{Attachment, Message, Status, Ticket};
use crate::error::Result;
use crate::ids::Id;

#[derive(Serialize, ToSchema)]
pub struct TicketView {
    #[schema(value_type = String, format = Uuid)]
    id: Id,
    number: i64,
    subject: String,
    #[schema(value_type = String, example = "open")]
    status: Status,
    #[schema(value_type = String, format = Uuid)]
    requester_id: Id,
    created_at: String,
    updated_at: String,
    attachment_count: i64,
}

impl From<Ticket> for TicketView {
    fn from(t: Ticket) -> Self {
        TicketView {
            id: t.id,
            number: t.number,
            subject: t.subject,
            status: t.status,
            requester_id: t.requester_id,
            created_at: t.created_at.to_string(),
            updated_at: t.updated_at.to_string(),
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

/// Renders records for one caller, with the names of the users they mention.
pub struct Viewer<'a> {
    caller: &'a Caller,
    names: HashMap<Id, String>,
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
            names: users::names(core, ids).await?,
        })
    }

    pub fn attachment(&self, a: Attachment) -> AttachmentView {
        AttachmentView {
            can_delete: self.caller.may(Action::DeleteAttachment(&a)),
            uploaded_by_name: self.names.get(&a.uploaded_by).cloned(),
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
            author_name: self.names.get(&m.author_id).cloned(),
            body: m.body,
            created_at: m.created_at.to_string(),
            attachments: m
                .attachments
                .into_iter()
                .map(|a| self.attachment(a))
                .collect(),
        }
    }
}
