#!/usr/bin/env bash
# The side-by-side benchmark: installs what is missing (Debian's nginx-light, wrk and taskset;
# rustypaste and oha from crates.io, pinned, into target/bench-tools), builds attache and
# examples/machine_limits in release mode, runs bench/bench.py, and writes BENCHMARKS.md.
# Loopback only; it stops everything it started. Arguments go to bench.py (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."

RUSTYPASTE_VERSION=0.18.1
OHA_VERSION=1.16.0
TOOLS="$PWD/target/bench-tools"
export PATH="$PATH:$TOOLS/bin"

missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
command -v rustypaste >/dev/null ||
    cargo install rustypaste --version "$RUSTYPASTE_VERSION" --locked --root "$TOOLS"
command -v oha >/dev/null ||
    cargo install oha --version "$OHA_VERSION" --locked --root "$TOOLS"

cargo build --release --locked
cargo build --release --locked --example machine_limits
export BENCH_COMMAND="bench/run.sh${*:+ $*}"
exec python3 bench/bench.py "$@"
