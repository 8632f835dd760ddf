//! What each command does. `serve` prints on stdout only the keys it creates; logs go to
//! stderr.

use std::path::Path;

use anyhow::{anyhow, Context};

use crate::cli::{Command, KeyCommand, ServeArgs, UserCommand};
use crate::core::model::{Role, Scopes};
use crate::core::users::{self, NewKey};
use crate::core::AKSK_SECRET;
use crate::store::signing_keys::load_or_create_secret;
use crate::store::Db;
use crate::{demo, startup};

pub fn run(data_dir: &Path, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(data_dir, args),
        Command::User(UserCommand::Add { name, role }) => {
            let user = users::add_user(&open_db(data_dir)?, &name, parse_role(&role)?)?;
            println!("{}\t{}\t{}", user.id, user.name, user.role.as_str());
            Ok(())
        }
        Command::User(UserCommand::List) => {
            for user in users::list_users(&open_db(data_dir)?)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    user.id,
                    user.name,
                    user.role.as_str(),
                    user.created_at
                );
            }
            Ok(())
        }
        Command::Key(KeyCommand::Create {
            user,
            role,
            scopes,
            label,
            aksk,
        }) => {
            let scopes = if scopes.is_empty() {
                None
            } else {
                Some(
                    Scopes::parse(scopes.iter().map(String::as_str))
                        .map_err(|bad| anyhow!("unknown scope: {bad}"))?,
                )
            };
            let (db, role) = (open_db(data_dir)?, parse_role(&role)?);
            if aksk {
                let secret = load_or_create_secret(&data_dir.join(AKSK_SECRET))?;
                let pair = users::create_access_key(&db, &secret, &user, role, scopes, &label)?;
                println!("{} {}", pair.access_key, pair.secret_key);
            } else {
                println!(
                    "{}",
                    users::create_key(&db, &user, role, scopes, &label)?.secret
                );
            }
            Ok(())
        }
        Command::Key(KeyCommand::List { user }) => {
            for key in users::list_keys(&open_db(data_dir)?, user.as_deref())? {
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
        Command::Key(KeyCommand::Revoke { key }) => {
            let prefix = key.trim_end_matches('…');
            match users::revoke_key(&open_db(data_dir)?, prefix)? {
                0 => Err(anyhow!("no active key matches {key}")),
                n => {
                    eprintln!("revoked {n} key(s)");
                    Ok(())
                }
            }
        }
    }
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::parse(role).ok_or_else(|| anyhow!("unknown role {role}: use admin, agent or customer"))
}

fn open_db(data_dir: &Path) -> anyhow::Result<Db> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    Db::open(&data_dir.join("attache.db"))
}

fn print_key(key: &NewKey) {
    println!(
        "{}\t{}\t{}",
        key.user.role.as_str(),
        key.user.name,
        key.secret
    );
}

fn serve(data_dir: &Path, args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config(data_dir.to_path_buf())?;
    actix_web::rt::System::new().block_on(async move {
        let (listener, core) = startup::prepare(config, &args.listen)?;
        let stale = core.blobs.remove_stale_temporaries()?;
        if stale > 0 {
            tracing::info!(stale, "removed temporary files left by an earlier run");
        }
        if args.demo {
            for key in demo::seed(&core).await? {
                print_key(&key);
            }
        } else if users::count_users(&core.db)? == 0 {
            print_key(&users::create_key(&core.db, "admin", Role::Admin, None, "first admin")?);
        }
        tracing::info!(url = %core.public_url, data_dir = %core.config.data_dir.display(), "attache is serving");
        eprintln!("attache is serving {} (data in {})", core.public_url, core.config.data_dir.display());
        startup::run(listener, core)?.await?;
        Ok(())
    })
}
