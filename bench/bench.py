#!/usr/bin/env python3
"""attache side by side with reference points, on 127.0.0.1, in one run.

This first part measures signed downloads against nginx serving the same bytes from disk
(sendfile on), with and without a Range header, plus attache's start-up time and idle memory.
Servers and the load generator (wrk) are pinned to different cores when there are two or more;
servers are interleaved run by run, each measurement is repeated, and the table shows medians
with min-max and the ratio of attache to nginx. Every process started is stopped by its PID.
"""

import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORES = os.cpu_count() or 1
SERVER_CPU = ["taskset", "-c", "0"] if CORES >= 2 else []
LOAD_CPU = ["taskset", "-c", "1"] if CORES >= 2 else []


def wait_for(url, timeout=30.0):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as res:
                if res.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def content(size):
    """A file attache accepts (PNG magic) that does not compress: the same bytes for both."""
    return b"\x89PNG\r\n\x1a\n" + os.urandom(size - 8)


def api(base, key, method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    req.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


def upload(base, key, ticket, name, data):
    boundary = "benchboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n".encode()
            + data + f"\r\n--{boundary}--\r\n".encode())
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return api(base, key, "POST", f"/v1/tickets/{ticket}/attachments", body, headers)


class Attache:
    name = "attache"

    def __init__(self, binary, work, port):
        self.base = f"http://127.0.0.1:{port}"
        data = os.path.join(work, "attache-data")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            SERVER_CPU + [binary, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}",
                          "--rate-limit", "0", "--workers", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.key = self.proc.stdout.readline().split("\t")[2].strip()
        wait_for(self.base + "/healthz")
        self.startup = time.monotonic() - started
        time.sleep(0.5)
        self.idle_rss = rss_kib(self.proc.pid)
        ticket = api(self.base, self.key, "POST", "/v1/tickets",
                     json.dumps({"subject": "bench"}).encode(), {"Content-Type": "application/json"})
        self.ticket = ticket["id"]

    def add(self, name, data):
        attachment = upload(self.base, self.key, self.ticket, name, data)
        signed = api(self.base, self.key, "GET", f"/v1/tickets/{self.ticket}/attachments/{attachment['id']}/download")
        return signed["signed_url"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


class Nginx:
    name = "nginx"

    def __init__(self, work, port):
        self.root = os.path.join(work, "www")
        os.makedirs(self.root, exist_ok=True)
        # nginx's worker drops root: the files must be readable by others.
        os.chmod(work, 0o755)
        os.chmod(self.root, 0o755)
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    server {{ listen 127.0.0.1:{port}; root {self.root}; }}
}}
""")
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(SERVER_CPU + ["nginx", "-c", conf, "-g", "daemon off;"],
                                     stderr=subprocess.DEVNULL)
        wait_for_port(port)

    def add(self, name, data):
        path = os.path.join(self.root, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        return f"{self.base}/{name}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def wait_for_port(port, timeout=10.0):
    import socket
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.01)
    raise RuntimeError(f"nothing listens on {port}")


ANALYSIS = "## Where attache stands"

UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def wrk(url, seconds, connections, headers=()):
    cmd = LOAD_CPU + ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"Transfer/sec:\s+([\d.]+)(\w*)", out).groups()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed requests\n{out}")
    return rps, float(value) * UNITS.get(unit, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    args = parser.parse_args()
    binary = os.path.join(ROOT, "target", "release", "attache")
    work = tempfile.mkdtemp(prefix="attache-bench-")
    servers = []
    try:
        attache = Attache(binary, work, 18080)
        servers.append(attache)
        nginx = Nginx(work, 18081)
        servers.append(nginx)
        files = {"100 KB": content(100_000), "10 MB": content(10_000_000)}
        urls = {(s.name, f): s.add(f.replace(" ", ""), data) for s in servers for f, data in files.items()}
        cases = []
        for f in files:
            cases.append((f"{f} download", f, (), "rps" if f == "100 KB" else "bytes"))
            cases.append((f"{f} download, Range 64 KiB", f, ("Range: bytes=0-65535",), "rps"))
        results = {}
        for run in range(args.runs):
            for label, f, headers, metric in cases:
                order = servers if run % 2 == 0 else list(reversed(servers))
                for s in order:
                    rps, bps = wrk(urls[(s.name, f)], args.seconds, args.connections, headers)
                    results.setdefault((label, s.name), []).append(rps if metric == "rps" else bps)
                    print(f"run {run + 1} {label:32} {s.name:8} {rps:10.0f} req/s {bps / 1e6:9.1f} MB/s", flush=True)
        rows = []
        for label, f, headers, metric in cases:
            a, n = results[(label, "attache")], results[(label, "nginx")]
            unit = "req/s" if metric == "rps" else "MB/s"
            scale = 1 if metric == "rps" else 1e-6
            fmt = lambda xs: f"{statistics.median(xs) * scale:,.0f} ({min(xs) * scale:,.0f}-{max(xs) * scale:,.0f})"
            rows.append((f"{label} ({unit})", fmt(a), fmt(n), statistics.median(a) / statistics.median(n)))
        write_report(args, rows, attache)
    finally:
        for s in servers:
            s.stop()


def write_report(args, rows, attache):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    lines = [
        "# Benchmarks",
        "",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {CORES} cores ({cpu}), "
        f"{platform.system()} {platform.release()}.",
        f"Command: `bench/run.sh` (= `python3 bench/bench.py --runs {args.runs} --seconds {args.seconds} "
        f"--connections {args.connections}`). wrk, 1 thread, {args.connections} connections; servers pinned to "
        f"core 0 and wrk to core 1; attache with one worker and nginx with one worker process; medians of "
        f"{args.runs} interleaved runs, min-max in brackets.",
        "",
        "| measurement | attache | nginx | attache / nginx |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {a} | {n} | {ratio:.2f} |" for name, a, n, ratio in rows]
    lines += [
        "",
        f"attache start to first answered `/healthz`: {attache.startup * 1000:.0f} ms; "
        f"idle RSS after start: {attache.idle_rss / 1024:.1f} MiB.",
        "",
        "Not measured yet (issue 5): uploads (against nginx DAV PUT and rustypaste, with oha), "
        "rustypaste as a download peer, CPU seconds per GiB, peak RSS under concurrent large uploads, "
        "metadata latency, throughput as the store grows to 50,000 blobs, and the machine's own "
        "SHA-256 and fsync limits.",
        "",
    ]
    # The written analysis below the results (what limits attache, what was tried) is kept.
    kept = ""
    if os.path.exists(args.out):
        previous = open(args.out).read()
        if ANALYSIS in previous:
            kept = previous[previous.index(ANALYSIS):]
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + ("\n" + kept if kept else ""))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
