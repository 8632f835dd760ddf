//! The PostgreSQL side of `Conn`: the `postgres` client, a statement cache per connection, the
//! rewriting of the shared SQL text, and the conversions between `Value` and PostgreSQL's types.

use std::collections::HashMap;
use std::error::Error as StdError;

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, Statement, Transaction};

use super::conn::{Params, Result, Row};
use super::value::{Value, ValueRef};

/// Statements kept per connection. The shared SQL is a few hundred distinct texts (filters
/// make some of them vary); past this many the cache starts again.
const STATEMENTS: usize = 512;

/// A pooled PostgreSQL connection with its prepared statements.
pub struct PgClient {
    /// Always `Some` but while being dropped.
    client: Option<Client>,
    statements: HashMap<String, Statement>,
}

impl PgClient {
    pub fn new(client: Client) -> Self {
        PgClient {
            client: Some(client),
            statements: HashMap::new(),
        }
    }

    pub fn client(&mut self) -> &mut Client {
        self.client.as_mut().expect("a client until dropped")
    }

    /// The connection outside any transaction.
    pub(crate) fn session(&mut self) -> PgSession<'_> {
        PgSession {
            target: Target::Client(self.client.as_mut().expect("a client until dropped")),
            statements: &mut self.statements,
        }
    }

    /// A transaction, rolled back if dropped before `commit`.
    pub(crate) fn transaction(&mut self) -> Result<PgSession<'_>> {
        Ok(PgSession {
            target: Target::Transaction(
                (self.client.as_mut().expect("a client until dropped")).transaction()?,
            ),
            statements: &mut self.statements,
        })
    }
}

/// Closing a connection blocks on the client's own runtime, which may not happen on a thread
/// that drives another (an actix worker): there it is closed on a thread of its own.
impl Drop for PgClient {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            off_runtime(move || drop(client));
        }
    }
}

/// Runs `job` where the `postgres` client may block: here, or on a thread of its own when
/// this thread is inside a tokio runtime (the client drives each connection with a runtime of
/// its own, and tokio refuses to start one inside another). The blocking pool's threads, where
/// `Db::run` sends SQL, may block, and call the client directly.
pub fn off_runtime<R: Send>(job: impl FnOnce() -> R + Send) -> R {
    if tokio::runtime::Handle::try_current().is_err() {
        return job();
    }
    std::thread::scope(|scope| match scope.spawn(job).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

enum Target<'c> {
    Client(&'c mut Client),
    Transaction(Transaction<'c>),
}

/// What a `Conn` on PostgreSQL holds: the connection or a transaction on it.
pub struct PgSession<'c> {
    target: Target<'c>,
    statements: &'c mut HashMap<String, Statement>,
}

impl PgSession<'_> {
    pub(crate) fn commit(self) -> Result<()> {
        match self.target {
            Target::Transaction(tx) => Ok(tx.commit()?),
            Target::Client(_) => Ok(()),
        }
    }

    fn prepared(&mut self, sql: &str, params: &Params<'_>) -> Result<Statement> {
        let key = match params {
            Params::Positional(_) => sql.to_owned(),
            // The same text with its names in another order binds differently.
            Params::Named(list) => {
                let names: Vec<&str> = list.iter().map(|(name, _)| *name).collect();
                format!("{sql}\n{}", names.join(","))
            }
        };
        if let Some(statement) = self.statements.get(&key) {
            return Ok(statement.clone());
        }
        let text = translate(sql, params);
        let prepared = match &mut self.target {
            Target::Client(client) => client.prepare(&text),
            Target::Transaction(tx) => tx.prepare(&text),
        };
        let statement = prepared?;
        if self.statements.len() >= STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(key, statement.clone());
        Ok(statement)
    }

    pub(super) fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<usize> {
        let statement = self.prepared(sql, &params)?;
        let values = values(&params);
        let binds = binds(&values);
        let changed = match &mut self.target {
            Target::Client(client) => client.execute(&statement, &binds)?,
            Target::Transaction(tx) => tx.execute(&statement, &binds)?,
        };
        Ok(changed as usize)
    }

    pub(super) fn batch(&mut self, sql: &str) -> Result<()> {
        match &mut self.target {
            Target::Client(client) => client.batch_execute(sql)?,
            Target::Transaction(tx) => tx.batch_execute(sql)?,
        }
        Ok(())
    }

    pub(super) fn each_row(
        &mut self,
        sql: &str,
        params: Params<'_>,
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        let statement = self.prepared(sql, &params)?;
        let values = values(&params);
        let binds = binds(&values);
        let rows = match &mut self.target {
            Target::Client(client) => client.query(&statement, &binds)?,
            Target::Transaction(tx) => tx.query(&statement, &binds)?,
        };
        for row in &rows {
            if !each(&Row::postgres(row))? {
                break;
            }
        }
        Ok(())
    }
}

/// The values in the order of the rewritten text's `$n`.
fn values<'v>(params: &'v Params<'v>) -> Vec<Value<'v>> {
    match params {
        Params::Positional(list) => list.iter().map(|p| p.to_value()).collect(),
        Params::Named(list) => list.iter().map(|(_, p)| p.to_value()).collect(),
    }
}

fn binds<'v>(values: &'v [Value<'v>]) -> Vec<&'v (dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// The shared SQL text as PostgreSQL reads it: `?N` becomes `$N`; `:name` becomes `$k`, its
/// place in the named list; `LIKE`, which in attache's SQL means SQLite's match that ignores
/// ASCII case, becomes `ILIKE`; and SQLite's `instr(text, part)` is PostgreSQL's `strpos`. Quoted text and identifiers are left alone, as are
/// `::` casts.
pub fn translate(sql: &str, params: &Params<'_>) -> String {
    let names: Vec<&str> = match params {
        Params::Named(list) => list
            .iter()
            .map(|(name, _)| name.trim_start_matches(':'))
            .collect(),
        Params::Positional(_) => Vec::new(),
    };
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 16);
    let mut at = 0;
    while at < bytes.len() {
        let c = bytes[at];
        match c {
            b'\'' | b'"' => {
                let end = sql[at + 1..]
                    .find(c as char)
                    .map_or(sql.len(), |i| at + 2 + i);
                out.push_str(&sql[at..end]);
                at = end;
            }
            b'?' => {
                let digits = sql[at + 1..]
                    .find(|ch: char| !ch.is_ascii_digit())
                    .map_or(sql.len() - at - 1, |i| i);
                out.push('$');
                out.push_str(&sql[at + 1..at + 1 + digits]);
                at += 1 + digits;
            }
            b':' if bytes.get(at + 1) == Some(&b':') => {
                out.push_str("::");
                at += 2;
            }
            b':' if bytes
                .get(at + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') =>
            {
                let len = word_len(&sql[at + 1..]);
                let name = &sql[at + 1..at + 1 + len];
                match names.iter().position(|n| *n == name) {
                    Some(i) => out.push_str(&format!("${}", i + 1)),
                    None => out.push_str(&sql[at..at + 1 + len]),
                }
                at += 1 + len;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let len = word_len(&sql[at..]);
                let word = &sql[at..at + len];
                if word.eq_ignore_ascii_case("like") {
                    out.push_str("ILIKE");
                } else if word.eq_ignore_ascii_case("instr") {
                    out.push_str("strpos");
                } else {
                    out.push_str(word);
                }
                at += len;
            }
            _ => {
                let len = sql[at..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&sql[at..at + len]);
                at += len;
            }
        }
    }
    out
}

fn word_len(text: &str) -> usize {
    text.find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
        .unwrap_or(text.len())
}

/// Binds a `Value` to whatever type PostgreSQL inferred for the parameter: an integer to any
/// integer type or to a boolean (flags are 0 and 1 in the shared SQL), text to the text types.
impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(format!("an integer cannot be bound to {ty}").into()),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                _ => Err(format!("a real cannot be bound to {ty}").into()),
            },
            Value::Text(text) => text.as_ref().to_sql(ty, out),
            Value::Blob(bytes) => bytes.as_ref().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A column as a `ValueRef`, from the types the schema uses.
pub(super) fn value(row: &postgres::Row, at: usize) -> Result<ValueRef<'_>, String> {
    let ty = row.columns()[at].type_().clone();
    let read = |e: postgres::Error| e.to_string();
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(at)
            .map_err(read)?
            .map(ValueRef::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(at)
            .map_err(read)?
            .map(|i| ValueRef::Int(i.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(at)
            .map_err(read)?
            .map(|i| ValueRef::Int(i.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(at)
            .map_err(read)?
            .map(|b| ValueRef::Int(b.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(at)
            .map_err(read)?
            .map(ValueRef::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(at)
            .map_err(read)?
            .map(|r| ValueRef::Real(r.into())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => row
            .try_get::<_, Option<&str>>(at)
            .map_err(read)?
            .map(ValueRef::Text),
        Type::BYTEA => row
            .try_get::<_, Option<&[u8]>>(at)
            .map_err(read)?
            .map(ValueRef::Blob),
        other => {
            return Err(format!(
                "type {other} is not one the store reads (cast it in SQL)"
            ))
        }
    }
    .unwrap_or(ValueRef::Null))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::ToValue;

    #[test]
    fn the_shared_text_is_rewritten_for_postgres_and_nothing_else_is() {
        let positional = Params::Positional(&[]);
        assert_eq!(
            translate(
                "SELECT a FROM t WHERE b = ?1 AND c LIKE ?12 ESCAPE '\\'",
                &positional
            ),
            "SELECT a FROM t WHERE b = $1 AND c ILIKE $12 ESCAPE '\\'"
        );
        assert_eq!(
            translate(
                "SELECT 'a ?1 :x like' , \"like\", x::text, liked FROM t",
                &positional
            ),
            "SELECT 'a ?1 :x like' , \"like\", x::text, liked FROM t"
        );
        let one: &dyn ToValue = &1i64;
        let list = [(":limit", one), (":body", one)];
        assert_eq!(
            translate(
                "WHERE (:body IS NULL OR x LIKE :body) LIMIT :limit OFFSET :other",
                &Params::Named(&list)
            ),
            "WHERE ($2 IS NULL OR x ILIKE $2) LIMIT $1 OFFSET :other"
        );
    }
}
