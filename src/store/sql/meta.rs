//! Small facts about the data directory (for example, whether demo data was seeded).

use rusqlite::{params, Connection};

use super::optional;

pub fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    optional(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)))
}

pub fn set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
