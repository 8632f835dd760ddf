//! The test double's named snapshots on PostgreSQL: each a schema of its own
//! (`attache_snapshot_<name>`) holding a copy of every table a test changes. On SQLite a
//! snapshot is a copy of the database file (`maintenance::snapshot`). The node-shared keys and
//! secrets are not part of a snapshot, as on SQLite, where they live in files.

use super::{Conn, Result};

/// The tables a snapshot holds, parents before children: all but what the nodes share.
fn tables() -> impl Iterator<Item = &'static str> + Clone {
    let shared = ["signing_keys", "server_secrets", "seen_signatures"];
    super::copy::TABLES
        .into_iter()
        .filter(move |table| !shared.contains(table))
}

/// The schema of snapshot `name`: named by a hash of the name, since a snapshot's name (up to
/// 64 characters) is longer than PostgreSQL keeps of an identifier (63 bytes).
fn schema_name(name: &str) -> String {
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(name.as_bytes()));
    format!("attache_snapshot_{}", &hash[..40])
}

fn schema(name: &str) -> String {
    format!("\"{}\"", schema_name(name))
}

/// Copies the tables into snapshot `name`, replacing an older one. Call in a write transaction.
pub fn take(conn: &Conn, name: &str) -> Result<()> {
    let schema = schema(name);
    let mut sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};");
    for table in tables() {
        sql.push_str(&format!(
            "CREATE TABLE {schema}.{table} AS SELECT * FROM public.{table};"
        ));
    }
    conn.execute_batch(&sql)
}

pub fn exists(conn: &Conn, name: &str) -> Result<bool> {
    let schema = schema_name(name);
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = ?1)",
        super::params![schema],
        |r| r.get(0),
    )
}

/// Puts snapshot `name` back in place of the tables' rows. Call in a write transaction.
pub fn restore(conn: &Conn, name: &str) -> Result<()> {
    let schema = schema(name);
    let all: Vec<&str> = tables().collect();
    let mut sql = format!("TRUNCATE {} RESTART IDENTITY;", all.join(", "));
    for table in all {
        sql.push_str(&format!(
            "INSERT INTO public.{table} SELECT * FROM {schema}.{table};"
        ));
    }
    sql.push_str(
        "SELECT setval(pg_get_serial_sequence('ticket_events', 'id'),
                       coalesce((SELECT max(id) FROM ticket_events), 0) + 1, false);",
    );
    conn.execute_batch(&sql)
}
