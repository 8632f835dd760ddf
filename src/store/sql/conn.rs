//! One connection (or transaction) to the metadata database, SQLite or PostgreSQL: the few
//! calls the store's SQL needs (`execute`, `query_row`, `query_map`), each dispatched to the
//! driver that runs. The functions in `store::sql` take a `&Conn` and never learn which.
//!
//! The SQL text is shared. It is written for SQLite (`?1` parameters, `:name` parameters,
//! `LIKE` without regard to ASCII case) and the PostgreSQL driver rewrites those three things
//! (see `postgres::translate`); everything else in it is SQL both databases read alike.

use std::cell::RefCell;

use super::postgres::PgSession;
use super::value::{FromValue, ToValue};

/// What a statement failed with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Postgres(#[from] ::postgres::Error),
    #[error("column {column}: {reason}")]
    Column { column: String, reason: String },
    #[error("the query returned no rows")]
    NoRows,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A statement's parameters: by position (`?1`, `?2`, …) or by name (`:name`).
#[derive(Clone, Copy)]
pub enum Params<'p> {
    Positional(&'p [&'p dyn ToValue]),
    Named(&'p [(&'p str, &'p dyn ToValue)]),
}

impl<'p> From<&'p [&'p dyn ToValue]> for Params<'p> {
    fn from(list: &'p [&'p dyn ToValue]) -> Self {
        Params::Positional(list)
    }
}

impl<'p, const N: usize> From<&'p [&'p dyn ToValue; N]> for Params<'p> {
    fn from(list: &'p [&'p dyn ToValue; N]) -> Self {
        Params::Positional(list)
    }
}

impl<'p> From<&'p [(&'p str, &'p dyn ToValue)]> for Params<'p> {
    fn from(list: &'p [(&'p str, &'p dyn ToValue)]) -> Self {
        Params::Named(list)
    }
}

impl<'p> From<&'p Vec<(&'p str, &'p dyn ToValue)>> for Params<'p> {
    fn from(list: &'p Vec<(&'p str, &'p dyn ToValue)>) -> Self {
        Params::Named(list)
    }
}

/// Positional parameters: `params![a, b]`, as rusqlite's macro of that name.
#[macro_export]
macro_rules! sql_params {
    () => {
        &[] as &[&dyn $crate::store::sql::ToValue]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::store::sql::ToValue),+] as &[&dyn $crate::store::sql::ToValue]
    };
}
pub use sql_params as params;

/// One row of a result.
pub struct Row<'r>(RowOf<'r>);

enum RowOf<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r ::postgres::Row),
}

/// A column, by its position or its name.
pub trait Column: Copy + std::fmt::Display {
    fn in_sqlite<'r>(self, row: &'r rusqlite::Row<'_>) -> rusqlite::Result<SqliteRef<'r>>;
    fn in_postgres(self, row: &::postgres::Row) -> Option<usize>;
}

type SqliteRef<'r> = rusqlite::types::ValueRef<'r>;

impl Column for usize {
    fn in_sqlite<'r>(self, row: &'r rusqlite::Row<'_>) -> rusqlite::Result<SqliteRef<'r>> {
        row.get_ref(self)
    }

    fn in_postgres(self, row: &::postgres::Row) -> Option<usize> {
        (self < row.len()).then_some(self)
    }
}

impl Column for &str {
    fn in_sqlite<'r>(self, row: &'r rusqlite::Row<'_>) -> rusqlite::Result<SqliteRef<'r>> {
        row.get_ref(self)
    }

    fn in_postgres(self, row: &::postgres::Row) -> Option<usize> {
        row.columns().iter().position(|c| c.name() == self)
    }
}

impl Row<'_> {
    pub fn get<T: FromValue>(&self, column: impl Column) -> Result<T> {
        let failed = |reason: String| Error::Column {
            column: column.to_string(),
            reason,
        };
        let value = match &self.0 {
            RowOf::Sqlite(row) => super::sqlite::value(column.in_sqlite(row)?),
            RowOf::Postgres(row) => {
                let at = column
                    .in_postgres(row)
                    .ok_or_else(|| failed("no such column".into()))?;
                super::postgres::value(row, at).map_err(failed)?
            }
        };
        T::from_value(value).map_err(failed)
    }
}

impl<'r> Row<'r> {
    pub(super) fn sqlite(row: &'r rusqlite::Row<'r>) -> Self {
        Row(RowOf::Sqlite(row))
    }

    pub(super) fn postgres(row: &'r ::postgres::Row) -> Self {
        Row(RowOf::Postgres(row))
    }
}

/// A connection, or a transaction on one.
pub struct Conn<'c>(Of<'c>);

enum Of<'c> {
    Sqlite(&'c rusqlite::Connection),
    Postgres(RefCell<PgSession<'c>>),
}

impl<'c> Conn<'c> {
    pub fn sqlite(conn: &'c rusqlite::Connection) -> Self {
        Conn(Of::Sqlite(conn))
    }

    pub(crate) fn postgres(session: PgSession<'c>) -> Self {
        Conn(Of::Postgres(RefCell::new(session)))
    }

    pub(crate) fn into_postgres(self) -> Option<PgSession<'c>> {
        match self.0 {
            Of::Postgres(session) => Some(session.into_inner()),
            Of::Sqlite(_) => None,
        }
    }

    /// The SQLite connection, for what only SQLite has (its backup API, its file).
    pub fn as_sqlite(&self) -> Option<&'c rusqlite::Connection> {
        match self.0 {
            Of::Sqlite(conn) => Some(conn),
            Of::Postgres(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.0, Of::Postgres(_))
    }

    /// Runs a statement; answers how many rows it changed.
    pub fn execute<'p>(&self, sql: &str, params: impl Into<Params<'p>>) -> Result<usize> {
        match &self.0 {
            Of::Sqlite(conn) => super::sqlite::execute(conn, sql, params.into()),
            Of::Postgres(session) => session.borrow_mut().execute(sql, params.into()),
        }
    }

    /// Statements without parameters, separated by semicolons.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.0 {
            Of::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Of::Postgres(session) => session.borrow_mut().batch(sql),
        }
    }

    /// The first row, made into a `T`; `Error::NoRows` when there is none.
    pub fn query_row<'p, T>(
        &self,
        sql: &str,
        params: impl Into<Params<'p>>,
        make: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut make = Some(make);
        let mut found = None;
        self.each_row(sql, params.into(), &mut |row| {
            found = Some((make.take().expect("called once"))(row)?);
            Ok(false)
        })?;
        found.ok_or(Error::NoRows)
    }

    /// Every row, each made into a `T`.
    pub fn query_map<'p, T>(
        &self,
        sql: &str,
        params: impl Into<Params<'p>>,
        mut make: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut all = Vec::new();
        self.each_row(sql, params.into(), &mut |row| {
            all.push(make(row)?);
            Ok(true)
        })?;
        Ok(all)
    }

    /// Calls `each` on the rows in order while it answers `true`.
    fn each_row(
        &self,
        sql: &str,
        params: Params<'_>,
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        match &self.0 {
            Of::Sqlite(conn) => super::sqlite::each_row(conn, sql, params, each),
            Of::Postgres(session) => session.borrow_mut().each_row(sql, params, each),
        }
    }
}

/// `query_row` that answers `None` for no row.
pub fn optional<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(Error::NoRows) => Ok(None),
        Err(e) => Err(e),
    }
}
