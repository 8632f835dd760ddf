//! A case's operate logs (`GET /cases/{id}/operate-logs`, offset/limit): the core's record of
//! what happened to the ticket, oldest first. OSM publishes no numbering of its
//! `operate_type`; attache's is the table in `operate_type` (docs/dialects.md repeats it).

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::cases::{osm_status, page_bounds};
use super::{english, id, osm_time, Data, OsmCaller};
use crate::core::{events, users};
use crate::domain::{EventKind, Role, Status, TicketEvent, User};
use crate::error::Result;
use crate::ids::Id;

/// attache's `operate_type` for each kind of event.
fn operate_type(kind: EventKind) -> i64 {
    match kind {
        EventKind::Created => 1,
        EventKind::Replied => 2,
        EventKind::StatusChanged => 3,
        EventKind::Closed => 4,
        EventKind::Reopened => 5,
        EventKind::Changed => 6,
        EventKind::AttachmentAdded => 7,
        EventKind::AttachmentDeleted => 8,
        EventKind::MessageEdited => 9,
        EventKind::MessageDeleted => 10,
        EventKind::MessageWithdrawn => 11,
        EventKind::ContactChanged => 12,
    }
}

/// What an event says, in Chinese or in English.
fn describe(event: &TicketEvent, english: bool) -> String {
    let detail = &event.detail;
    let status = || Status::parse(detail).map_or(0, osm_status);
    let (zh, en) = match event.kind {
        EventKind::Created => ("创建工单".to_owned(), "Opened the case".to_owned()),
        EventKind::Replied => ("提交留言".to_owned(), "Added a message".to_owned()),
        EventKind::StatusChanged => (
            format!("工单状态变更为 {}", status()),
            format!("Moved the case to status {}", status()),
        ),
        EventKind::Closed => ("关闭工单".to_owned(), "Closed the case".to_owned()),
        EventKind::Reopened => ("重新打开工单".to_owned(), "Reopened the case".to_owned()),
        EventKind::Changed => (format!("修改工单：{detail}"), format!("Changed {detail}")),
        EventKind::AttachmentAdded => (format!("添加附件：{detail}"), format!("Added {detail}")),
        EventKind::AttachmentDeleted => {
            (format!("删除附件：{detail}"), format!("Removed {detail}"))
        }
        EventKind::MessageEdited => ("修改留言".to_owned(), "Edited a message".to_owned()),
        EventKind::MessageDeleted => ("删除留言".to_owned(), "Deleted a message".to_owned()),
        EventKind::MessageWithdrawn => ("撤回留言".to_owned(), "Withdrew a message".to_owned()),
        EventKind::ContactChanged => (
            "修改联系方式".to_owned(),
            "Changed the contact details".to_owned(),
        ),
    };
    if english {
        en
    } else {
        zh
    }
}

fn log_json(event: &TicketEvent, people: &HashMap<Id, User>, english: bool) -> Value {
    let actor = people.get(&event.actor_id);
    let customer = actor.is_none_or(|u| u.role == Role::Customer);
    let at = osm_time(event.created_at);
    json!({
        "incident_log_id": event.id.to_string(),
        "incident_id": event.ticket_id.to_string(),
        "operate_type": operate_type(event.kind),
        "operator_type": if customer { 0 } else { 1 },
        "operator_id": event.actor_id.hex(),
        "operator_name": actor.map_or("", |u| u.name.as_str()),
        "operate_desc": describe(event, english),
        "operate_time": at,
        "timestamp_operate_time": at,
    })
}

#[derive(Deserialize)]
pub struct LogParams {
    offset: Option<u32>,
    limit: Option<u32>,
}

pub async fn list_operate_logs(
    core: Data,
    caller: OsmCaller,
    req: HttpRequest,
    path: web::Path<String>,
    params: web::Query<LogParams>,
) -> Result<HttpResponse> {
    let (offset, limit) = page_bounds(params.offset, params.limit)?;
    let case = id(&path, "case")?;
    let (found, total) = events::page(&core, &caller.0, case, offset, limit).await?;
    let people = users::by_id(&core, found.iter().map(|e| e.actor_id).collect()).await?;
    let english = english(&req);
    let logs: Vec<Value> = found
        .iter()
        .map(|e| log_json(e, &people, english))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "total_count": total, "incident_operate_log_list": logs })))
}
