//! A case's messages: submit one (`POST /cases/{id}/message`, singular), list them
//! (`GET /cases/{id}/messages`, plural, offset/limit), and withdraw one's own
//! (`POST /cases/{id}/instant-messages/{message_id}/withdraw`).

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::cases::{accessory_ids, business, page_bounds, signed_json};
use super::{id, osm_time, Data, OsmCaller};
use crate::core::messages::{self, Carry};
use crate::core::withdrawals::{withdraw, Withdrawal};
use crate::core::{users, Caller};
use crate::domain::{Message, Role, User};
use crate::error::{Error, Result};
use crate::ids::Id;

/// A message as OSM writes it: `type` `0` from the customer, `1` from the support side; its
/// attachments as `{accessory_id, file_actual_name}`. The detail view has `message_id`, the
/// list does not.
pub(super) fn message_json(m: &Message, people: &HashMap<Id, User>, with_id: bool) -> Value {
    let author = people.get(&m.author_id);
    let from_customer = author.is_none_or(|u| u.role == Role::Customer);
    let mut message = json!({
        "type": if from_customer { 0 } else { 1 },
        "replier_type": if from_customer { 0 } else { 1 },
        "replier": m.author_id.hex(),
        "replier_name": author.map_or("", |u| u.name.as_str()),
        "content": m.body,
        "create_time": osm_time(m.created_at),
        "is_first_message": i32::from(m.opening),
        "iam_user_type": 0,
        "accessory_list": m.attachments.iter().map(|a| json!({
            "accessory_id": a.id.to_string(),
            "file_actual_name": a.filename,
        })).collect::<Vec<_>>(),
    });
    if with_id {
        message["message_id"] = json!(m.id.to_string());
    }
    message
}

#[derive(Deserialize)]
struct NewMessageBody {
    content: String,
    #[serde(default)]
    accessory_ids: Vec<String>,
}

#[derive(Deserialize)]
struct NewMessage {
    message: NewMessageBody,
    /// Read only to refuse a malformed one (attache has no IAM groups).
    #[allow(dead_code)]
    group_id: Option<String>,
}

/// OSM answers a submitted message with `{error_code, error_msg}` only (no message id).
pub async fn create_message(
    core: Data,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse> {
    let (caller, new): (Caller, NewMessage) = signed_json(&core, &req, body).await?;
    let case = id(&path, "case")?;
    let ids = accessory_ids(&new.message.accessory_ids, "/message/accessory_ids")?;
    messages::create(&core, &caller, case, new.message.content, ids, Carry::Named).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

#[derive(Deserialize)]
pub struct ListParams {
    offset: Option<u32>,
    limit: Option<u32>,
}

pub async fn list_messages(
    core: Data,
    caller: OsmCaller,
    path: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse> {
    let (offset, limit) = page_bounds(params.offset, params.limit)?;
    let thread = messages::list(&core, &caller.0, id(&path, "case")?).await?;
    let people = users::by_id(&core, thread.iter().map(|m| m.author_id).collect()).await?;
    let page: Vec<Value> = thread
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|m| message_json(m, &people, false))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "count": thread.len(), "message_list": page })))
}

/// `POST /cases/{id}/instant-messages/{message_id}/withdraw`: the author takes a message back;
/// it leaves the case's messages (and detail), with its files, for everyone, and the case's
/// operate logs record it. OSM documents no code for these refusals; attache answers with its
/// nearest business codes, in a 200: an id that names no message of the case
/// `OSM.01010001` (the parameter fails its check), someone else's message or the case's
/// description `OSM.01010002` (no permission), a message already withdrawn `OSM.01010014`
/// (the operation failed: there is nothing left to withdraw).
pub async fn withdraw_message(
    core: Data,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
) -> Result<HttpResponse> {
    let (caller, _empty): (Caller, Value) = signed_json(&core, &req, body).await?;
    let (case, message) = path.into_inner();
    let case = id(&case, "case")?;
    let unknown = || business("OSM.01010001", "Param validation failed.");
    let Some(message) = Id::parse_uuid(message.trim()) else {
        return Ok(unknown());
    };
    match withdraw(&core, &caller, case, message).await {
        Ok(Withdrawal::Withdrawn) => Ok(HttpResponse::Ok().json(json!({}))),
        Ok(Withdrawal::AlreadyWithdrawn) => Ok(business("OSM.01010014", "Operation failed.")),
        Err(Error::NotFound("message")) => Ok(unknown()),
        Err(e) => Err(e),
    }
}
