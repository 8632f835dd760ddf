#!/usr/bin/env bash
# The side-by-side benchmark: installs what is missing (Debian's nginx and wrk), builds attache
# in release mode, runs bench/bench.py, and writes BENCHMARKS.md. Loopback only; it stops
# everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
cargo build --release --locked
exec python3 bench/bench.py "$@"
