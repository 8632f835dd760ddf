//! What each command does. `serve` prints on stdout only the keys it creates; logs go to
//! stderr.

use std::path::Path;

use anyhow::{anyhow, Context};

use crate::cli::{Command, KeyCommand, SecretCommand, ServeArgs, UserCommand};
use crate::core::access_keys;
use crate::core::users::{self, NewKey};
use crate::core::SIGNING_KEYS;
use crate::domain::{Role, Scopes};
use crate::ids::Id;
use crate::maintenance;
use crate::store::blobs::BlobLocation;
use crate::store::signing_keys;
use crate::store::{Database, Db};
use crate::{demo, startup, testing};

pub fn run(
    data_dir: &Path,
    blobs: &BlobLocation,
    database: &str,
    command: Command,
) -> anyhow::Result<()> {
    let spec = database;
    let database = &Database::parse(spec, data_dir)?;
    let store = maintenance::StoreAt {
        data_dir,
        blobs,
        database,
    };
    match command {
        Command::Serve(args) => serve(data_dir, blobs, spec, args),
        Command::User(command) => user(data_dir, database, command),
        Command::Key(command) => key(data_dir, database, command),
        Command::Fsck { verify_content } => fsck(&store, verify_content),
        Command::Gc { grace } => {
            let grace = grace.map(std::time::Duration::from_secs);
            print(maintenance::gc(&store, grace)?)
        }
        Command::Backup { dir } => print(maintenance::backup(&store, &dir)?),
        Command::Restore { dir } => print(maintenance::restore(&dir, &store)?),
        Command::MigrateBlobs { to } => {
            let to = BlobLocation::parse(&to, None, |name| std::env::var(name).ok())?;
            print(maintenance::migrate_blobs(&store, &to)?)
        }
        Command::MigrateDb { to } => print(maintenance::migrate_db(&store, &to)?),
        Command::Secret(SecretCommand::Rotate) if database.is_postgres() => {
            print(signing_keys::rotate_shared(&open_db(data_dir, database)?)?)
        }
        Command::Secret(SecretCommand::Rotate) => {
            print(signing_keys::rotate(&data_dir.join(SIGNING_KEYS))?)
        }
    }
}

/// Writes the URL whole or not at all (a harness polling for the file never reads half of it).
fn write_ready_file(path: &Path, url: &str) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let mut file = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))
        .with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{url}\n").as_bytes())?;
    file.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Prints a command's one-line answer on stdout.
fn print(answer: impl std::fmt::Display) -> anyhow::Result<()> {
    println!("{answer}");
    Ok(())
}

fn user(data_dir: &Path, database: &Database, command: UserCommand) -> anyhow::Result<()> {
    let db = open_db(data_dir, database)?;
    match command {
        UserCommand::Add { name, role } => {
            let user = users::add_user(&db, &name, parse_role(&role)?)?;
            println!("{}\t{}\t{}", user.id, user.name, user.role.as_str());
        }
        UserCommand::List => {
            for user in users::list_users(&db)? {
                let (id, name, role) = (user.id, user.name, user.role.as_str());
                println!("{id}\t{name}\t{role}\t{}", user.created_at);
            }
        }
    }
    Ok(())
}

fn key(data_dir: &Path, database: &Database, command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Create {
            user,
            role,
            scopes,
            label,
            aksk,
        } => {
            let scopes = if scopes.is_empty() {
                None
            } else {
                Some(
                    Scopes::parse(scopes.iter().map(String::as_str))
                        .map_err(|bad| anyhow!("unknown scope: {bad}"))?,
                )
            };
            let (db, role) = (open_db(data_dir, database)?, parse_role(&role)?);
            if aksk {
                let secret = crate::core::aksk_secret(&db, data_dir)?;
                let pair =
                    access_keys::create_access_key(&db, &secret, &user, role, scopes, &label)?;
                println!("{} {}", pair.access_key, pair.secret_key);
            } else {
                let key = users::create_key(&db, &user, role, scopes, &label)?;
                println!("{}", key.secret);
            }
            Ok(())
        }
        KeyCommand::List { user } => list_keys(&open_db(data_dir, database)?, user.as_deref()),
        KeyCommand::Revoke { key } => {
            let prefix = key.trim_end_matches('…');
            match users::revoke_key(&open_db(data_dir, database)?, prefix)? {
                0 => Err(anyhow!("no active key matches {key}")),
                n => {
                    eprintln!("revoked {n} key(s)");
                    Ok(())
                }
            }
        }
    }
}

fn list_keys(db: &Db, user: Option<&str>) -> anyhow::Result<()> {
    for key in users::list_keys(db, user)? {
        let state = key
            .revoked_at
            .map_or("active".to_owned(), |at| format!("revoked {at}"));
        println!(
            "{}\t{}…\t{}\t{}\t{}\t{}",
            key.id,
            key.prefix,
            key.user_name,
            key.scopes.to_db().replace(' ', ","),
            key.created_at,
            state
        );
    }
    Ok(())
}

fn fsck(store: &maintenance::StoreAt, verify_content: bool) -> anyhow::Result<()> {
    let report = maintenance::fsck(store, verify_content)?;
    println!("{report}");
    if report.is_clean() {
        Ok(())
    } else {
        Err(anyhow!("the store has problems (see above)"))
    }
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::parse(role).ok_or_else(|| anyhow!("unknown role {role}: use admin, agent or customer"))
}

fn open_db(data_dir: &Path, database: &Database) -> anyhow::Result<Db> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    Db::open(database)
}

fn print_key(key: &NewKey) {
    println!(
        "{}\t{}\t{}",
        key.user.role.as_str(),
        key.user.name,
        key.secret
    );
}

/// SIGTERM or SIGINT: stop accepting, let requests in flight finish (up to the shutdown
/// timeout), then return from `serve` (exit 0). A second signal exits at once.
fn stop_on_signals(server: actix_web::dev::ServerHandle, timeout: u64) {
    use futures_util::future::{select, FutureExt};
    use tokio::signal::unix::{signal, SignalKind};
    actix_web::rt::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::error!("cannot listen for SIGTERM/SIGINT");
            return;
        };
        select(term.recv().boxed_local(), int.recv().boxed_local()).await;
        tracing::info!(timeout, "stopping: no new connections; requests in flight may finish (a second signal stops at once)");
        actix_web::rt::spawn(server.stop(true));
        select(term.recv().boxed_local(), int.recv().boxed_local()).await;
        tracing::warn!("second signal: stopping now");
        std::process::exit(1);
    });
}

/// One ready-to-paste line per dialect, with the demo agent's key and a seeded ticket.
fn curl_examples(base: &str, key: &str, ticket: Id) -> String {
    [
        format!("  native (TopTickets): curl -s {base}/v1/tickets/{ticket}/attachments -H 'Authorization: Bearer {key}'"),
        format!("  HostUp:              curl -s {base}/api/v2/support/tickets/{} -H 'Authorization: Bearer {key}'", ticket.prefixed("tkt")),
        format!("  Huawei OSM:          curl -s {base}/v2/servicerequest/cases/{ticket} -H 'X-Auth-Token: {key}' -H 'X-Language: en-us'"),
        format!("  Waldur:              curl -s '{base}/api/support-attachments/?issue_uuid={}' -H 'Authorization: Token {key}'", ticket.hex()),
    ]
    .into_iter()
    .fold("Try each dialect with the demo agent's key:".to_owned(), |all, line| all + "\n" + &line)
}

fn serve(
    data_dir: &Path,
    blobs: &BlobLocation,
    database: &str,
    args: ServeArgs,
) -> anyhow::Result<()> {
    // Removed when `serve` returns (a stop by signal included; not after a second signal).
    let ephemeral = match args.ephemeral {
        true => Some(
            tempfile::Builder::new()
                .prefix("attache-ephemeral-")
                .tempdir()
                .context("creating a temporary data directory")?,
        ),
        false => None,
    };
    let data_dir = ephemeral.as_ref().map_or(data_dir, |dir| dir.path());
    let mut config = args.config(data_dir.to_path_buf(), blobs.clone())?;
    config.database = Some(Database::parse(database, data_dir)?);
    if let Some(seed) = config.deterministic {
        // Before the data directory is opened: its signing keys and first keys are made there.
        testing::deterministic::install(seed)?;
    }
    actix_web::rt::System::new().block_on(async move {
        let (listener, core) = startup::prepare(config, &args.listen)?;
        let stale = core.blobs.remove_stale_temporaries()?;
        if stale > 0 {
            tracing::info!(stale, "removed temporary files left by an earlier run");
        }
        if let Some(dir) = &core.config.fixtures {
            testing::fixtures::seed(&core, dir).await?.keys.iter().for_each(print_key);
        }
        let mut examples = None;
        if args.demo {
            let seeded = demo::seed(&core).await?;
            seeded.keys.iter().for_each(print_key);
            let agent = seeded.keys.iter().find(|k| k.user.role == Role::Agent);
            examples = agent.zip(seeded.ticket).map(|(k, t)| curl_examples(&core.public_url, &k.secret, t));
        } else if let Some(admin) = users::create_first_admin(&core.db)? {
            print_key(&admin);
        }
        tracing::info!(url = %core.public_url, data_dir = %core.config.data_dir.display(), "attache is serving");
        eprintln!("attache is serving {} (data in {})", core.public_url, core.config.data_dir.display());
        if let Some(examples) = examples {
            eprintln!("{examples}");
        }
        let server = startup::run(listener, core.clone())?;
        if let Some(path) = &args.ready_file {
            write_ready_file(path, &core.public_url)?;
        }
        stop_on_signals(server.handle(), core.config.shutdown_timeout.as_secs());
        server.await?;
        tracing::info!("attache stopped");
        Ok(())
    })
}
