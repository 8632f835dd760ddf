//! The machine's own limits, for reading the benchmark (`bench/bench.py` runs this).
//!
//! Three numbers bound what attache can do on a machine, whatever its code:
//! - how fast `sha2` hashes on one core (every upload is hashed once);
//! - how fast one file can be written sequentially and made durable (large uploads);
//! - how many small files per second can be made durable the way attache stores a new blob:
//!   write to a temporary file, fsync it, rename it into place, fsync the directory.
//!
//! ```sh
//! cargo run --release --example machine_limits -- [--dir DIR] [--sha-mib 1024] \
//!     [--write-mib 256] [--small-seconds 4] [--small-bytes 100000] [--threads 1,8]
//! ```
//!
//! Output is one `name value` pair per line, for machines to read (`sha256_mb_per_s 1234.5`);
//! MB is 10^6 bytes. `--dir` must be on the filesystem the data directories are on.

use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::hint::black_box;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const MIB: usize = 1024 * 1024;

struct Options {
    dir: PathBuf,
    sha_mib: usize,
    write_mib: usize,
    small_seconds: f64,
    small_bytes: usize,
    threads: Vec<usize>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        dir: PathBuf::from("."),
        sha_mib: 1024,
        write_mib: 256,
        small_seconds: 4.0,
        small_bytes: 100_000,
        threads: vec![1, 8],
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: not a whole number: {value}"))
        };
        match flag.as_str() {
            "--dir" => options.dir = PathBuf::from(&value),
            "--sha-mib" => options.sha_mib = number()?,
            "--write-mib" => options.write_mib = number()?,
            "--small-bytes" => options.small_bytes = number()?,
            "--small-seconds" => {
                options.small_seconds = value
                    .parse()
                    .map_err(|_| format!("{flag}: not a number: {value}"))?
            }
            "--threads" => {
                options.threads = value
                    .split(',')
                    .map(|t| t.trim().parse::<usize>().ok().filter(|&n| n > 0))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("{flag}: expected e.g. 1,8: {value}"))?
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(options)
}

/// Bytes that do not compress, without a random-number crate: xorshift64*.
fn filler(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn mb_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64()
}

/// SHA-256 of `mib` MiB, fed in 1 MiB blocks, on the calling thread.
fn sha256_rate(mib: usize) -> f64 {
    let block = filler(MIB, 0x5eed);
    let started = Instant::now();
    let mut hasher = Sha256::new();
    for _ in 0..mib {
        hasher.update(black_box(&block));
    }
    black_box(hasher.finalize());
    mb_per_s(mib * MIB, started.elapsed())
}

/// One file of `mib` MiB written in 1 MiB writes, then fsync; the time includes the fsync.
fn sequential_write_rate(dir: &Path, mib: usize) -> io::Result<f64> {
    let block = filler(MIB, 0xf11e);
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    let started = Instant::now();
    for _ in 0..mib {
        file.as_file_mut().write_all(&block)?;
    }
    file.as_file().sync_all()?;
    let rate = mb_per_s(mib * MIB, started.elapsed());
    file.close()?;
    Ok(rate)
}

/// Durable creations of `bytes`-byte files, each as attache stores a new blob: write a
/// temporary file, fsync it, rename it into place, fsync the destination directory. `threads`
/// threads do this at once for `seconds`; returns files per second over all threads.
fn durable_small_files_rate(
    dir: &Path,
    bytes: usize,
    seconds: f64,
    threads: usize,
) -> io::Result<f64> {
    let root = tempfile::tempdir_in(dir)?;
    let tmp = root.path().join("tmp");
    let blobs = root.path().join("blobs");
    fs::create_dir(&tmp)?;
    fs::create_dir(&blobs)?;
    let deadline = Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let counts = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (tmp, blobs) = (&tmp, &blobs);
                scope.spawn(move || -> io::Result<u64> {
                    let mut data = filler(bytes, 0xb10b + t as u64);
                    let mut made = 0u64;
                    while started.elapsed() < deadline {
                        // Distinct contents, as distinct uploads would have.
                        data[..8].copy_from_slice(&made.to_le_bytes());
                        let name = format!("{t}-{made}");
                        let from = tmp.join(&name);
                        let mut file = File::create(&from)?;
                        file.write_all(&data)?;
                        file.sync_all()?;
                        drop(file);
                        fs::rename(&from, blobs.join(&name))?;
                        File::open(blobs)?.sync_all()?;
                        made += 1;
                    }
                    Ok(made)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a writer thread panicked"))
            .collect::<io::Result<Vec<u64>>>()
    })?;
    let elapsed = started.elapsed();
    root.close()?;
    Ok(counts.iter().sum::<u64>() as f64 / elapsed.as_secs_f64())
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("machine_limits: {message}");
            std::process::exit(2);
        }
    };
    if let Err(err) = run(&options) {
        eprintln!("machine_limits: {err}");
        std::process::exit(1);
    }
}

fn run(options: &Options) -> io::Result<()> {
    println!("sha256_mib {}", options.sha_mib);
    println!("sha256_mb_per_s {:.1}", sha256_rate(options.sha_mib));
    println!("seq_write_mib {}", options.write_mib);
    println!(
        "seq_write_fsync_mb_per_s {:.1}",
        sequential_write_rate(&options.dir, options.write_mib)?
    );
    println!("durable_file_bytes {}", options.small_bytes);
    for &threads in &options.threads {
        let rate = durable_small_files_rate(
            &options.dir,
            options.small_bytes,
            options.small_seconds,
            threads,
        )?;
        println!("durable_files_per_s_{threads}_threads {rate:.1}");
    }
    Ok(())
}
