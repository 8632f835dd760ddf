//! Plain functions over a `&Connection`: the only SQL in attache.

pub mod attachments;
pub mod maintenance;
pub mod meta;
pub mod sessions;
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
