//! The Waldur dialect under `/api`: support issues and their attachments as the official
//! Python client sends and reads them. uuids are 32 hex digits (either spelling is accepted),
//! lists are bare arrays paged by `page`/`page_size` with `X-Result-Count` and a `Link`
//! header, errors are Django REST framework shapes, and paths keep Waldur's trailing slashes.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::api::problem::{ErrorInfo, ErrorShape};
use crate::core::ingest::{self, Received};
use crate::core::model::{Attachment, Scope, Ticket};
use crate::core::{attachments, messages, tickets, Caller, Core};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::Id;

type Data = web::Data<Core>;

const DEFAULT_PAGE_SIZE: u32 = 10;
const MAX_PAGE_SIZE: u32 = 300;

/// Django REST framework error bodies: `{"detail": …}`, or `{"field": [messages]}`.
pub struct Drf;

impl ErrorShape for Drf {
    fn body(info: &ErrorInfo, req: &HttpRequest) -> (&'static str, String) {
        let body = if info.errors.is_empty() {
            let detail = drf_detail(info, req);
            json!({ "detail": detail })
        } else {
            let mut fields: Map<String, Value> = Map::new();
            for e in &info.errors {
                let field = e
                    .pointer
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or_default();
                let field = if field.is_empty() {
                    "non_field_errors"
                } else {
                    field
                };
                let messages = fields.entry(field).or_insert_with(|| json!([]));
                if let Value::Array(list) = messages {
                    list.push(e.detail.clone().into());
                }
            }
            Value::Object(fields)
        };
        ("application/json", body.to_string())
    }
}

/// The `detail` Django REST framework writes for each code; the rest keep attache's words.
fn drf_detail(info: &ErrorInfo, req: &HttpRequest) -> String {
    let permission = "You do not have permission to perform this action.";
    match info.code {
        ErrorCode::Unauthorized => "Authentication credentials were not provided.".to_owned(),
        ErrorCode::InvalidCredentials => "Invalid token.".to_owned(),
        ErrorCode::InsufficientScope | ErrorCode::Forbidden => permission.to_owned(),
        ErrorCode::NotFound => "Not found.".to_owned(),
        ErrorCode::MethodNotAllowed => format!("Method \"{}\" not allowed.", req.method()),
        ErrorCode::InvalidRequest
        | ErrorCode::FileTooLarge
        | ErrorCode::UnsupportedFileType
        | ErrorCode::EmptyFile
        | ErrorCode::MissingFile
        | ErrorCode::TooManyAttachments
        | ErrorCode::UrlExpired
        | ErrorCode::SignatureInvalid
        | ErrorCode::RateLimited
        | ErrorCode::TooManyUploads
        | ErrorCode::UploadTimeout
        | ErrorCode::ServerBusy
        | ErrorCode::InsufficientStorage
        | ErrorCode::Internal => info.detail.clone(),
    }
}

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

/// The query parameters that filter a list, carried into its `Link`s.
const LIST_FILTERS: &[&str] = &["issue", "issue_uuid"];

/// The query as Waldur clients send it (repeated `field`), with paging read out of it.
struct ListParams {
    pairs: Vec<(String, String)>,
    page: u32,
    page_size: u32,
    fields: Vec<String>,
}

impl ListParams {
    fn parse(req: &HttpRequest) -> Result<Self> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
            .into_owned()
            .collect();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let page = match get("page") {
            None => 1,
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or(Error::NotFound("page"))?,
        };
        let page_size = get("page_size")
            .and_then(|s| s.parse::<u32>().ok())
            .filter(|s| *s >= 1)
            .map_or(DEFAULT_PAGE_SIZE, |s| s.min(MAX_PAGE_SIZE));
        let fields = pairs
            .iter()
            .filter(|(k, _)| k == "field")
            .map(|(_, v)| v.clone())
            .collect();
        Ok(ListParams {
            pairs,
            page,
            page_size,
            fields,
        })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn offset(&self) -> u32 {
        (self.page - 1).saturating_mul(self.page_size)
    }

    /// The same list at another page; `None` drops `page`, as Django REST framework does for
    /// the first page.
    fn url(&self, base: &str, page: Option<u32>, fields: &HashSet<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let mut seen = HashSet::new();
        for (k, v) in &self.pairs {
            let carried = match k.as_str() {
                "field" => fields.contains(v.as_str()),
                k => k == "page_size" || LIST_FILTERS.contains(&k),
            };
            if carried && seen.insert((k, v)) {
                query.append_pair(k, v);
            }
        }
        if let Some(page) = page {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{query}")
        }
    }

    /// `X-Result-Count` and `Link` (first, prev, next, last). A page past the last is 404.
    /// The links carry what shapes the list, each once: `page_size`, the filters, and the
    /// `field`s that name a field of the items (2,000 junk `field=` parameters made a 69 KB
    /// header that clients cannot read).
    fn headers(
        &self,
        res: &mut HttpResponseBuilder,
        base: &str,
        total: u64,
        items: &[Value],
    ) -> Result<()> {
        let last = total.div_ceil(self.page_size as u64).max(1) as u32;
        if self.page > last {
            return Err(Error::NotFound("page"));
        }
        let fields: HashSet<&str> = items
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|item| item.keys().map(String::as_str))
            .collect();
        let url = |page| self.url(base, page, &fields);
        let at = |page: u32| if page == 1 { None } else { Some(page) };
        let mut links = vec![format!("<{}>; rel=\"first\"", url(None))];
        if self.page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", url(at(self.page - 1))));
        }
        if self.page < last {
            links.push(format!("<{}>; rel=\"next\"", url(Some(self.page + 1))));
        }
        links.push(format!("<{}>; rel=\"last\"", url(at(last))));
        res.insert_header(("X-Result-Count", total.to_string()));
        res.insert_header((header::LINK, links.join(", ")));
        Ok(())
    }

    /// Keeps only the requested `field`s of each item, when any were asked for.
    fn sparse(&self, item: Value) -> Value {
        match item {
            Value::Object(map) if !self.fields.is_empty() => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| self.fields.contains(k))
                    .collect(),
            ),
            other => other,
        }
    }
}

fn list_response(
    req: &HttpRequest,
    core: &Core,
    params: &ListParams,
    items: Vec<Value>,
    total: u64,
) -> Result<HttpResponse> {
    let mut res = HttpResponse::Ok();
    params.headers(
        &mut res,
        &format!("{}{}", core.public_url, req.path()),
        total,
        &items,
    )?;
    if req.method() == actix_web::http::Method::HEAD {
        return Ok(res.finish());
    }
    Ok(res.json(
        items
            .into_iter()
            .map(|i| params.sparse(i))
            .collect::<Vec<_>>(),
    ))
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
        "destroy_is_available": caller.can_delete(a),
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
        "update_is_available": caller.scopes.contains(Scope::TicketsWrite),
        "destroy_is_available": false,
        "add_comment_is_available": caller.scopes.contains(Scope::TicketsWrite),
        "add_attachment_is_available": caller.scopes.contains(Scope::AttachmentsWrite),
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
