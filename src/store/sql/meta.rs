//! Small facts about the data directory (for example, whether demo data was seeded).

use super::{params, Conn, Result};

use super::optional;

pub fn get(conn: &Conn, key: &str) -> Result<Option<String>> {
    optional(
        conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
            r.get(0)
        }),
    )
}

pub fn set(conn: &Conn, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
