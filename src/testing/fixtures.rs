//! `serve --fixtures DIR`: users, keys, tickets, messages and files seeded from
//! `DIR/manifest.json` and the files beside it, once the data directory is open. Every record
//! is made by the same core functions the API calls (files are staged, sniffed and committed as
//! uploads are), so it is exactly what the API would have written.
//!
//! ```json
//! {
//!   "users": [
//!     { "name": "ada", "role": "admin", "keys": [{ "key": "atk_fixture-admin-0001" }] },
//!     { "name": "casey", "role": "customer",
//!       "keys": [{ "key": "atk_fixture-casey-0001", "label": "ci" },
//!                { "key": "atk_fixture-casey-readonly", "scopes": ["read:support"] }] }
//!   ],
//!   "tickets": [
//!     { "id": "tkt_01jbqz0k3m8v6q2f4r7t9w5x1a", "subject": "Printer shows E-42",
//!       "requester": "casey", "status": "pending", "priority": "high",
//!       "department": "hardware", "category": "incident",
//!       "messages": [
//!         { "author": "casey", "body": "Screenshot attached.",
//!           "files": [{ "path": "files/screenshot.png", "name": "error.png",
//!                       "id": "0190a3b4-c5d6-7e7f-8a9b-0c1d2e3f4a5b" }] },
//!         { "author": "alex", "body": "Rolling back the firmware tonight." } ] }
//!   ],
//!   "uploads": [
//!     { "uploader": "casey", "path": "files/spooler.log",
//!       "ticket": "tkt_01jbqz0k3m8v6q2f4r7t9w5x1a" }
//!   ]
//! }
//! ```
//!
//! - `users`: `name` and `role` (`admin`, `agent`, `customer`); `keys`, each a `key` the tests
//!   may hard-code (`atk_` and 16 to 196 letters, digits, `-` or `_`; each key once), optional
//!   `scopes` (default: all the role may hold; `read:support` and `write:support` too) and
//!   `label`. Users without keys are fine (a requester nobody signs in as).
//! - `tickets`, opened in the manifest's order: `subject` and `requester` (a user listed
//!   above); optional `id`, `status` (`open`, the default, `pending`, `closed`), `priority`,
//!   `department` and `category`; `messages` in order, each with an `author` (a customer
//!   only on their own tickets), a `body` and `files`.
//! - A file: `path`, relative to DIR (no `..`); optional `name` (default: the file's own) and
//!   `id`. Its type must be one the server accepts, and its size within `--max-upload-bytes`.
//! - `uploads`: pending uploads (HostUp `satt_`, Huawei accessories) that no message carries
//!   yet, each a file with an `uploader` and, optionally, the `ticket` id it is pinned to. They
//!   expire after `--pending-ttl`, as uploaded ones do.
//!
//! An `id` may be written in any dialect's spelling: a UUID (native, Huawei), HostUp's
//! `tkt_…` for a ticket and `tatt_…`/`satt_…` for a file (26 base32 characters), or Waldur's
//! 32 hex digits; the record then has that id in every dialect. Without one it gets a new id,
//! as users, keys and messages always do. Listings order by id, so given ids also decide where
//! a record lists.
//!
//! Everything above is checked before the first record is made; a start with a bad manifest
//! fails with the manifest's path and the JSON pointer of the bad entry. The keys are printed
//! at start as `serve --demo` prints its own. A data directory is seeded once: a later start
//! with the same manifest keeps what is there (and prints the keys again), one with another
//! manifest, or on a directory that already has users, is refused.

mod manifest;

use std::path::{Path, PathBuf};

use actix_web::web::Bytes;
use anyhow::{anyhow, Context};
use sha2::{Digest, Sha256};

use crate::core::ingest::{self, Received};
use crate::core::messages::{self, Carry};
use crate::core::users::{self, NewKey};
use crate::core::{tickets, Caller, Core};
use crate::domain::{Role, Scopes, StagedUpload, Status};
use crate::error::Result;
use crate::ids::Id;
use crate::store::sql::{meta, users as user_sql};
use crate::upload::Stager;
use manifest::{refused, Bad};

/// The manifest, checked. Every record keeps the pointer of its entry (`at`).
struct Plan {
    users: Vec<User>,
    tickets: Vec<Ticket>,
    uploads: Vec<Upload>,
}

struct User {
    at: String,
    name: String,
    role: Role,
    keys: Vec<Key>,
}

struct Key {
    at: String,
    secret: String,
    scopes: Option<Scopes>,
    label: String,
}

struct Ticket {
    at: String,
    id: Option<Id>,
    subject: String,
    requester: String,
    status: Option<Status>,
    priority: Option<String>,
    department: Option<String>,
    category: Option<String>,
    messages: Vec<Message>,
}

struct Message {
    at: String,
    author: String,
    body: String,
    files: Vec<File>,
}

struct File {
    at: String,
    path: PathBuf,
    name: String,
    id: Option<Id>,
}

struct Upload {
    at: String,
    uploader: String,
    ticket: Option<Id>,
    file: File,
}

/// The manifest's file name in a fixture directory.
pub const MANIFEST: &str = "manifest.json";

/// Where the data directory records which manifest seeded it (its SHA-256).
const SEEDED: &str = "fixtures_seeded";

/// What seeding left: the manifest's keys, in its order, and whether this start made them.
pub struct Seeded {
    pub keys: Vec<NewKey>,
    /// `false` when the data directory held these fixtures already.
    pub fresh: bool,
}

/// Seeds the core's data directory from `dir` (see the module's documentation).
pub async fn seed(core: &Core, dir: &Path) -> anyhow::Result<Seeded> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the fixtures' manifest {}", path.display()))?;
    let in_manifest = |bad: Bad| match bad.at.as_str() {
        "" => anyhow!("{}: {}", path.display(), bad.what),
        at => anyhow!("{}: {at}: {}", path.display(), bad.what),
    };
    let plan = manifest::read(&text, dir).map_err(in_manifest)?;
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    let seeded = core.db.run(|c| Ok(meta::get(c, SEEDED)?)).await?;
    match seeded {
        Some(earlier) if earlier == digest => {
            return Ok(Seeded {
                keys: keys_again(core, &plan).await?,
                fresh: false,
            })
        }
        Some(_) => anyhow::bail!(
            "{} was seeded from another version of {}: start on a fresh --data-dir (or with --ephemeral)",
            core.config.data_dir.display(),
            path.display()
        ),
        None if users::count_users(&core.db)? > 0 => anyhow::bail!(
            "fixtures seed an empty data directory, and {} already has users: start on a fresh --data-dir (or with --ephemeral)",
            core.config.data_dir.display()
        ),
        None => {}
    }
    let keys = make(core, &plan).await.map_err(in_manifest)?;
    core.db
        .run(move |c| Ok(meta::set(c, SEEDED, &digest)?))
        .await?;
    Ok(Seeded { keys, fresh: true })
}

/// The keys of a data directory seeded before from this manifest, to print them again.
async fn keys_again(core: &Core, plan: &Plan) -> Result<Vec<NewKey>> {
    let mut keys = Vec::new();
    for user in &plan.users {
        let name = user.name.clone();
        let found = core
            .db
            .run(move |c| Ok(user_sql::user_by_name(c, &name)?))
            .await?;
        let Some(found) = found else { continue };
        for key in &user.keys {
            keys.push(NewKey {
                secret: key.secret.clone(),
                scopes: key.scopes.unwrap_or(found.role.allowed_scopes()),
                user: found.clone(),
            });
        }
    }
    Ok(keys)
}

/// Makes every record of the plan, in the manifest's order.
async fn make(core: &Core, plan: &Plan) -> std::result::Result<Vec<NewKey>, Bad> {
    let mut callers = std::collections::HashMap::new();
    let mut keys = Vec::new();
    for user in &plan.users {
        let made =
            users::add_user(&core.db, &user.name, user.role).map_err(|e| refused(&user.at, e))?;
        for key in &user.keys {
            let new = users::add_key(
                &core.db,
                &user.name,
                user.role,
                key.scopes,
                &key.label,
                key.secret.clone(),
            );
            keys.push(new.map_err(|e| refused(&key.at, e))?);
        }
        callers.insert(user.name.clone(), caller(made));
    }
    let who = |name: &str| {
        callers
            .get(name)
            .expect("the manifest's names were checked")
    };
    for ticket in &plan.tickets {
        open_ticket(core, ticket, &who).await?;
    }
    for upload in &plan.uploads {
        let (file, ticket) = (&upload.file, upload.ticket);
        ingest::stage_pending(core, who(&upload.uploader), |stager| async move {
            Ok(Received {
                file: Some((
                    stage_file(&stager, &file.path).await?,
                    Some(file.name.clone()),
                )),
                ticket,
                id: file.id,
            })
        })
        .await
        .map_err(|e| refused(&upload.at, e))?;
    }
    Ok(keys)
}

/// A user acting as the API would see them with a key holding every scope of their role.
fn caller(user: crate::domain::User) -> Caller {
    Caller {
        key_id: user.id,
        scopes: user.role.allowed_scopes(),
        user,
    }
}

/// Opens a ticket, writes its messages with their files, then sets its status.
async fn open_ticket<'a>(
    core: &Core,
    ticket: &Ticket,
    who: &impl Fn(&str) -> &'a Caller,
) -> std::result::Result<(), Bad> {
    let requester = who(&ticket.requester);
    let new = tickets::NewTicket {
        id: ticket.id,
        subject: ticket.subject.clone(),
        priority: ticket.priority.clone(),
        department: ticket.department.clone(),
        category: ticket.category.clone(),
        ..Default::default()
    };
    let at = &ticket.at;
    let id = tickets::create(core, requester, new)
        .await
        .map_err(|e| refused(at, e))?
        .id;
    for message in &ticket.messages {
        let author = who(&message.author);
        let mut files = Vec::new();
        for file in &message.files {
            let attached = ingest::attach(core, author, Some(id), |stager| async move {
                let staged = stage_file(&stager, &file.path).await?;
                let mut received = Received::file(staged, &file.name);
                received.id = file.id;
                Ok(received)
            });
            files.push(attached.await.map_err(|e| refused(&file.at, e))?.0.id);
        }
        let body = message.body.clone();
        messages::create(core, author, id, body, files, Carry::Named)
            .await
            .map_err(|e| refused(&message.at, e))?;
    }
    if let Some(status) = ticket.status.filter(|s| *s != Status::Open) {
        let change = tickets::Change {
            status: Some(status),
            ..Default::default()
        };
        tickets::update(core, requester, id, change)
            .await
            .map_err(|e| refused(at, e))?;
    }
    Ok(())
}

/// Streams a fixture file through the stager, as an upload's body would arrive. The reads
/// block, briefly: this runs at start, before the server takes requests.
async fn stage_file(stager: &Stager, path: &Path) -> Result<StagedUpload> {
    use std::io::Read;
    let mut file =
        std::fs::File::open(path).map_err(|e| crate::error::Error::Internal(e.into()))?;
    let mut chunks = futures_util::stream::iter(std::iter::from_fn(move || {
        let mut chunk = vec![0; 64 * 1024];
        match file.read(&mut chunk) {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                Some(Ok(Bytes::from(chunk)))
            }
            Err(err) => Some(Err(err)),
        }
    }));
    stager.stage(&mut chunks).await
}
