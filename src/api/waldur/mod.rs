//! The Waldur dialect under `/api`: support issues, their comments and their attachments as
//! the official Python client sends and reads them. uuids are 32 hex digits (either spelling
//! is accepted), lists are bare arrays paged by `page`/`page_size` with `X-Result-Count` and a
//! `Link` header, errors are Django REST framework shapes, and paths keep Waldur's trailing
//! slashes (a path without one is redirected, as Django's `APPEND_SLASH` does).

use actix_web::web;
use time::macros::format_description;
use time::UtcOffset;

use crate::core::access::Sees;
use crate::core::{Caller, Core};
use crate::domain::{Ticket, Timestamp};
use crate::error::{Error, Result};
use crate::ids::Id;

mod actions;
mod attachments;
mod comments;
mod errors;
mod filters;
mod issues;
mod list;
mod lookups;
mod paths;
mod request;

pub use actions::{attach_resource, bulk_update, escalate, reroute};
pub use actions::{route_to_provider, set_status, sync};
pub use attachments::retrieve_attachment;
pub use attachments::{create_attachment, destroy_attachment, list_attachments};
pub use comments::{comment_issue, destroy_comment, list_comments, partial_update_comment};
pub use comments::{retrieve_comment, update_comment, DRF_FALSE, DRF_TRUE};
pub use errors::Drf;
pub use issues::{create_issue, list_issues, retrieve_issue, unavailable_issue_change};
pub use lookups::{list_issue_statuses, list_priorities, list_request_types};
pub use lookups::{retrieve_issue_status, retrieve_priority, retrieve_request_type};
pub use paths::{append_slash_or_405, Known};

type Data = web::Data<Core>;

/// Either uuid spelling, else a 404 (DRF's `Not found.`).
fn uuid(text: &str) -> Result<Id> {
    Id::parse_uuid(text).ok_or(Error::NotFound("resource"))
}

/// Waldur's issue types, as it configures them by default; the first is the default type.
const ISSUE_TYPES: [&str; 4] = [
    "Informational",
    "Service Request",
    "Change Request",
    "Incident",
];

/// What Waldur allows to staff and support users only (attache's agents and admins): a 403
/// for anyone else, before any lookup.
fn staff_only(caller: &Caller) -> Result<()> {
    if caller.sees() == Sees::All {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Only staff and support users may do this.",
        ))
    }
}

/// `…/api/<collection>/<hex>/`, the hyperlink Waldur gives each object.
fn url(core: &Core, collection: &str, id: Id) -> String {
    format!("{}/api/{collection}/{}/", core.public_url, id.hex())
}

fn issue_url(core: &Core, id: Id) -> String {
    url(core, "support-issues", id)
}

/// The prefix of every issue key: `SUP-<number>`.
const KEY_PREFIX: &str = "SUP-";

fn issue_key(ticket: &Ticket) -> String {
    format!("{KEY_PREFIX}{}", ticket.number)
}

/// A time as Django REST framework writes it: Python's `isoformat()` in UTC with `Z`, and
/// microseconds only when they are not zero.
fn time(at: Timestamp) -> String {
    let t = at.at_offset(UtcOffset::UTC);
    let whole = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let text = t.format(whole).unwrap_or_default();
    match t.microsecond() {
        0 => format!("{text}Z"),
        micros => format!("{text}.{micros:06}Z"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_django_rest_framework_writes_them() {
        let at = |text| time(Timestamp::parse(text).unwrap());
        assert_eq!(at("2024-10-24T12:34:56.000Z"), "2024-10-24T12:34:56Z");
        assert_eq!(
            at("2024-10-24T12:34:56.120Z"),
            "2024-10-24T12:34:56.120000Z"
        );
        assert_eq!(
            at("2024-10-24T14:34:56.007+02:00"),
            "2024-10-24T12:34:56.007000Z"
        );
    }
}
