//! Plain functions over a `&Connection`: the only SQL in attache.

pub mod attachments;
pub mod maintenance;
pub mod meta;
pub mod sessions;
pub mod tickets;
pub mod users;

use rusqlite::OptionalExtension;

/// `query_row` that answers `None` for no row.
pub(crate) fn optional<T>(result: rusqlite::Result<T>) -> rusqlite::Result<Option<T>> {
    result.optional()
}
