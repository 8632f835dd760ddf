//! The lookups around issues, read-only as attache serves them: `/api/support-issue-statuses/`
//! (the statuses that finish an issue, staff only, as Waldur's), `/api/support-priorities/`
//! (attache's priorities, filtered by `name` and `name_exact`) and
//! `/api/support-request-types/` (Waldur's default issue types). Each list is paged as every
//! Waldur list is and answers HEAD with its count. Their uuids are derived from their names,
//! so they are the same in every run and on every server.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::core::{Caller, Core};
use crate::domain::Status;
use crate::error::{Error, Result};
use crate::ids::Id;

use super::list::{list_response, ListParams};
use super::{staff_only, url, uuid, Data, ISSUE_TYPES};

/// The priorities attache's dialects know (HostUp's five, which hold TopTickets' four).
pub const PRIORITIES: [&str; 5] = ["low", "medium", "high", "urgent", "critical"];

/// Waldur's `IssueStatus.type`: the outcome a finishing status stands for. attache does not
/// tell a canceled issue from a resolved one, so both of its finishing statuses resolve.
const RESOLVED: (u8, &str) = (0, "Resolved");

/// A uuid that depends on `kind` and `name` alone: the first 16 bytes of their SHA-256, marked
/// as a version 8 (custom) uuid.
fn stable_id(kind: &str, name: &str) -> Id {
    let digest = Sha256::digest(format!("attache/waldur/{kind}/{name}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Id::from_bytes(bytes)
}

/// One of the lookups: its collection, the name its 404 gives, and its items in order.
struct Lookup {
    collection: &'static str,
    missing: &'static str,
    items: Vec<Value>,
}

impl Lookup {
    fn new(collection: &'static str, missing: &'static str) -> Self {
        Lookup {
            collection,
            missing,
            items: Vec::new(),
        }
    }

    /// Adds `name` with its `url` and `uuid`, and the `rest` of its fields.
    fn with(mut self, core: &Core, name: &str, rest: Value) -> Self {
        let id = stable_id(self.collection, name);
        let mut item = json!({
            "url": url(core, self.collection, id),
            "uuid": id.hex(),
            "name": name,
        });
        if let (Some(item), Value::Object(rest)) = (item.as_object_mut(), rest) {
            item.extend(rest);
        }
        self.items.push(item);
        self
    }

    fn list(
        self,
        req: &HttpRequest,
        core: &Core,
        params: &ListParams,
        keep: impl Fn(&Value) -> bool,
    ) -> Result<HttpResponse> {
        let kept: Vec<Value> = self.items.into_iter().filter(|i| keep(i)).collect();
        let total = kept.len() as u64;
        let page = kept
            .into_iter()
            .skip(params.offset() as usize)
            .take(params.page_size as usize)
            .collect();
        list_response(req, core, params, page, total)
    }

    fn retrieve(self, id: &str) -> Result<HttpResponse> {
        let hex = uuid(id)?.hex();
        self.items
            .into_iter()
            .find(|item| item["uuid"] == hex.as_str())
            .map(|item| HttpResponse::Ok().json(item))
            .ok_or(Error::NotFound(self.missing))
    }
}

/// Waldur's registry of finishing statuses, ordered by name: attache's `closed` and
/// `resolved`.
fn issue_statuses(core: &Core) -> Lookup {
    let mut finishing: Vec<&str> = Status::ALL
        .into_iter()
        .filter(|s| s.is_done())
        .map(Status::as_str)
        .collect();
    finishing.sort_unstable();
    let (kind, display) = RESOLVED;
    finishing.into_iter().fold(
        Lookup::new("support-issue-statuses", "issue_status"),
        |lookup, name| lookup.with(core, name, json!({"type": kind, "type_display": display})),
    )
}

/// Ordered by name, as Waldur orders its priorities.
fn priorities(core: &Core) -> Lookup {
    let mut names = PRIORITIES;
    names.sort_unstable();
    names.into_iter().fold(
        Lookup::new("support-priorities", "priority"),
        |lookup, name| lookup.with(core, name, json!({"description": "", "icon_url": ""})),
    )
}

/// One request type per issue type, in the order Waldur configures its issue types by
/// default (the first is the default).
fn request_types(core: &Core) -> Lookup {
    ISSUE_TYPES.into_iter().zip(1..).fold(
        Lookup::new("support-request-types", "request_type"),
        |lookup, (name, order)| {
            lookup.with(core, name, json!({"issue_type_name": name, "order": order}))
        },
    )
}

pub async fn list_issue_statuses(
    core: Data,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse> {
    staff_only(&caller)?;
    let params = ListParams::parse(&req)?;
    issue_statuses(&core).list(&req, &core, &params, |_| true)
}

pub async fn retrieve_issue_status(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    staff_only(&caller)?;
    issue_statuses(&core).retrieve(&id)
}

/// `name` is part of the name, any case; `name_exact` the whole of it.
pub async fn list_priorities(core: Data, _: Caller, req: HttpRequest) -> Result<HttpResponse> {
    let params = ListParams::parse(&req)?;
    let part = params.get("name").unwrap_or_default().to_lowercase();
    let exact = params.get("name_exact").filter(|v| !v.is_empty());
    priorities(&core).list(&req, &core, &params, |item| {
        let name = item["name"].as_str().unwrap_or_default();
        name.to_lowercase().contains(&part) && exact.is_none_or(|e| e == name)
    })
}

pub async fn retrieve_priority(
    core: Data,
    _: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    priorities(&core).retrieve(&id)
}

pub async fn list_request_types(core: Data, _: Caller, req: HttpRequest) -> Result<HttpResponse> {
    let params = ListParams::parse(&req)?;
    request_types(&core).list(&req, &core, &params, |_| true)
}

pub async fn retrieve_request_type(
    core: Data,
    _: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    request_types(&core).retrieve(&id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_depend_on_the_kind_and_the_name_alone() {
        let a = stable_id("support-priorities", "high");
        assert_eq!(a, stable_id("support-priorities", "high"));
        assert_ne!(a, stable_id("support-priorities", "low"));
        assert_ne!(a, stable_id("support-request-types", "high"));
        // A well-formed uuid: version 8, RFC 4122 variant.
        let text = a.hex();
        assert_eq!(&text[12..13], "8");
        assert!("89ab".contains(&text[16..17]));
    }
}
