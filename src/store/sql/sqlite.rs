//! The SQLite side of `Conn`: rusqlite, statements from its per-connection cache.

use rusqlite::types::{ToSqlOutput, ValueRef as SqliteRef};

use super::conn::{Params, Result, Row};
use super::value::{Value, ValueRef};

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => SqliteRef::Null,
            Value::Int(i) => SqliteRef::Integer(*i),
            Value::Real(r) => SqliteRef::Real(*r),
            Value::Text(text) => SqliteRef::Text(text.as_bytes()),
            Value::Blob(bytes) => SqliteRef::Blob(bytes),
        }))
    }
}

pub(super) fn value(value: SqliteRef<'_>) -> ValueRef<'_> {
    match value {
        SqliteRef::Null => ValueRef::Null,
        SqliteRef::Integer(i) => ValueRef::Int(i),
        SqliteRef::Real(r) => ValueRef::Real(r),
        // SQLite keeps what it was given: text written by attache is UTF-8.
        SqliteRef::Text(text) => match std::str::from_utf8(text) {
            Ok(text) => ValueRef::Text(text),
            Err(_) => ValueRef::Blob(text),
        },
        SqliteRef::Blob(bytes) => ValueRef::Blob(bytes),
    }
}

/// Binds `params` to `stmt` and hands the bound statement to `run`.
fn bound<T>(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: Params<'_>,
    run: impl FnOnce(&mut rusqlite::Statement<'_>) -> Result<T>,
) -> Result<T> {
    let expected = stmt.parameter_count();
    let given = match params {
        Params::Positional(list) => list.len(),
        Params::Named(list) => list.len(),
    };
    if given != expected {
        return Err(rusqlite::Error::InvalidParameterCount(given, expected).into());
    }
    match params {
        Params::Positional(list) => {
            let values: Vec<Value> = list.iter().map(|p| p.to_value()).collect();
            for (at, value) in values.iter().enumerate() {
                stmt.raw_bind_parameter(at + 1, value)?;
            }
        }
        Params::Named(list) => {
            for (name, param) in list {
                let at = stmt
                    .parameter_index(name)?
                    .ok_or_else(|| rusqlite::Error::InvalidParameterName((*name).to_owned()))?;
                stmt.raw_bind_parameter(at, param.to_value())?;
            }
        }
    }
    run(stmt)
}

pub(super) fn execute(conn: &rusqlite::Connection, sql: &str, params: Params<'_>) -> Result<usize> {
    let mut stmt = conn.prepare_cached(sql)?;
    bound(&mut stmt, params, |stmt| Ok(stmt.raw_execute()?))
}

pub(super) fn each_row(
    conn: &rusqlite::Connection,
    sql: &str,
    params: Params<'_>,
    each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    bound(&mut stmt, params, |stmt| {
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            if !each(&Row::sqlite(row))? {
                break;
            }
        }
        Ok(())
    })
}
