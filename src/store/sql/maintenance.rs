//! What fsck, gc, backup and restore ask of the database: the blob rows, and a snapshot of
//! the whole database through SQLite's online backup API.

use std::path::Path;

use rusqlite::{Connection, DatabaseName};

use super::{optional, params, Conn, Result, Row};
use crate::domain::Sha256;

/// A `blobs` row: content the store says it has, and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha: Sha256,
    pub size: u64,
}

fn stored_blob(row: &Row) -> Result<StoredBlob> {
    Ok(StoredBlob {
        sha: row.get("sha256")?,
        size: row.get("size_bytes")?,
    })
}

/// Every blob row, in hash order.
pub fn blobs(conn: &Conn) -> Result<Vec<StoredBlob>> {
    conn.query_map(
        "SELECT sha256, size_bytes FROM blobs ORDER BY sha256",
        params![],
        stored_blob,
    )
}

/// The size the row of `sha` records, or `None` when there is no row.
pub fn blob_size(conn: &Conn, sha: &Sha256) -> Result<Option<u64>> {
    optional(conn.query_row(
        "SELECT size_bytes FROM blobs WHERE sha256 = ?1",
        params![sha.hex()],
        |r| r.get(0),
    ))
}

/// Copies the whole database into a new file at `to` with the online backup API. SQLite
/// copies only from a connection that is not in a write transaction: to copy a state that
/// nothing changes meanwhile, hold the write lock on another connection.
pub fn snapshot(conn: &Connection, to: &Path) -> Result<()> {
    Ok(conn.backup(DatabaseName::Main, to, None)?)
}

/// Copies the database file at `from` over the whole database of `conn`, with the online backup
/// API (the test double's snapshots: `testing::snapshots`).
pub fn restore_snapshot(conn: &mut Connection, from: &Path) -> Result<()> {
    Ok(conn.restore(
        DatabaseName::Main,
        from,
        None::<fn(rusqlite::backup::Progress)>,
    )?)
}

/// The blob rows of a database file that nothing else has open (a backup being restored).
pub fn blobs_in_file(path: &Path) -> Result<Vec<StoredBlob>> {
    let conn = Connection::open(path)?;
    let found = blobs(&Conn::sqlite(&conn))?;
    // Closing the only connection folds its WAL back in and removes `-wal` and `-shm`.
    conn.close().map_err(|(_, e)| e)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::db::memory;
    use crate::store::sql::attachments::insert_blob_if_absent;

    fn sha_of(byte: u8) -> Sha256 {
        Sha256([byte; 32])
    }

    #[test]
    fn blobs_are_listed_in_hash_order_with_their_sizes() {
        let conn = memory();
        for (byte, size) in [(9, 90), (1, 10)] {
            insert_blob_if_absent(
                &conn,
                &sha_of(byte),
                size,
                "image/png",
                &crate::domain::now(),
            )
            .unwrap();
        }
        let listed = blobs(&conn).unwrap();
        assert_eq!(
            listed,
            [
                StoredBlob {
                    sha: sha_of(1),
                    size: 10
                },
                StoredBlob {
                    sha: sha_of(9),
                    size: 90
                }
            ]
        );
        assert_eq!(blob_size(&conn, &sha_of(9)).unwrap(), Some(90));
        assert_eq!(blob_size(&conn, &sha_of(2)).unwrap(), None);
    }

    #[test]
    fn a_snapshot_is_taken_while_another_connection_holds_the_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let mut writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        crate::store::migrate::apply_all(&mut writer);
        let at = crate::domain::now();
        insert_blob_if_absent(&Conn::sqlite(&writer), &sha_of(1), 10, "image/png", &at).unwrap();
        let locked = writer
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        let to = dir.path().join("copy.db");
        snapshot(&Connection::open(&path).unwrap(), &to).unwrap();
        locked.commit().unwrap();
        let copied = blobs_in_file(&to).unwrap();
        assert_eq!(
            copied.iter().map(|b| b.sha).collect::<Vec<_>>(),
            [sha_of(1)]
        );
        assert!(!dir.path().join("copy.db-wal").exists());
    }
}
