//! `/api/support-attachments/`: list (GET and HEAD), upload, retrieve and destroy. Waldur
//! refuses to change an attachment: PUT and PATCH are its 405 (see `paths`).

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::core::access::Action;
use crate::core::ingest::{self, Received};
use crate::core::{attachments, tickets, Caller, Core};
use crate::domain::{Attachment, Ticket};
use crate::error::{Error, Result};
use crate::ids::Id;

use super::filters::{linked, Filters};
use super::list::{list_response, ListParams};
use super::{issue_key, issue_url, time, url, uuid, Data};

fn attachment_json(core: &Core, caller: &Caller, a: &Attachment, ticket: &Ticket) -> Value {
    json!({
        "url": url(core, "support-attachments", a.id),
        "uuid": a.id.hex(),
        "issue": issue_url(core, ticket.id),
        "issue_key": issue_key(ticket),
        "created": time(a.created_at),
        "file": attachments::sign(core, a, false).url,
        "mime_type": a.content_type,
        "file_size": a.size_bytes,
        "file_name": a.filename,
        "backend_id": "",
        "destroy_is_available": caller.may(Action::DeleteAttachment(a)),
    })
}

/// The tickets some records hang on (Waldur shows each one's URL and key).
pub(super) async fn tickets_of(
    core: &Core,
    caller: &Caller,
    ids: impl Iterator<Item = Id>,
) -> Result<HashMap<Id, Ticket>> {
    let mut found = HashMap::new();
    for id in ids {
        if let Entry::Vacant(slot) = found.entry(id) {
            slot.insert(tickets::get(core, caller, id).await?);
        }
    }
    Ok(found)
}

pub async fn list_attachments(
    core: Data,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let params = ListParams::parse(&req)?;
    let mut filters = Filters::new(&params);
    let issue = filters
        .uuid("issue_uuid")
        .and(filters.link("issue", "support-issues"));
    let nothing = filters.finish()? || issue.is_nothing();
    let (list, total) = attachments::page(
        &core,
        &caller,
        issue.id(),
        nothing,
        params.offset(),
        params.page_size,
    )
    .await?;
    let owners = tickets_of(&core, &caller, list.iter().filter_map(|a| a.ticket_id)).await?;
    let items = list
        .iter()
        .filter_map(|a| {
            let ticket = owners.get(&a.ticket_id?)?;
            Some(attachment_json(&core, &caller, a, ticket))
        })
        .collect();
    list_response(&req, &core, &params, items, total)
}

pub async fn create_attachment(
    core: Data,
    caller: Caller,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse> {
    let no_such_issue = || {
        Error::invalid(
            "/issue",
            "does_not_exist",
            "Invalid hyperlink - Object does not exist.",
        )
    };
    let (stored, ticket) = ingest::attach(&core, &caller, None, |stager| async move {
        let form = stager.read_form(&req, body, &["issue"]).await?;
        let url = form
            .field("issue")
            .ok_or_else(|| Error::invalid("/issue", "required", "This field is required."))?;
        let ticket = linked(url, "support-issues").ok_or_else(no_such_issue)?;
        Ok(Received::of_form(form, Some(ticket)))
    })
    .await
    // An issue the caller may not see is, to Waldur, a hyperlink to nothing.
    .map_err(|e| match e {
        Error::NotFound(_) => no_such_issue(),
        other => other,
    })?;
    Ok(HttpResponse::Created().json(attachment_json(&core, &caller, &stored, &ticket)))
}

/// An attachment that Waldur would list: one on a ticket.
async fn on_ticket(core: &Core, caller: &Caller, id: &str) -> Result<(Attachment, Ticket)> {
    let attachment = attachments::find(core, caller, uuid(id)?).await?;
    let ticket_id = attachment.ticket_id.ok_or(Error::NotFound("attachment"))?;
    let ticket = tickets::get(core, caller, ticket_id).await?;
    Ok((attachment, ticket))
}

pub async fn retrieve_attachment(
    core: Data,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let params = ListParams::parse(&req)?;
    let (attachment, ticket) = on_ticket(&core, &caller, &id).await?;
    let item = attachment_json(&core, &caller, &attachment, &ticket);
    Ok(HttpResponse::Ok().json(params.sparse(item)))
}

pub async fn destroy_attachment(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let (attachment, _) = on_ticket(&core, &caller, &id).await?;
    attachments::delete_by_id(&core, &caller, attachment.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
