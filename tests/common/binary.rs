//! The real binary: `attache serve` on a free port, and one-shot commands.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_attache");

pub struct Running {
    pub child: Child,
    pub base: String,
    /// What it printed on stdout before it announced its URL (the keys it made).
    pub stdout: Vec<String>,
    /// Everything it has logged so far.
    pub stderr: Arc<Mutex<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `attache serve` on a free port and waits for it to say where it serves.
pub fn serve(data_dir: &Path, extra: &[&str]) -> Running {
    serve_on("127.0.0.1:0", data_dir, extra)
}

/// The blob store of each data directory a test served, when the tests run on an object
/// store: commands on that directory (`fsck`, `gc`, …) must name the same one.
fn blob_stores() -> &'static Mutex<HashMap<PathBuf, String>> {
    static STORES: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    STORES.get_or_init(Mutex::default)
}

/// The same for the database, when the tests run on PostgreSQL: one per data directory.
fn databases() -> &'static Mutex<HashMap<PathBuf, String>> {
    static DATABASES: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    DATABASES.get_or_init(Mutex::default)
}

/// What `data_dir` was given in `map`, or what `new` makes for a first server on it (kept), or
/// `None` when the tests run on the default.
fn for_data_dir(
    map: &Mutex<HashMap<PathBuf, String>>,
    data_dir: &Path,
    new: impl FnOnce() -> Option<String>,
) -> Option<String> {
    let mut map = map.lock().unwrap();
    match map.get(data_dir) {
        Some(spec) => Some(spec.clone()),
        None => Some(map.entry(data_dir.to_owned()).or_insert(new()?).clone()),
    }
}

/// Records the blob store and database an in-process server on `data_dir` was given, so that
/// commands on that directory name the same ones.
pub fn adopt(data_dir: &Path, blob_store: Option<String>, database: Option<String>) {
    if let Some(spec) = blob_store {
        blob_stores()
            .lock()
            .unwrap()
            .insert(data_dir.to_owned(), spec);
    }
    if let Some(url) = database {
        databases().lock().unwrap().insert(data_dir.to_owned(), url);
    }
}

/// `--blob-store` and its credentials for a command on `data_dir`: the store a server on that
/// directory was given (a new one for a first server), or nothing on the local store.
fn with_blob_store(command: &mut Command, data_dir: &Path) {
    if let Some(spec) = for_data_dir(blob_stores(), data_dir, super::s3::test_blob_store) {
        command
            .args(["--blob-store", &spec])
            .envs(super::s3::credentials_env());
    }
}

/// `--database` for a command on `data_dir`: the PostgreSQL database of that directory's
/// servers (a new one for a first server), or nothing on SQLite in the data directory.
fn with_database(command: &mut Command, data_dir: &Path) {
    if let Some(url) = for_data_dir(databases(), data_dir, super::postgres::test_database) {
        command.args(["--database", &url]);
    }
}

/// The same on the address `listen` (the URL it announces is its public one).
pub fn serve_on(listen: &str, data_dir: &Path, extra: &[&str]) -> Running {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--listen", listen, "--data-dir"])
        .arg(data_dir);
    if extra.contains(&"--blob-store") {
        command.envs(super::s3::credentials_env());
    } else {
        with_blob_store(&mut command, data_dir);
    }
    if !extra.contains(&"--database") {
        with_database(&mut command, data_dir);
    }
    let mut child = command
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let (url_tx, url_rx) = mpsc::channel();
    let err = BufReader::new(child.stderr.take().unwrap());
    let log = stderr.clone();
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("attache is serving ") {
                let _ = url_tx.send(rest.split(' ').next().unwrap().to_owned());
            }
            log.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let base = url_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server announced its URL");
    // Keys are printed before the announcement, so stdout holds them all by now.
    let mut stdout = Vec::new();
    let (line_tx, line_rx) = mpsc::channel();
    let out = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            let _ = line_tx.send(line);
        }
    });
    while let Ok(line) = line_rx.recv_timeout(Duration::from_millis(300)) {
        stdout.push(line);
    }
    Running {
        child,
        base,
        stdout,
        stderr,
    }
}

/// Runs a command of the binary to its end: success, stdout, stderr.
pub fn attache(args: &[&str]) -> (bool, String, String) {
    let mut command = Command::new(BIN);
    command.args(args).envs(super::s3::credentials_env());
    let data_dir = args
        .iter()
        .position(|arg| *arg == "--data-dir")
        .and_then(|at| args.get(at + 1));
    if let Some(dir) = data_dir {
        if !args.contains(&"--blob-store") {
            with_blob_store(&mut command, Path::new(dir));
        }
        if !args.contains(&"--database") {
            with_database(&mut command, Path::new(dir));
        }
    }
    let out = command.output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A Huawei-style AK/SK pair for `user`, made by `attache key create --aksk` on `data_dir` as a
/// user would make it (also while the server runs): (AK, SK).
pub fn aksk_pair(data_dir: &Path, user: &str) -> (String, String) {
    let data_dir = data_dir.to_str().unwrap();
    let (ok, out, err) = attache(&[
        "key",
        "create",
        "--aksk",
        "--user",
        user,
        "--data-dir",
        data_dir,
    ]);
    assert!(ok, "{err}");
    let (ak, sk) = out.trim().split_once(' ').expect("<AK> <SK>");
    (ak.to_owned(), sk.to_owned())
}
