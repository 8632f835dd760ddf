//! Plain functions over a `&Connection`: the only SQL in attache.

pub mod attachments;
pub mod escalations;
pub mod events;
pub mod maintenance;
pub mod messages;
pub mod meta;
pub mod sessions;
mod ticket_match;
pub mod tickets;
pub mod users;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::OptionalExtension;

use crate::domain::Timestamp;

/// Times are stored as their RFC 3339 text, which sorts in time order in SQL too.
impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Timestamp::parse(text)
            .ok_or_else(|| FromSqlError::Other(format!("not a time: {text}").into()))
    }
}

/// `query_row` that answers `None` for no row.
pub(crate) fn optional<T>(result: rusqlite::Result<T>) -> rusqlite::Result<Option<T>> {
    result.optional()
}

/// A LIKE pattern (with `ESCAPE '\'`) matching text that contains `needle` literally.
pub(crate) fn contains_pattern(needle: &str) -> String {
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Named parameters as rusqlite takes them, from a list that owns its values.
pub(crate) fn named(params: &[(String, Box<dyn ToSql>)]) -> Vec<(&str, &dyn ToSql)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_ref()))
        .collect()
}
