//! The test-control API under `/_attache/` (test mode only, admin keys only). Errors are
//! problem documents, as on the native API.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::faults::RuleSpec;
use super::journal::Filter;
use super::{snapshots, TestMode};
use crate::core::{pending, Caller, Core};
use crate::domain::{now, time, Scope, Timestamp};
use crate::error::{Error, Result};

type Data = web::Data<Core>;
type Test = web::Data<TestMode>;

fn admin(caller: &Caller) -> Result<()> {
    caller.require(Scope::Admin)
}

/// Back to the state the server started in; the journal, the fault rules and the clock too.
pub async fn reset(core: Data, test: Test, caller: Caller) -> Result<HttpResponse> {
    admin(&caller)?;
    snapshots::restore(&core, snapshots::INITIAL).await?;
    test.journal.clear();
    test.faults.clear();
    time::reset_clock();
    Ok(HttpResponse::NoContent().finish())
}

fn snapshot_name(name: &str) -> Result<&str> {
    if snapshots::valid_name(name) {
        Ok(name)
    } else {
        Err(Error::invalid(
            "/name",
            "invalid_name",
            "1 to 64 letters, digits, `-` and `_`, starting with a letter or digit.",
        ))
    }
}

pub async fn take_snapshot(
    core: Data,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    admin(&caller)?;
    let name = snapshot_name(&name)?;
    snapshots::take(&core, name).await?;
    Ok(HttpResponse::Created().json(json!({ "name": name })))
}

pub async fn restore_snapshot(
    core: Data,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    admin(&caller)?;
    snapshots::restore(&core, snapshot_name(&name)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn requests(
    test: Test,
    caller: Caller,
    filter: web::Query<Filter>,
) -> Result<HttpResponse> {
    admin(&caller)?;
    let entries = test
        .journal
        .matching(&filter)
        .ok_or_else(|| Error::invalid("/since", "invalid_time", "`since` is an RFC 3339 time."))?;
    Ok(HttpResponse::Ok().json(entries))
}

pub async fn clear_requests(test: Test, caller: Caller) -> Result<HttpResponse> {
    admin(&caller)?;
    test.journal.clear();
    Ok(HttpResponse::NoContent().finish())
}

pub async fn add_fault(
    test: Test,
    caller: Caller,
    spec: web::Json<RuleSpec>,
) -> Result<HttpResponse> {
    admin(&caller)?;
    let spec = spec.into_inner();
    if let Some(problem) = spec.problem() {
        return Err(Error::invalid("", "invalid_rule", problem));
    }
    Ok(HttpResponse::Created().json(test.faults.add(spec)))
}

pub async fn faults(test: Test, caller: Caller) -> Result<HttpResponse> {
    admin(&caller)?;
    Ok(HttpResponse::Ok().json(test.faults.list()))
}

pub async fn clear_faults(test: Test, caller: Caller) -> Result<HttpResponse> {
    admin(&caller)?;
    test.faults.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockChange {
    advance_seconds: Option<i64>,
    set: Option<String>,
}

pub async fn clock(caller: Caller) -> Result<HttpResponse> {
    admin(&caller)?;
    Ok(HttpResponse::Ok().json(json!({ "now": now() })))
}

/// Moves the clock, then sweeps the pending uploads at once, so that a test sees an upload
/// expire without waiting for the sweeper's next round.
pub async fn move_clock(
    core: Data,
    caller: Caller,
    change: web::Json<ClockChange>,
) -> Result<HttpResponse> {
    admin(&caller)?;
    match (change.advance_seconds, change.set.as_deref()) {
        (Some(seconds), None) => time::advance_clock(seconds.saturating_mul(1000)),
        (None, Some(text)) => {
            time::set_clock(Timestamp::parse(text).ok_or_else(|| {
                Error::invalid("/set", "invalid_time", "`set` is an RFC 3339 time.")
            })?)
        }
        _ => {
            return Err(Error::invalid(
                "",
                "one_of",
                "Send either `advance_seconds` or `set`.",
            ))
        }
    }
    let swept = pending::sweep(&core).await?;
    Ok(HttpResponse::Ok().json(json!({ "now": now(), "swept_pending_uploads": swept })))
}
