//! Copying a whole database, table by table, for `attache migrate-db`: the tables in an order
//! that satisfies their foreign keys, and each table's rows read and written by column name as
//! `Value`s, so nothing here knows a table's columns or their types.

use super::{params, Conn, Result, Value};

/// Every table attache keeps, each after the tables it references (schema.sql). Refinery's
/// `refinery_schema_history` is not among them: each database records its own migrations.
pub const TABLES: [&str; 13] = [
    "meta",
    "users",
    "api_keys",
    "tickets",
    "messages",
    "ticket_events",
    "ticket_contacts",
    "blobs",
    "attachments",
    "sessions",
    "signing_keys",
    "server_secrets",
    "seen_signatures",
];

/// A row as read for copying: SQLite's `rowid` (where the next batch starts) and its values.
pub struct CopiedRow {
    pub rowid: i64,
    pub values: Vec<Value<'static>>,
}

/// An identifier inside double quotes, so that no column name is read as a keyword.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn column_list(columns: &[String]) -> String {
    let quoted: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
    quoted.join(", ")
}

/// Starts a read transaction on SQLite that sees one snapshot until `end_snapshot`, and answers
/// the database's `data_version`, which changes when another connection commits.
pub fn begin_snapshot(conn: &Conn) -> Result<i64> {
    conn.execute_batch("BEGIN")?;
    // The snapshot is taken by the first read, not by BEGIN.
    conn.query_row("SELECT count(*) FROM sqlite_master", params![], |_| Ok(()))?;
    data_version(conn)
}

/// Ends the read transaction and answers `data_version` as it is now: a different one than
/// `begin_snapshot` answered means someone wrote to the database meanwhile.
pub fn end_snapshot(conn: &Conn) -> Result<i64> {
    conn.execute_batch("COMMIT")?;
    data_version(conn)
}

fn data_version(conn: &Conn) -> Result<i64> {
    conn.query_row("PRAGMA data_version", params![], |r| r.get(0))
}

pub fn table_exists(conn: &Conn, table: &str) -> Result<bool> {
    let sql = match conn.is_postgres() {
        true => {
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() \
                 AND tablename = ?1"
        }
        false => "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
    };
    conn.query_row(sql, params![table], |r| r.get::<i64>(0))
        .map(|n| n > 0)
}

/// The table's column names, in the order of its definition.
pub fn columns(conn: &Conn, table: &str) -> Result<Vec<String>> {
    let sql = match conn.is_postgres() {
        true => {
            "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = ?1 \
                 ORDER BY ordinal_position"
        }
        false => "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
    };
    conn.query_map(sql, params![table], |r| r.get(0))
}

pub fn count(conn: &Conn, table: &str) -> Result<u64> {
    let sql = format!("SELECT count(*) FROM {}", quoted(table));
    conn.query_row(&sql, params![], |r| r.get(0))
}

/// Up to `limit` rows of an SQLite table after `rowid` `after`, in `rowid` order: the values
/// of `columns`, in that order.
pub fn read_batch(
    conn: &Conn,
    table: &str,
    columns: &[String],
    after: i64,
    limit: usize,
) -> Result<Vec<CopiedRow>> {
    let sql = format!(
        "SELECT rowid, {} FROM {} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
        column_list(columns),
        quoted(table)
    );
    conn.query_map(&sql, params![after, limit], |r| {
        let values = (1..=columns.len())
            .map(|at| r.get::<Value<'static>>(at))
            .collect::<Result<_>>()?;
        Ok(CopiedRow {
            rowid: r.get(0)?,
            values,
        })
    })
}

/// Inserts `rows` (the values of `columns`, in that order) with one statement; answers how
/// many it inserted.
pub fn insert_rows(
    conn: &Conn,
    table: &str,
    columns: &[String],
    rows: &[Vec<Value<'_>>],
) -> Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut at = 0;
    let tuples: Vec<String> = rows
        .iter()
        .map(|row| {
            let places: Vec<String> = row
                .iter()
                .map(|_| {
                    at += 1;
                    format!("?{at}")
                })
                .collect();
            format!("({})", places.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        quoted(table),
        column_list(columns),
        tuples.join(", ")
    );
    let values: Vec<&dyn super::ToValue> = rows
        .iter()
        .flatten()
        .map(|v| v as &dyn super::ToValue)
        .collect();
    conn.execute(&sql, values.as_slice())
}

/// PostgreSQL: the table's identity columns (`GENERATED … AS IDENTITY`), whose sequences do
/// not move when rows are inserted with their values given.
pub fn identity_columns(conn: &Conn, table: &str) -> Result<Vec<String>> {
    conn.query_map(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = ?1 AND is_identity = 'YES' \
         ORDER BY ordinal_position",
        params![table],
        |r| r.get(0),
    )
}

/// PostgreSQL: moves the sequence of an identity column past the largest value in it, so that
/// the next row made without one gets a new value (nothing moves in an empty table).
pub fn move_identity_past_max(conn: &Conn, table: &str, column: &str) -> Result<()> {
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence(?1, ?2), max({})) FROM {}",
        quoted(column),
        quoted(table)
    );
    conn.query_row(&sql, params![table, column], |_| Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::db::memory;

    #[test]
    fn rows_copy_by_column_name_with_their_values_unchanged() {
        let (from, to) = (memory(), memory());
        from.execute(
            "INSERT INTO meta (key, value) VALUES ('a', '1'), ('b', '2'), ('c', '3')",
            params![],
        )
        .unwrap();
        from.execute(
            "INSERT INTO signing_keys (seq, kid, secret, created_at) VALUES (7, 'k', x'00ff', 't')",
            params![],
        )
        .unwrap();
        for table in ["meta", "signing_keys"] {
            let columns = columns(&from, table).unwrap();
            let mut after = 0;
            loop {
                let batch = read_batch(&from, table, &columns, after, 2).unwrap();
                let Some(last) = batch.last() else { break };
                after = last.rowid;
                let rows: Vec<_> = batch.into_iter().map(|r| r.values).collect();
                insert_rows(&to, table, &columns, &rows).unwrap();
            }
            assert_eq!(count(&to, table).unwrap(), count(&from, table).unwrap());
        }
        let key: (i64, Vec<u8>) = to
            .query_row("SELECT seq, secret FROM signing_keys", params![], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(key, (7, vec![0x00, 0xff]));
        assert_eq!(
            columns(&to, "meta").unwrap(),
            ["key".to_owned(), "value".to_owned()]
        );
        assert!(table_exists(&to, "tickets").unwrap());
        assert!(!table_exists(&to, "refinery").unwrap());
    }

    #[test]
    fn a_snapshot_tells_whether_another_connection_wrote_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let reader = crate::store::db::open_sqlite_for_reading(&path).unwrap();
        let reader = Conn::sqlite(&reader);

        let before = begin_snapshot(&reader).unwrap();
        assert_eq!(end_snapshot(&reader).unwrap(), before, "nobody wrote");

        let before = begin_snapshot(&reader).unwrap();
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert_eq!(count(&reader, "t").unwrap(), 0, "the snapshot holds");
        assert_ne!(end_snapshot(&reader).unwrap(), before, "a write is seen");
        let refused = reader.execute("INSERT INTO t VALUES (2)", params![]);
        assert!(refused.is_err(), "the reading connection cannot write");
    }

    #[test]
    fn every_table_of_the_schema_is_copied() {
        let conn = memory();
        let all: Vec<String> = conn
            .query_map(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name != 'refinery_schema_history' ORDER BY name",
                params![],
                |r| r.get(0),
            )
            .unwrap();
        let mut listed: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
        listed.sort();
        assert_eq!(all, listed);
        for (at, table) in TABLES.iter().enumerate() {
            let referenced: Vec<String> = conn
                .query_map(
                    "SELECT \"table\" FROM pragma_foreign_key_list(?1)",
                    params![table],
                    |r| r.get(0),
                )
                .unwrap();
            for parent in referenced {
                let before = TABLES[..at].contains(&parent.as_str());
                assert!(before, "{table} references {parent}, copied after it");
            }
        }
    }
}
