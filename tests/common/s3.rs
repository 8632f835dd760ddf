//! A real S3-protocol server for the tests: `s3s-fs` (which checks every request's SigV4
//! signature) on 127.0.0.1, over a temporary folder. `.ci/run` builds it into
//! `target/s3-tools/bin/`; `ATTACHE_S3S_FS` names another binary.
//!
//! With `ATTACHE_TEST_BLOB_STORE=s3`, every server the tests start stores its blobs there,
//! each under a prefix of its own, so the same tests run on both stores.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use attache::store::blobs::BlobLocation;
use tempfile::TempDir;

pub const ACCESS_KEY: &str = "AKIDATTACHETEST";
pub const SECRET_KEY: &str = "attache-test-secret-key-0123456789";
pub const BUCKET: &str = "attache-test";

/// Where the s3s-fs binary is, if it is there.
pub fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("ATTACHE_S3S_FS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/s3-tools/bin/s3s-fs")
        });
    path.is_file().then_some(path)
}

/// Whether a missing s3s-fs fails the test (CI) rather than skipping it.
pub fn required() -> bool {
    std::env::var_os("ATTACHE_REQUIRE_S3").is_some_and(|v| v == "1")
}

/// The variables a server (or a command) needs to sign its requests to the test server.
pub fn credentials_env() -> [(&'static str, &'static str); 2] {
    [
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ]
}

pub struct S3Server {
    child: Option<Child>,
    pub port: u16,
    root: TempDir,
}

impl S3Server {
    /// Starts s3s-fs on a free port with the test bucket, or `None` when it is not built
    /// (a failure when `ATTACHE_REQUIRE_S3=1`).
    pub fn start() -> Option<S3Server> {
        let Some(_) = binary() else {
            assert!(
                !required(),
                "ATTACHE_REQUIRE_S3=1 but no s3s-fs (build it: see .ci/run)"
            );
            eprintln!("skipping: no s3s-fs binary (see .ci/run)");
            return None;
        };
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = S3Server {
            child: None,
            port,
            root,
        };
        server.resume();
        Some(server)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A blob store spec for this server, under a prefix of its own.
    pub fn spec(&self, prefix: &str) -> String {
        format!(
            "s3://{BUCKET}/{prefix}?endpoint={}&region=us-east-1&path_style=true",
            self.endpoint()
        )
    }

    /// The same as a parsed location, with the test credentials.
    pub fn location(&self, prefix: &str) -> BlobLocation {
        parse(&self.spec(prefix))
    }

    /// Where the objects are on disk (the bucket's folder).
    pub fn bucket_dir(&self) -> PathBuf {
        self.root.path().join(BUCKET)
    }

    /// Stops the server (`kill -9`): requests to it are refused until `resume`.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and folder, and waits until it accepts connections.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut command = Command::new(binary().unwrap());
        command
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(self.root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Killed with the thread that started it, so no s3s-fs outlives a test run.
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command.spawn().expect("starting s3s-fs");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn parse(spec: &str) -> BlobLocation {
    let env = credentials_env();
    BlobLocation::parse(spec, None, |name| {
        env.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
}

/// With `ATTACHE_TEST_BLOB_STORE=s3`: one s3s-fs for this test process, started on first use
/// by a thread that lives as long as the process (the server dies with it).
fn shared_endpoint() -> Option<&'static str> {
    static SHARED: OnceLock<Option<String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let wanted = std::env::var("ATTACHE_TEST_BLOB_STORE").is_ok_and(|v| v == "s3");
            if !wanted {
                return None;
            }
            assert!(
                binary().is_some(),
                "ATTACHE_TEST_BLOB_STORE=s3 needs s3s-fs (see .ci/run)"
            );
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let server = S3Server::start().unwrap();
                tx.send(server.endpoint()).unwrap();
                loop {
                    std::thread::park();
                }
            });
            Some(rx.recv().unwrap())
        })
        .as_deref()
}

/// The blob store the tests' servers use: `None` for the local one, else a spec on the shared
/// server under a fresh prefix.
pub fn test_blob_store() -> Option<String> {
    let endpoint = shared_endpoint()?;
    let prefix = format!("t-{}", uuid::Uuid::now_v7().simple());
    Some(format!(
        "s3://{BUCKET}/{prefix}?endpoint={endpoint}&region=us-east-1&path_style=true"
    ))
}
