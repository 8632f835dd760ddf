//! Attachments and the blob rows they count on.

use super::{params, Conn, Result, Row};

use super::optional;
use crate::domain::{Attachment, Sha256, Timestamp};
use crate::ids::Id;

fn attachment(row: &Row) -> Result<Attachment> {
    Ok(Attachment {
        id: row.get("id")?,
        ticket_id: row.get("ticket_id")?,
        message_id: row.get("message_id")?,
        sha256: row.get("sha256")?,
        filename: row.get("filename")?,
        content_type: row.get("content_type")?,
        size_bytes: row.get("size_bytes")?,
        uploaded_by: row.get("uploaded_by")?,
        created_at: row.get("created_at")?,
        pending_until: row.get("pending_until")?,
    })
}

/// Records a blob; a conflict means "already stored", which is the dedup. Returns whether
/// the row is new.
pub fn insert_blob_if_absent(
    conn: &Conn,
    sha: &Sha256,
    size: i64,
    content_type: &str,
    at: &Timestamp,
) -> Result<bool> {
    let inserted = conn.execute(
        "INSERT INTO blobs (sha256, size_bytes, content_type, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sha256) DO NOTHING",
        params![sha.hex(), size, content_type, at],
    )?;
    Ok(inserted > 0)
}

/// How many distinct blobs are stored, and their bytes.
pub fn blob_totals(conn: &Conn) -> Result<(i64, i64)> {
    conn.query_row(
        // Cast: PostgreSQL sums BIGINT as NUMERIC.
        "SELECT count(*), CAST(coalesce(sum(size_bytes), 0) AS BIGINT) FROM blobs",
        params![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

pub fn blob_row_exists(conn: &Conn, sha: &Sha256) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?1)",
        params![sha.hex()],
        |r| r.get(0),
    )
}

/// Deletes the blob row when no attachment names it any more; returns whether it did.
pub fn delete_blob_if_unreferenced(conn: &Conn, sha: &Sha256) -> Result<bool> {
    let deleted = conn.execute(
        "DELETE FROM blobs WHERE sha256 = ?1
         AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)",
        params![sha.hex()],
    )?;
    Ok(deleted > 0)
}

pub fn insert_attachment(conn: &Conn, a: &Attachment) -> Result<()> {
    conn.execute(
        "INSERT INTO attachments (id, ticket_id, message_id, sha256, filename, content_type,
                                  size_bytes, uploaded_by, created_at, pending_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            a.id,
            a.ticket_id,
            a.message_id,
            a.sha256.hex(),
            a.filename,
            a.content_type,
            a.size_bytes,
            a.uploaded_by,
            a.created_at,
            a.pending_until
        ],
    )?;
    Ok(())
}

pub fn attachment_by_id(conn: &Conn, id: Id) -> Result<Option<Attachment>> {
    optional(conn.query_row(
        "SELECT * FROM attachments WHERE id = ?1",
        params![id],
        attachment,
    ))
}

/// The attachments of a ticket, oldest first; pending uploads pinned to it are not yet its own.
pub fn list_for_ticket(conn: &Conn, ticket_id: Id) -> Result<Vec<Attachment>> {
    conn.query_map(
        "SELECT * FROM attachments WHERE ticket_id = ?1 AND pending_until IS NULL ORDER BY id",
        params![ticket_id],
        attachment,
    )
}

/// Which attachments a paged listing across tickets covers.
#[derive(Default, Clone, Debug)]
pub struct AttachmentFilter {
    /// Only on tickets this user opened (customers).
    pub requester: Option<Id>,
    pub ticket: Option<Id>,
    pub limit: u32,
    pub offset: u32,
}

const VISIBLE: &str = "FROM attachments a JOIN tickets t ON t.id = a.ticket_id
    WHERE a.pending_until IS NULL AND (t.requester_id = ?1 OR ?1 IS NULL)
      AND (a.ticket_id = ?2 OR ?2 IS NULL)";

/// Attachments on tickets, newest first, one page of them.
pub fn list_on_tickets(conn: &Conn, f: &AttachmentFilter) -> Result<Vec<Attachment>> {
    let sql = format!("SELECT a.* {VISIBLE} ORDER BY a.id DESC LIMIT ?3 OFFSET ?4");
    conn.query_map(
        &sql,
        params![f.requester, f.ticket, f.limit, f.offset],
        attachment,
    )
}

pub fn count_on_tickets(conn: &Conn, f: &AttachmentFilter) -> Result<u64> {
    let sql = format!("SELECT count(*) {VISIBLE}");
    conn.query_row(&sql, params![f.requester, f.ticket], |r| r.get(0))
}

/// The ids of `user`'s pending uploads pinned to `ticket_id`.
pub fn pending_pinned(conn: &Conn, user: Id, ticket_id: Id) -> Result<Vec<Id>> {
    conn.query_map(
        "SELECT id FROM attachments WHERE uploaded_by = ?1 AND ticket_id = ?2
           AND pending_until IS NOT NULL AND message_id IS NULL ORDER BY id",
        params![user, ticket_id],
        |r| r.get(0),
    )
}

/// Pending uploads whose time ran out: (id, blob).
pub fn expired_pending(conn: &Conn, now: &Timestamp) -> Result<Vec<(Id, Sha256)>> {
    conn.query_map(
        "SELECT * FROM attachments WHERE pending_until IS NOT NULL AND pending_until < ?1",
        params![now],
        |row| attachment(row).map(|a| (a.id, a.sha256)),
    )
}

pub fn count_for_ticket(conn: &Conn, ticket_id: Id) -> Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM attachments WHERE ticket_id = ?1",
        params![ticket_id],
        |r| r.get(0),
    )
}

pub fn count_on_message(conn: &Conn, message_id: Id) -> Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM attachments WHERE message_id = ?1",
        params![message_id],
        |r| r.get(0),
    )
}

/// Puts an upload on a message (and its ticket), which ends its pending time.
pub fn bind_to_message(conn: &Conn, id: Id, ticket_id: Id, message_id: Id) -> Result<()> {
    conn.execute(
        "UPDATE attachments SET ticket_id = ?2, message_id = ?3, pending_until = NULL WHERE id = ?1",
        params![id, ticket_id, message_id],
    )?;
    Ok(())
}

pub fn delete_attachment(conn: &Conn, id: Id) -> Result<()> {
    conn.execute("DELETE FROM attachments WHERE id = ?1", params![id])?;
    Ok(())
}

/// What one user's uploads hold, for the quotas: uploads waiting for a message, and the bytes
/// of every upload (pending or attached), counted per upload.
pub struct Usage {
    pub pending: u64,
    pub bytes: u64,
}

pub fn usage_of(conn: &Conn, user: Id) -> Result<Usage> {
    conn.query_row(
        "SELECT count(pending_until), CAST(coalesce(sum(size_bytes), 0) AS BIGINT)
           FROM attachments WHERE uploaded_by = ?1",
        params![user],
        |r| {
            Ok(Usage {
                pending: r.get::<i64>(0)? as u64,
                bytes: r.get::<i64>(1)? as u64,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{now, Role, User};
    use crate::store::db::memory;
    use crate::store::sql::users::insert_user;

    #[test]
    fn a_blob_row_lives_while_an_attachment_names_it() {
        let conn = memory();
        let user = User {
            id: Id::new(),
            name: "u".into(),
            role: Role::Agent,
            created_at: now(),
        };
        insert_user(&conn, &user).unwrap();
        let sha = Sha256([1; 32]);
        let new = |sha| Attachment {
            id: Id::new(),
            ticket_id: None,
            message_id: None,
            sha256: sha,
            filename: "a.txt".into(),
            content_type: "text/plain".into(),
            size_bytes: 3,
            uploaded_by: user.id,
            created_at: now(),
            pending_until: None,
        };
        insert_blob_if_absent(&conn, &sha, 3, "text/plain", &now()).unwrap();
        insert_blob_if_absent(&conn, &sha, 3, "text/plain", &now()).unwrap();
        let (a, b) = (new(sha), new(sha));
        insert_attachment(&conn, &a).unwrap();
        insert_attachment(&conn, &b).unwrap();
        assert_eq!(attachment_by_id(&conn, a.id).unwrap(), Some(a.clone()));

        delete_attachment(&conn, a.id).unwrap();
        assert!(!delete_blob_if_unreferenced(&conn, &sha).unwrap());
        delete_attachment(&conn, b.id).unwrap();
        assert!(delete_blob_if_unreferenced(&conn, &sha).unwrap());
        assert!(!blob_row_exists(&conn, &sha).unwrap());
    }

    #[test]
    fn an_attachment_needs_its_blob_row() {
        let conn = memory();
        let user = User {
            id: Id::new(),
            name: "u".into(),
            role: Role::Agent,
            created_at: now(),
        };
        insert_user(&conn, &user).unwrap();
        let orphan = Attachment {
            id: Id::new(),
            ticket_id: None,
            message_id: None,
            sha256: Sha256([9; 32]),
            filename: "a".into(),
            content_type: "text/plain".into(),
            size_bytes: 1,
            uploaded_by: user.id,
            created_at: now(),
            pending_until: None,
        };
        assert!(
            insert_attachment(&conn, &orphan).is_err(),
            "foreign key enforced"
        );
    }
}
