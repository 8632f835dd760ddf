//! Cases (attache's tickets) as OSM's v2 API shows them: create, list (offset/limit), detail,
//! status, counts by status, actions, and the case limits.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::contacts::{ext_info, ContactInfo};
use super::messages::message_json;
use super::{id, osm_time, Data, OsmCaller};
use crate::auth::huawei_auth;
use crate::core::events;
use crate::core::{messages, quota, tickets, users, Caller, Core};
use crate::domain::{Status, Ticket};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::upload;

/// A case's JSON is small: read (after the credential is checked) up to this many bytes.
const MAX_CASE_BODY: usize = 1024 * 1024;

/// OSM's case status for attache's (src/domain/status.rs): `0` to be processed, `1`
/// processing, `17` pending feedback (waiting on the customer), `5` paused, `2` result to be
/// confirmed, `3` completed.
pub fn osm_status(status: Status) -> i64 {
    match status {
        Status::New | Status::Open => 0,
        Status::InProgress | Status::CustomerReply => 1,
        Status::Pending => 17,
        Status::OnHold => 5,
        Status::Resolved => 2,
        Status::Closed => 3,
    }
}

/// The core statuses an OSM status filter asks for; none for a number attache never answers
/// (`12` invalid, say). `4` (cancelled) finds closed cases, which is what a cancel makes.
fn core_statuses(osm: i64) -> Vec<Status> {
    match osm {
        4 => vec![Status::Closed],
        _ => Status::ALL
            .into_iter()
            .filter(|s| osm_status(*s) == osm)
            .collect(),
    }
}

/// A JSON body of a case route, read after the credential is checked (within the upload
/// deadline), and the caller once an AK/SK signature is checked against it. An empty body is
/// `{}`.
pub(super) async fn signed_json<T: DeserializeOwned>(
    core: &Core,
    req: &HttpRequest,
    body: web::Payload,
) -> Result<(Caller, T)> {
    let (caller, text) = signed_body(core, req, body).await?;
    Ok((caller, parse_json(text.as_deref().unwrap_or(b"{}"))?))
}

/// The same for a route whose body is required: `None` for an empty one.
pub(super) async fn signed_body(
    core: &Core,
    req: &HttpRequest,
    mut body: web::Payload,
) -> Result<(Caller, Option<Vec<u8>>)> {
    let auth = huawei_auth(req).await?;
    let deadline = core.config.upload_deadline;
    let read = upload::read_small_body(req, &mut body, MAX_CASE_BODY);
    let bytes = actix_web::rt::time::timeout(deadline, read)
        .await
        .map_err(|_| Error::UploadTimeout {
            seconds: deadline.as_secs(),
        })??;
    let caller = auth
        .verify(req, Some(&hex::encode(Sha256::digest(&bytes))))
        .await?;
    let empty = bytes.iter().all(u8::is_ascii_whitespace);
    Ok((caller, (!empty).then(|| bytes.to_vec())))
}

pub(super) fn parse_json<T: DeserializeOwned>(text: &[u8]) -> Result<T> {
    serde_json::from_slice(text).map_err(|e| {
        Error::invalid(
            "",
            "invalid_json",
            format!("The JSON body is not valid: {e}"),
        )
    })
}

/// Accessory ids as a case or a message names them.
pub(super) fn accessory_ids(texts: &[String], pointer: &str) -> Result<Vec<Id>> {
    let parse = |(i, text): (usize, &String)| {
        Id::parse_uuid(text.trim()).ok_or_else(|| {
            Error::invalid(
                &format!("{pointer}/{i}"),
                "invalid_id",
                "Not an accessory id.",
            )
        })
    };
    texts.iter().enumerate().map(parse).collect()
}

#[derive(Deserialize)]
struct NewCase {
    simple_description: String,
    business_type_id: Option<String>,
    #[serde(default)]
    accessory_ids: Vec<String>,
    /// How to reach the customer: `area_code`, `remind_mobile`, `remind_mail`, `remind_time`.
    #[serde(flatten)]
    contact: ContactInfo,
}

pub async fn create_case(core: Data, req: HttpRequest, body: web::Payload) -> Result<HttpResponse> {
    let (caller, case): (Caller, NewCase) = signed_json(&core, &req, body).await?;
    let ids = accessory_ids(&case.accessory_ids, "/accessory_ids")?;
    let subject: String = case
        .simple_description
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let new = tickets::NewTicket {
        subject,
        message: Some(case.simple_description),
        category: case.business_type_id,
        attachment_ids: ids,
        contact: Some(case.contact.into_contact()),
        ..Default::default()
    };
    let ticket = tickets::create(&core, &caller, new).await?;
    Ok(HttpResponse::Ok().json(json!({ "incident_id": ticket.id.to_string() })))
}

/// The fields a case has in a list and in its detail. `simple_description` is the whole
/// description (the opening message), as the case was created with it.
fn case_fields(ticket: &Ticket, description: Option<&String>, requester: &str) -> Value {
    let closed = ticket.status.is_done();
    json!({
        "incident_id": ticket.id.to_string(),
        "simple_description": description.unwrap_or(&ticket.subject),
        "status": osm_status(ticket.status),
        "business_type_name": ticket.category.clone().unwrap_or_default(),
        "incident_type_name": "",
        "product_category_name": "",
        "customer_id": ticket.requester_id.hex(),
        "xcustomer_id": ticket.requester_id.hex(),
        "xcustomer_name": requester,
        "dc_name": "",
        "create_time": osm_time(ticket.created_at),
        "confirmed_time": closed.then(|| osm_time(ticket.updated_at)),
    })
}

#[derive(Deserialize)]
pub struct ListParams {
    offset: Option<u32>,
    limit: Option<u32>,
    status: Option<i64>,
    incident_id: Option<String>,
    app_key: Option<String>,
}

/// OSM's page size when none is asked for (its v1 default), and its largest.
const DEFAULT_LIMIT: u32 = 10;
const MAX_LIMIT: u32 = 100;

pub(super) fn page_bounds(offset: Option<u32>, limit: Option<u32>) -> Result<(u32, u32)> {
    let offset = offset.unwrap_or(0);
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if offset > 65_535 || limit > MAX_LIMIT {
        return Err(Error::invalid(
            "/limit",
            "out_of_range",
            "`offset` is 0 to 65535 and `limit` 0 to 100.",
        ));
    }
    Ok((offset, limit))
}

/// `GET /cases`: newest first, by `offset` and `limit`, with `total_count`; `search_key`
/// (repeated, as the SDK sends it) and `app_key` search the subject.
pub async fn list_cases(
    core: Data,
    caller: OsmCaller,
    req: HttpRequest,
    params: web::Query<ListParams>,
) -> Result<HttpResponse> {
    let (offset, limit) = page_bounds(params.offset, params.limit)?;
    let search = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, v)| k == "search_key" && !v.trim().is_empty())
        .map(|(_, v)| v.into_owned())
        .or(params.app_key.clone());
    let mut query = tickets::ListQuery {
        offset: Some(offset),
        limit: Some(limit.max(1)),
        q: search,
        ..Default::default()
    };
    if let Some(status) = params.status {
        query.matches.statuses = core_statuses(status);
        query.matches.nothing = query.matches.statuses.is_empty();
    }
    if let Some(text) = &params.incident_id {
        query.matches.id = Id::parse_uuid(text.trim());
        query.matches.nothing |= query.matches.id.is_none();
    }
    let (mut found, total) = tickets::page(&core, &caller.0, query).await?;
    if limit == 0 {
        found.clear();
    }
    let ids: Vec<Id> = found.iter().map(|t| t.id).collect();
    let descriptions = messages::openings(&core, &caller.0, ids).await?;
    let people = users::names(&core, found.iter().map(|t| t.requester_id).collect()).await?;
    let list: Vec<Value> = found
        .iter()
        .map(|t| {
            let name = people.get(&t.requester_id).map_or("", String::as_str);
            let mut case = case_fields(t, descriptions.get(&t.id), name);
            case["label_list"] = json!([]);
            case
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "total_count": total, "incident_info_list": list })))
}

pub async fn show_case(
    core: Data,
    caller: OsmCaller,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let ticket = tickets::get(&core, &caller.0, id(&path, "case")?).await?;
    let thread = messages::list(&core, &caller.0, ticket.id).await?;
    let mut ids: Vec<Id> = thread.iter().map(|m| m.author_id).collect();
    ids.push(ticket.requester_id);
    let people = users::by_id(&core, ids).await?;
    let description = thread.iter().find(|m| m.opening).map(|m| &m.body);
    let requester = people
        .get(&ticket.requester_id)
        .map_or("", |u| u.name.as_str());
    let mut detail = case_fields(&ticket, description, requester);
    detail["message_list"] = thread
        .iter()
        .map(|m| message_json(m, &people, true))
        .collect::<Vec<_>>()
        .into();
    detail["incident_satisfaction"] = json!([]);
    detail["business_ownership"] = json!(0);
    detail["ext_info"] = ext_info(&events::contact(&core, &caller.0, ticket.id).await?);
    Ok(HttpResponse::Ok().json(json!({ "incident_detail_info": detail })))
}

pub async fn case_status(
    core: Data,
    caller: OsmCaller,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let ticket = tickets::get(&core, &caller.0, id(&path, "case")?).await?;
    Ok(HttpResponse::Ok().json(json!({ "status": osm_status(ticket.status) })))
}

#[derive(Deserialize)]
pub struct CountParams {
    status: Option<i64>,
}

/// `GET /cases/count`: how many cases the caller sees in each OSM status attache answers.
pub async fn case_counts(
    core: Data,
    caller: OsmCaller,
    params: web::Query<CountParams>,
) -> Result<HttpResponse> {
    let mut counts = Vec::new();
    for osm in [0, 1, 17, 5, 2, 3] {
        if params.status.is_some_and(|s| s != osm) {
            continue;
        }
        let count = tickets::count(&core, &caller.0, core_statuses(osm)).await?;
        counts.push(json!({ "status": osm, "count": count }));
    }
    Ok(HttpResponse::Ok().json(json!({ "incident_status_counts": counts })))
}

#[derive(Deserialize)]
pub struct ActionParams {
    action_id: Option<String>,
}

/// A business answer: OSM's HTTP 200 with its code and message.
pub(super) fn business(code: &str, message: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "error_code": code, "error_msg": message }))
}

/// `POST /cases/{id}/action?action_id=`: `cancel` and `close` close the case, `press` (urge
/// it) changes nothing; `delete` is not done through OSM here (an `OSM.01010014` answer).
pub async fn update_case(
    core: Data,
    req: HttpRequest,
    path: web::Path<String>,
    params: web::Query<ActionParams>,
    body: web::Payload,
) -> Result<HttpResponse> {
    let (caller, _operation): (Caller, Value) = signed_json(&core, &req, body).await?;
    let ticket = tickets::get(&core, &caller, id(&path, "case")?).await?;
    match params.action_id.as_deref() {
        Some("cancel" | "close") => {
            let change = tickets::Change {
                status: Some(Status::Closed),
                ..Default::default()
            };
            tickets::update(&core, &caller, ticket.id, change).await?;
        }
        Some("press") => {}
        Some("delete") => return Ok(business("OSM.01010014", "Operation failed.")),
        _ => {
            let message = "The operation must be canceled or closed or pressed or deleted.";
            return Ok(business("OSM.01010013", message));
        }
    }
    Ok(HttpResponse::Ok().json(json!({})))
}

/// `GET /config/limits`: attache sends no carbon-copy mail, so a case takes none.
pub async fn case_limits(caller: OsmCaller) -> Result<HttpResponse> {
    drop(caller);
    Ok(HttpResponse::Ok().json(json!({ "config": { "create_case_ccemail_max_count": 0 } })))
}

/// `GET /quotas`: how many cases the caller may open, and how many are left. attache's case
/// quota is `--quota-tickets-per-hour` for customers: its cap, and what the last hour leaves
/// of it, whatever the product or problem type asked about. With no quota `{}`: there is no
/// number to give (the SDK reads `None` for both).
pub async fn case_quotas(core: Data, caller: OsmCaller) -> Result<HttpResponse> {
    let body = match quota::tickets_left(&core, &caller.0).await? {
        Some((total, left)) => json!({ "total": total, "un_used": left }),
        None => json!({}),
    };
    Ok(HttpResponse::Ok().json(body))
}
