//! A real PostgreSQL for the tests: the server binaries of Debian's `postgresql` package (or
//! whatever `pg_config --bindir` names), a cluster in a temporary folder on a free 127.0.0.1
//! port, trusting every local connection as the user `attache`. `.ci/run` installs the package.
//!
//! With `ATTACHE_TEST_DATABASE=postgres`, every server the tests start keeps its metadata there,
//! each in a database of its own, so the same tests run on both databases. One cluster serves
//! a whole test process.
//!
//! PostgreSQL refuses to run as root; as root (CI), `initdb` and `postgres` run as the
//! `postgres` user the package creates.

use std::ffi::CString;
use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The role every test connects as (`initdb -U`); trusted, so URLs carry no password.
pub const USER: &str = "attache";

/// The newest installed server's bin folder (`/usr/lib/postgresql/<version>/bin`, else
/// `pg_config --bindir`), if it has `initdb` and `postgres`.
pub fn bindir() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    let newest_debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: Vec<u32> = (entry.file_name().to_str()?.split('.'))
                .map(|part| part.parse().ok())
                .collect::<Option<_>>()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .max()
        .map(|(_, dir)| dir);
    newest_debian.or_else(|| {
        let out = Command::new("pg_config").arg("--bindir").output().ok()?;
        let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
        (out.status.success() && has_server(&dir)).then_some(dir)
    })
}

/// Whether missing PostgreSQL binaries fail the test (CI) rather than skipping it.
pub fn required() -> bool {
    std::env::var_os("ATTACHE_REQUIRE_POSTGRES").is_some_and(|v| v == "1")
}

/// The user and group the server runs as: `None` to run it as ourselves, or the `postgres`
/// user's ids when we are root.
fn server_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid cannot fail and touches no memory.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = CString::new("postgres").unwrap();
    // SAFETY: getpwnam_r writes only into `entry` and `buf`, which outlive the call, and
    // `found` points at `entry` or is null.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut found = std::ptr::null_mut();
    let rc = unsafe {
        libc::getpwnam_r(
            name.as_ptr(),
            &mut entry,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    assert!(
        rc == 0 && !found.is_null(),
        "running as root, and PostgreSQL refuses to: no `postgres` user to run it as \
         (Debian's postgresql package creates one; see .ci/run)"
    );
    Some((entry.pw_uid, entry.pw_gid))
}

/// A command of the server's bin folder, run as the server user. std drops root's groups and
/// switches ids in the child itself before exec, so no `runuser` sits between us and the
/// server (it would fork, and the server would not die with us).
fn server_command(bin: &Path, program: &str) -> Command {
    let mut command = Command::new(bin.join(program));
    // The server user may not be allowed into the tests' working directory.
    command.current_dir("/");
    if let Some((uid, gid)) = server_user() {
        command.uid(uid).gid(gid);
    }
    command
}

/// A PostgreSQL cluster of its own in a temporary folder, stopped when dropped.
pub struct Cluster {
    child: Option<Child>,
    pub port: u16,
    bin: PathBuf,
    root: TempDir,
}

/// Starts a new cluster and waits until it accepts connections. It dies with the thread that
/// started it, so start it on a thread that lives as long as the cluster is used.
/// A cluster of the test's own; `None` (the test skips, saying so) without PostgreSQL's server
/// binaries, unless `ATTACHE_REQUIRE_POSTGRES=1` (CI), where that fails the test.
pub fn cluster_or_skip() -> Option<Cluster> {
    if bindir().is_none() {
        assert!(
            !required(),
            "ATTACHE_REQUIRE_POSTGRES=1 but no PostgreSQL server binaries (see .ci/run)"
        );
        eprintln!("skipping: no PostgreSQL server binaries (initdb, postgres; see .ci/run)");
        return None;
    }
    Some(start_cluster())
}

pub fn start_cluster() -> Cluster {
    let bin = bindir().expect(
        "no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or \
         `pg_config --bindir`: install Debian's postgresql package, as .ci/run does",
    );
    let root = tempfile::Builder::new()
        .prefix("attache-pg-")
        .tempdir()
        .unwrap();
    if let Some((uid, gid)) = server_user() {
        std::os::unix::fs::chown(root.path(), Some(uid), Some(gid)).unwrap();
    }
    let out = server_command(&bin, "initdb")
        .arg("-D")
        .arg(root.path().join("data"))
        .args([
            "-A",
            "trust",
            "-U",
            USER,
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C",
        ])
        .output()
        .expect("running initdb");
    assert!(
        out.status.success(),
        "initdb failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cluster = Cluster {
        child: None,
        port: 0,
        bin,
        root,
    };
    // A free port can be taken by someone else before the server binds it: try another.
    for _ in 0..3 {
        cluster.port = free_port();
        if cluster.try_resume() {
            return cluster;
        }
    }
    panic!("PostgreSQL did not start:\n{}", cluster.log());
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Cluster {
    /// `postgres://attache@127.0.0.1:<port>/<name>`
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// A new empty database, `attache_<uuid>`: its URL.
    pub fn create_database(&self) -> String {
        let name = format!("attache_{}", uuid::Uuid::now_v7().simple());
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs SQL with psql in `database`, stopping at the first error: what it printed, one
    /// row a line, columns separated by `|`. Panics when psql fails.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let out = self.psql_command(database).arg("-c").arg(sql).output();
        psql_output(out, sql)
    }

    /// The same with the SQL of a file.
    pub fn psql_file(&self, database: &str, file: &Path) -> String {
        let out = self.psql_command(database).arg("-f").arg(file).output();
        psql_output(out, &file.display().to_string())
    }

    fn psql_command(&self, database: &str) -> Command {
        let mut command = Command::new(self.bin.join("psql"));
        command
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", USER, "-d", database]);
        command
    }

    /// Stops the server the way an operator would (a fast shutdown): connections are refused
    /// until `resume`.
    pub fn stop(&mut self) {
        self.signal_and_wait(libc::SIGINT);
    }

    /// Kills the server (`kill -9`), as a crash would. With `synchronous_commit=off`, the
    /// last commits before it (a fraction of a second's) may be lost: fine for tests of what
    /// attache does when its database goes away, wrong for tests of the database's durability.
    pub fn kill(&mut self) {
        self.signal_and_wait(libc::SIGKILL);
    }

    /// Starts it again on the same port and folder, and waits until it accepts connections.
    pub fn resume(&mut self) {
        // After a kill, the old server's processes may hold its shared memory for a moment,
        // and the new one refuses to start until they are gone.
        for _ in 0..50 {
            if self.try_resume() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("PostgreSQL did not start again:\n{}", self.log());
    }

    fn signal_and_wait(&mut self, signal: libc::c_int) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SAFETY: kill touches no memory; the pid is our child's, not yet reaped.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts the server; false if it exited before accepting connections.
    fn try_resume(&mut self) -> bool {
        assert!(self.child.is_none(), "already running");
        let log = File::create(self.root.path().join("server.log")).unwrap();
        let mut command = server_command(&self.bin, "postgres");
        command
            .arg("-D")
            .arg(self.root.path().join("data"))
            .args(["-p", &self.port.to_string()])
            .arg("-k")
            .arg(self.root.path())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=600"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        // Shut down at once (SIGQUIT) with the thread that started it, so no server outlives
        // a test run. std switches to the server user before this runs, which matters: a
        // change of user clears the parent-death signal.
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
                Ok(())
            });
        }
        let mut child = command.spawn().expect("starting postgres");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            if self.accepts_connections() {
                self.child = Some(child);
                return true;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn accepts_connections(&self) -> bool {
        Command::new(self.bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", USER, "-d", "postgres"])
            .status()
            .is_ok_and(|status| status.success())
    }

    /// What the server has logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("server.log")).unwrap_or_default()
    }

    /// The temporary folder that holds the cluster, its socket and its log.
    pub fn folder(&self) -> &Path {
        self.root.path()
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn psql_output(out: std::io::Result<std::process::Output>, what: &str) -> String {
    let out = out.expect("running psql");
    assert!(
        out.status.success(),
        "psql failed on {what}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// With `ATTACHE_TEST_DATABASE=postgres`: one cluster for this test process, started on first
/// use by a thread that lives as long as the process. It is stopped, and its folder removed, at
/// exit (`atexit`: statics are never dropped); if the process dies instead, the server still
/// dies with it.
fn shared_cluster() -> Option<&'static Mutex<Option<Cluster>>> {
    static SHARED: OnceLock<Option<Mutex<Option<Cluster>>>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let wanted = std::env::var("ATTACHE_TEST_DATABASE").is_ok_and(|v| v == "postgres");
            if !wanted {
                return None;
            }
            assert!(
                bindir().is_some(),
                "ATTACHE_TEST_DATABASE=postgres needs PostgreSQL's server binaries (initdb, \
                 postgres) in /usr/lib/postgresql/*/bin or `pg_config --bindir`: install \
                 Debian's postgresql package, as .ci/run does"
            );
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                tx.send(start_cluster()).unwrap();
                loop {
                    std::thread::park();
                }
            });
            let cluster = rx.recv().expect("the shared PostgreSQL cluster started");
            // SAFETY: registers a function that takes no arguments and does not unwind out.
            unsafe { libc::atexit(stop_shared_cluster) };
            Some(Mutex::new(Some(cluster)))
        })
        .as_ref()
}

extern "C" fn stop_shared_cluster() {
    if let Some(shared) = shared_cluster() {
        if let Ok(mut cluster) = shared.lock() {
            drop(cluster.take());
        }
    }
}

/// The database the tests' servers use: `None` for SQLite in the data directory, else the URL
/// of a new database in the shared cluster.
pub fn test_database() -> Option<String> {
    let shared = shared_cluster()?;
    let cluster = shared.lock().unwrap();
    Some(
        cluster
            .as_ref()
            .expect("the shared cluster is stopped only at exit")
            .create_database(),
    )
}
