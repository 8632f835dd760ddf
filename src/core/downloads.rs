//! Signed downloads: from what a URL presents to an open blob, with a small cache of the
//! attachments downloaded lately and their open files.
//!
//! A download that misses the cache costs one trip to the blocking pool (the row and the file
//! open together); a hit costs none, which is most of what a small download costs (see
//! BENCHMARKS.md). The HMAC is checked on every request, hit or miss. Deleting an attachment
//! forgets it before the delete is answered, and a generation count keeps a lookup that raced
//! with a delete from putting the deleted row back.

use std::sync::{Arc, Mutex, MutexGuard};

use hashlink::LruCache;

use crate::core::attachments::unix_now;
use crate::core::Core;
use crate::domain::Attachment;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::signing::{Disposition, Grant, Keyring};
use crate::store::blobs::Content;
use crate::store::sql::attachments as sql;

/// How many attachments (each with an open file descriptor) the cache keeps.
const CAPACITY: usize = 256;

/// What a signed URL presents, as parsed from its path and query.
pub struct Presented {
    pub attachment_id: Option<Id>,
    pub filename: String,
    pub expires: Option<i64>,
    pub disposition: Option<Disposition>,
    pub kid: Option<String>,
    pub signature: Option<String>,
}

impl Presented {
    /// The grant of attachment `id` that the URL carries, if `keyring` signed it and it has
    /// not expired at `now`: `signature_invalid` when a part is missing or altered.
    pub fn verify(self, id: Id, keyring: &Keyring, now: i64) -> Result<Grant> {
        let (Some(expires), Some(disposition), Some(kid), Some(signature)) =
            (self.expires, self.disposition, self.kid, self.signature)
        else {
            return Err(Error::SignatureInvalid);
        };
        let grant = Grant {
            attachment_id: id,
            filename: self.filename,
            expires,
            disposition,
        };
        keyring.verify(&grant, &kid, &signature, now)?;
        Ok(grant)
    }
}

/// An attachment ready to be served: its row and its content, opened.
pub struct Servable {
    pub attachment: Attachment,
    pub content: Content,
}

struct Entries {
    lru: LruCache<Id, Arc<Servable>>,
    /// Bumped by every forget; a lookup inserts only if none happened since it began.
    generation: u64,
}

pub struct OpenBlobs {
    entries: Mutex<Entries>,
}

impl Default for OpenBlobs {
    fn default() -> Self {
        OpenBlobs {
            entries: Mutex::new(Entries {
                lru: LruCache::new(CAPACITY),
                generation: 0,
            }),
        }
    }
}

impl OpenBlobs {
    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the map half-updated in a harmful way.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, id: Id) -> (Option<Arc<Servable>>, u64) {
        let mut entries = self.lock();
        let hit = entries.lru.get(&id).cloned();
        (hit, entries.generation)
    }

    fn insert(&self, servable: Arc<Servable>, since: u64) {
        let mut entries = self.lock();
        if entries.generation == since {
            entries.lru.insert(servable.attachment.id, servable);
        }
    }

    /// Forgets an attachment that is being deleted (call after the delete commits).
    pub fn forget(&self, id: Id) {
        let mut entries = self.lock();
        entries.generation += 1;
        entries.lru.remove(&id);
    }

    /// Forgets everything (after a sweep deleted several attachments).
    pub fn forget_all(&self) {
        let mut entries = self.lock();
        entries.generation += 1;
        entries.lru.clear();
    }
}

/// Resolves a signed URL to the attachment, the grant it carries and the open blob file.
/// A deleted attachment is `not_found` whatever the signature; then the signature is checked.
pub async fn open_signed(core: &Core, presented: Presented) -> Result<(Arc<Servable>, Grant)> {
    let id = presented
        .attachment_id
        .ok_or(Error::NotFound("attachment"))?;
    let (hit, generation) = core.open_blobs.get(id);
    let (servable, missed) = match hit {
        Some(servable) => (servable, false),
        None => {
            let blobs = core.blobs.clone();
            let servable = core
                .db
                .run(move |conn| {
                    let attachment =
                        sql::attachment_by_id(conn, id)?.ok_or(Error::NotFound("attachment"))?;
                    let content = blobs.open_content(&attachment.sha256)?;
                    Ok(Servable {
                        attachment,
                        content,
                    })
                })
                .await?;
            (Arc::new(servable), true)
        }
    };
    if let (Content::Object { blobs, sha }, false) = (&servable.content, missed) {
        // Whether the object is still there (and the store up), before any header is sent: a
        // store that fails mid-body can only cut the connection, not answer 503.
        if blobs.size_of_async(sha).await?.is_none() {
            return Err(Error::NotFound("attachment"));
        }
    }
    let grant = match presented.verify(id, &core.keyring.current(), unix_now()) {
        Ok(grant) => grant,
        Err(refused) => {
            core.metrics.signature_failed();
            return Err(refused);
        }
    };
    // Only attachments someone could download are kept: a refused URL fills no slot.
    if missed {
        core.open_blobs.insert(servable.clone(), generation);
    }
    Ok((servable, grant))
}
