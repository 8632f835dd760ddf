//! Plain functions over a `&Conn` (SQLite or PostgreSQL): the only SQL in attache.

pub mod attachments;
pub mod copy;
pub mod escalations;
pub mod events;
pub mod maintenance;
pub mod messages;
pub mod meta;
pub mod sessions;
pub mod shared;
pub mod snapshots;
mod ticket_match;
pub mod tickets;
pub mod users;

mod conn;
pub(crate) mod postgres;
mod sqlite;
mod value;

pub use conn::{optional, params, Column, Conn, Error, Params, Result, Row};
pub use value::{FromValue, ToValue, Value, ValueRef};

use crate::domain::{Sha256, Timestamp};
use crate::ids::Id;

/// Times are stored as their RFC 3339 text, which sorts in time order in SQL too.
impl ToValue for Timestamp {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self.to_string().into())
    }
}

impl FromValue for Timestamp {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        match value {
            ValueRef::Text(text) => {
                Timestamp::parse(text).ok_or_else(|| format!("not a time: {text}"))
            }
            other => Err(other.unexpected("a time")),
        }
    }
}

/// Ids are stored as their 16 bytes.
impl ToValue for Id {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(std::borrow::Cow::Borrowed(&self.as_bytes()[..]))
    }
}

impl FromValue for Id {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        <[u8; 16]>::from_value(value).map(Id::from_bytes)
    }
}

/// Content hashes are stored as their lowercase hex.
impl FromValue for Sha256 {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        match value {
            ValueRef::Text(text) => {
                Sha256::parse(text).ok_or_else(|| format!("not a SHA-256: {text}"))
            }
            other => Err(other.unexpected("a SHA-256")),
        }
    }
}

/// A LIKE pattern (with `ESCAPE '\'`) matching text that contains `needle` literally.
pub(crate) fn contains_pattern(needle: &str) -> String {
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// An ORDER BY direction with SQLite's place for NULLs (first going up, last going down)
/// said outright, since PostgreSQL's is the opposite.
pub(crate) fn direction(descending: bool) -> &'static str {
    match descending {
        true => "DESC NULLS LAST",
        false => "ASC NULLS FIRST",
    }
}

/// Named parameters as `Conn` takes them, from a list that owns its values.
pub(crate) fn named(params: &[(String, Box<dyn ToValue>)]) -> Vec<(&str, &dyn ToValue)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_ref()))
        .collect()
}
