//! The Waldur dialect under `/api`: support issues and their attachments as the official
//! Python client sends and reads them. uuids are 32 hex digits (either spelling is accepted),
//! lists are bare arrays paged by `page`/`page_size` with `X-Result-Count` and a `Link`
//! header, errors are Django REST framework shapes, and paths keep Waldur's trailing slashes.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::core::access::Action;
use crate::core::ingest::{self, Received};
use crate::core::{attachments, messages, tickets, Caller, Core};
use crate::domain::{Attachment, Ticket};
use crate::error::{Error, Result};
use crate::ids::Id;

mod errors;
mod list;

pub use errors::Drf;
use list::{list_response, ListParams};

type Data = web::Data<Core>;

/// Either uuid spelling, else 404.
fn uuid(text: &str) -> Result<Id> {
    Id::parse_uuid(text).ok_or(Error::NotFound("resource"))
}

/// The issue a `…/support-issues/<uuid>/` URL names.
fn issue_from_url(url: &str) -> Option<Id> {
    let rest = url.trim_end_matches('/').rsplit_once("/support-issues/")?.1;
    Id::parse_uuid(rest)
}

fn issue_url(core: &Core, id: Id) -> String {
    format!("{}/api/support-issues/{}/", core.public_url, id.hex())
}

fn issue_key(ticket: &Ticket) -> String {
    format!("SUP-{}", ticket.number)
}

fn attachment_json(core: &Core, caller: &Caller, a: &Attachment, ticket: &Ticket) -> Value {
    json!({
        "url": format!("{}/api/support-attachments/{}/", core.public_url, a.id.hex()),
        "uuid": a.id.hex(),
        "issue": issue_url(core, ticket.id),
        "issue_key": issue_key(ticket),
        "created": a.created_at,
        "file": attachments::sign(core, a, false).url,
        "mime_type": a.content_type,
        "file_size": a.size_bytes,
        "file_name": a.filename,
        "backend_id": "",
        "destroy_is_available": caller.may(Action::DeleteAttachment(a)),
    })
}

/// The ticket an attachment hangs on (Waldur shows its URL and key).
async fn tickets_of(
    core: &Core,
    caller: &Caller,
    list: &[Attachment],
) -> Result<HashMap<Id, Ticket>> {
    let mut found = HashMap::new();
    for id in list.iter().filter_map(|a| a.ticket_id) {
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
    let issue = match (params.get("issue_uuid"), params.get("issue")) {
        (Some(uuid), _) => Some(
            Id::parse_uuid(uuid)
                .ok_or_else(|| Error::invalid("/issue_uuid", "invalid", "Must be a valid UUID."))?,
        ),
        (None, Some(url)) => Some(issue_from_url(url).ok_or_else(|| {
            Error::invalid(
                "/issue",
                "invalid",
                "Invalid hyperlink - Object does not exist.",
            )
        })?),
        (None, None) => None,
    };
    let (list, total) =
        attachments::page(&core, &caller, issue, params.offset(), params.page_size).await?;
    let owners = tickets_of(&core, &caller, &list).await?;
    let items = list
        .iter()
        .filter_map(|a| {
            Some(attachment_json(
                &core,
                &caller,
                a,
                owners.get(&a.ticket_id?)?,
            ))
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
        let ticket = issue_from_url(url).ok_or_else(no_such_issue)?;
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
    Ok(HttpResponse::Ok().json(params.sparse(attachment_json(
        &core,
        &caller,
        &attachment,
        &ticket,
    ))))
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

/// Every key the official client's `Issue.from_dict` requires, with attache's values.
fn issue_json(core: &Core, caller: &Caller, t: &Ticket, description: Option<String>) -> Value {
    let status = t.status.as_str();
    let mut issue = json!({
        "url": issue_url(core, t.id),
        "uuid": t.id.hex(),
        "type": t.category.clone().unwrap_or_else(|| "Informational".to_owned()),
        "key": issue_key(t),
        "summary": t.subject,
        "status": status,
        "resolution": "",
        "resolved": status == "closed",
        "reporter": format!("{}/api/users/{}/", core.public_url, t.requester_id.hex()),
        "reporter_uuid": t.requester_id.hex(),
        "reporter_name": null,
        "caller_uuid": t.requester_id.hex(),
        "caller_full_name": null,
        "resource_type": "",
        "resource_name": "",
        "created": t.created_at,
        "modified": t.updated_at,
        "priority": t.priority,
        "update_is_available": caller.may(Action::UpdateTicket(t)),
        "destroy_is_available": false,
        "add_comment_is_available": caller.may(Action::Reply(t)),
        "add_attachment_is_available": caller.may(Action::Attach(t)),
        "sla_breached": false,
        "is_escalated": false,
        "is_routed": false,
        "available_statuses": ["open", "pending", "closed"],
        "sla_status": "",
        "parent_issue": "",
        "provider_helpdesk": "",
        "escalation_reason": "",
        "backend_id": null,
        "backend_name": null,
        "assignee_name": null,
        "customer_name": null,
        "project_name": null,
        "order_uuid": null,
        "order_project_uuid": null,
        "order_customer_uuid": null,
        "order_resource_name": null,
        "assignee_uuid": null,
        "customer_uuid": null,
        "project_uuid": null,
        "feedback": null,
        "provider_ticket_info": null,
        "first_response_deadline": null,
        "resolution_deadline": null,
        "first_response_at": null,
        "escalated_at": null,
    });
    if let Some(description) = description {
        issue["description"] = description.into();
    }
    issue
}

pub async fn list_issues(core: Data, caller: Caller, req: HttpRequest) -> Result<HttpResponse> {
    let params = ListParams::parse(&req)?;
    let total = tickets::count(&core, &caller, None).await?;
    let query = tickets::ListQuery {
        limit: Some(params.page_size),
        offset: Some(params.offset()),
        ..Default::default()
    };
    let page = tickets::list(&core, &caller, query).await?;
    let items = page
        .tickets
        .iter()
        .map(|t| issue_json(&core, &caller, t, None))
        .collect();
    list_response(&req, &core, &params, items, total)
}

pub async fn retrieve_issue(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let ticket = tickets::get(&core, &caller, uuid(&id)?).await?;
    let thread = messages::list(&core, &caller, ticket.id).await?;
    let description = thread
        .into_iter()
        .next()
        .map(|m| m.body)
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(issue_json(&core, &caller, &ticket, Some(description))))
}

#[derive(Deserialize)]
pub struct NewIssue {
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    priority: Option<String>,
}

pub async fn create_issue(
    core: Data,
    caller: Caller,
    body: web::Json<NewIssue>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let new = tickets::NewTicket {
        subject: body.summary,
        message: Some(body.description.clone()),
        priority: body.priority,
        category: body.kind,
        ..Default::default()
    };
    let ticket = tickets::create(&core, &caller, new).await?;
    Ok(HttpResponse::Created()
        .content_type(ContentType::json())
        .json(issue_json(&core, &caller, &ticket, Some(body.description))))
}
