#!/usr/bin/env python3
"""attache side by side with reference points, on 127.0.0.1, in one run.

Servers: attache, nginx (static files with sendfile, and WebDAV PUT for uploads) and rustypaste,
each with one worker (process). Load generators: wrk for downloads and metadata latency, oha for
uploads, and a small Python uploader where every body must differ (the store-growth test).

Measured: signed downloads of 100 KB and 10 MB files, with and without a Range header; uploads
of 100 KB and 10 MB files; server CPU seconds per GiB moved; peak RSS under 8 concurrent 10 MB
and 32 concurrent 30 MiB uploads; latency of a ticket's attachment list; start-up time and idle
RSS; 100 KB upload throughput as the store grows to --blobs distinct blobs; and the machine's
own limits (SHA-256, sequential write + fsync, durable small-file creations) from
examples/machine_limits.rs.

Servers are pinned to core 0 and load generators to core 1 when there are two or more cores;
servers are interleaved run by run, each measurement is repeated --runs times, and the tables
show medians with min-max and the ratio of attache to each reference. Every process started is
stopped by its PID, also on failure, and the work directory is removed at the end.
"""

import argparse
import base64
import datetime
import glob
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORES = os.cpu_count() or 1
SERVER_CPU = ["taskset", "-c", "0"] if CORES >= 2 else []
LOAD_CPU = ["taskset", "-c", "1"] if CORES >= 2 else []
LOAD_CORE = {1} if CORES >= 2 else None
# Where cargo builds (as for cargo itself, CARGO_TARGET_DIR when set; relative to the repository).
TARGET = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR") or "target")
# Where bench/run.sh installs rustypaste and oha when they are not on PATH.
TOOL_DIRS = [os.path.join(ROOT, "target", "bench-tools", "bin")]
CLK_TCK = os.sysconf("SC_CLK_TCK")
GIB = 1024 ** 3
MIB = 1024 ** 2

SIZES = {"100 KB": 100_000, "10 MB": 10_000_000, "30 MiB": 30 * MIB}
# oha concurrency per upload size.
UPLOAD_CONNECTIONS = {"100 KB": 16, "10 MB": 8}
# Peak RSS: (label, file size, concurrent uploads, uploads in all).
RSS_CASES = [("8 × 10 MB", "10 MB", 8, 16), ("32 × 30 MiB", "30 MiB", 32, 64)]
# Peak RSS of attache alone through each of its upload routes (issue 12: each under 100 MiB).
ROUTE_RSS = ("30 MiB", 32, 64)
UPLOAD_ROUTES = ["native multipart", "HostUp multipart", "Waldur multipart", "Huawei multipart",
                 "Huawei base64 JSON"]
LIST_ATTACHMENTS = 20
LATENCY_CONNECTIONS = 4
GROWTH_SEGMENTS = 10
GROWTH_CONNECTIONS = 16
GROWTH_TICKET_SIZE = 100
GROWTH_HEADROOM = 7 * 10 ** 9  # free bytes kept besides the blobs (12 GB in all for 50,000)

PROCS = []  # every process this script started, for the final clean-up


def say(*parts):
    print(*parts, flush=True)


def find_tool(name):
    found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(TOOL_DIRS))
    if not found:
        raise RuntimeError(f"{name} is neither on PATH nor in {TOOL_DIRS[0]} (bench/run.sh installs it)")
    return found


# ---------------------------------------------------------------------------------------------
# Processes: start, stop by PID, CPU time and memory from /proc.

def spawn(cmd, **kwargs):
    proc = subprocess.Popen(cmd, **kwargs)
    PROCS.append(proc)
    return proc


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            found.append(int(entry))
    return found


def process_tree(pid):
    tree = [pid]
    for child in children(pid):
        tree += process_tree(child)
    return tree


def stop(proc, timeout=60):
    """Stops a process we started, and any children it left behind (nginx's workers)."""
    if proc.poll() is None:
        descendants = process_tree(proc.pid)[1:]
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid in descendants:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if proc in PROCS:
        PROCS.remove(proc)


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def reset_peak_rss(pids):
    for pid in pids:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")


def wait_for(url, timeout=30.0):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as res:
                if res.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.002)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def wait_for_port(port, proc, timeout=10.0):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.01)
    raise RuntimeError(f"nothing listens on {port}")


def empty_dir(path, keep=()):
    """Removes the files directly in `path` except `keep`; subdirectories stay."""
    for entry in os.scandir(path):
        if entry.is_file(follow_symlinks=False) and entry.name not in keep:
            os.unlink(entry.path)


# ---------------------------------------------------------------------------------------------
# Bodies.

def content(size):
    """A file attache accepts (PNG magic) that does not compress: the same bytes for all."""
    return b"\x89PNG\r\n\x1a\n" + os.urandom(size - 8)


BOUNDARY = "attachebench" + os.urandom(12).hex()
MULTIPART_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def multipart_parts(name):
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode()
    return head, f"\r\n--{BOUNDARY}--\r\n".encode()


def multipart(name, data):
    head, tail = multipart_parts(name)
    return head + data + tail


def text_part(name, value):
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            f"{value}\r\n").encode()


def route_request(a, bodies, route, size):
    """An oha request uploading the `size` file through one of attache's upload routes."""
    auth = [f"Authorization: Bearer {a.key}"]
    if route == "Huawei base64 JSON":
        name, ctype = "huawei-json", "application/json"
        make = lambda data: json.dumps({"accessory_name": "bench.png",
                                        "accessory_data": base64.b64encode(data).decode()}).encode()
        path, auth = "/v2/servicerequest/accessorys/json-format-content", [f"X-Auth-Token: {a.key}"]
    else:
        ctype = MULTIPART_TYPE
        lead, path = {
            "native multipart": (b"", f"/v1/tickets/{a.ticket}/attachments"),
            "HostUp multipart": (b"", "/api/v2/support/attachments"),
            "Waldur multipart": (text_part("issue", f"{a.base}/api/support-issues/{a.ticket.replace('-', '')}/"),
                                 "/api/support-attachments/"),
            "Huawei multipart": (b"", "/v2/servicerequest/accessorys"),
        }[route]
        name = route.split()[0].lower()
        make = lambda data: lead + multipart("bench.png", data)
        if route == "Waldur multipart":
            auth = [f"Authorization: Token {a.key}"]
        elif route == "Huawei multipart":
            auth = [f"X-Auth-Token: {a.key}"]
    # The Waldur body names the ticket, which is new each time the server is.
    body = os.path.join(bodies.dir, f"route-{name}-{size.replace(' ', '')}-{a.ticket}.bin")
    if not os.path.exists(body):
        with open(body, "wb") as f:
            f.write(make(bodies.files[size]))
    return dict(url=a.base + path, method="POST", body=body, ctype=ctype, headers=auth, rand_url=False)


def api(base, key, method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    req.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


def upload(base, key, ticket, name, data):
    return api(base, key, "POST", f"/v1/tickets/{ticket}/attachments", multipart(name, data),
               {"Content-Type": MULTIPART_TYPE})


# ---------------------------------------------------------------------------------------------
# Servers. Each knows how to add a file for downloads, what an upload request to it looks like,
# how to forget its uploads, and which PIDs to account for.

# Tickets the timed uploads spread over, and the per-ticket cap attache runs with (its default
# is 100; a few thousand uploads a run over 64 tickets stay well under 1,000 each).
UPLOAD_TICKETS = 64
MAX_PER_TICKET = 1000

class Attache:
    name = "attache"

    def __init__(self, binary, data, port, ticket=True):
        self.binary, self.data, self.port = binary, data, port
        self.base = f"http://127.0.0.1:{port}"
        self.proc = None
        self.start(ticket)

    def start(self, ticket=True):
        started = time.monotonic()
        self.proc = spawn(
            SERVER_CPU + [self.binary, "serve", "--data-dir", self.data, "--listen", f"127.0.0.1:{self.port}",
                          "--rate-limit", "0", "--workers", "1", "--max-attachments", str(MAX_PER_TICKET),
                          # One key drives every upload: lift the per-key cap, as the rate limit is.
                          "--max-uploads-in-flight", "1000"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if line.count("\t") < 2:
            raise RuntimeError(f"attache did not print a key (got {line!r}); exit code {self.proc.poll()}")
        self.key = line.split("\t")[2].strip()
        wait_for(self.base + "/healthz")
        self.startup = time.monotonic() - started
        self.ticket = self.new_ticket() if ticket else None
        # Uploads spread over UPLOAD_TICKETS tickets, as a helpdesk's would: each commit
        # counts its ticket's attachments, which costs what the ticket holds.
        self.upload_tickets = [self.new_ticket(f"uploads {i}") for i in range(UPLOAD_TICKETS)] if ticket else []

    def new_ticket(self, subject="bench"):
        return api(self.base, self.key, "POST", "/v1/tickets", json.dumps({"subject": subject}).encode(),
                   {"Content-Type": "application/json"})["id"]

    def add(self, name, data, ticket=None):
        attachment = upload(self.base, self.key, ticket or self.ticket, name, data)
        signed = api(self.base, self.key, "GET",
                     f"/v1/tickets/{ticket or self.ticket}/attachments/{attachment['id']}/download")
        return signed["signed_url"]

    def upload_request(self, bodies, size):
        # oha picks one of the tickets per request (--rand-regex-url; dots stay literal).
        tickets = "|".join(self.upload_tickets)
        return dict(url=f"{self.base}/v1/tickets/({tickets})/attachments", method="POST",
                    body=bodies.multipart(size), ctype=MULTIPART_TYPE,
                    headers=[f"Authorization: Bearer {self.key}"], rand_url=True)

    def clear_uploads(self):
        """A fresh server on an empty data directory: the simplest way to forget every upload."""
        self.stop()
        shutil.rmtree(self.data)
        os.sync()
        self.start()

    def cpu_pids(self):
        return [self.proc.pid]

    rss_pids = cpu_pids

    def stop(self):
        if self.proc:
            stop(self.proc)
            self.proc = None


class AttacheS3(Attache):
    """attache with its blobs in s3s-fs (an S3-protocol server, bench/run.sh builds it) on the
    same machine: what the object store costs against the local store, side by side."""
    name = "attache-s3"
    ACCESS, SECRET = "AKIDBENCH", "bench-secret-key-0123456789"

    def __init__(self, binary, data, port, s3s_fs, s3_port, ticket=True):
        self.s3s_fs, self.s3_port, self.s3 = s3s_fs, s3_port, None
        super().__init__(binary, data, port, ticket)

    def start(self, ticket=True):
        root = self.data + "-bucket"
        os.makedirs(os.path.join(root, "bench"), exist_ok=True)
        self.s3 = spawn(SERVER_CPU + [self.s3s_fs, "--host", "127.0.0.1", "--port", str(self.s3_port),
                                      "--access-key", self.ACCESS, "--secret-key", self.SECRET, root],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.s3_port, self.s3)
        os.environ.update(AWS_ACCESS_KEY_ID=self.ACCESS, AWS_SECRET_ACCESS_KEY=self.SECRET,
                          ATTACHE_BLOB_STORE=f"s3://bench?endpoint=http://127.0.0.1:{self.s3_port}&path_style=true")
        try:
            super().start(ticket)
        finally:
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ATTACHE_BLOB_STORE"):
                os.environ.pop(name, None)

    def clear_uploads(self):
        self.stop()
        shutil.rmtree(self.data)
        shutil.rmtree(self.data + "-bucket", ignore_errors=True)
        os.sync()
        self.start()

    def cpu_pids(self):
        return [self.proc.pid, self.s3.pid]

    def rss_pids(self):
        return [self.proc.pid]

    def stop(self):
        super().stop()
        if self.s3:
            stop(self.s3)
            self.s3 = None


def object_store(binary, s3s_fs, work, port, bodies, files, args):
    """Downloads and uploads through the object store beside the same through the local
    store; prints the medians and their ratio (server CPU counts attache and s3s-fs)."""
    results = Results()
    servers = [Attache(binary, os.path.join(work, "attache-local"), port),
               AttacheS3(binary, os.path.join(work, "attache-s3"), port + 1, s3s_fs, port + 2)]
    try:
        downloads(servers, {f: files[f] for f in ("100 KB", "10 MB")}, args, results)
        uploads(servers, bodies, args, results)
        peak_rss(servers, bodies, args, results)
    finally:
        for s in servers:
            s.stop()
    keys = ["dl 100 KB", "dl 100 KB range", "dl 10 MB", "dl 10 MB range", "up 100 KB", "up 10 MB"]
    say("")
    say(f"{'req/s (median of ' + str(args.runs) + ')':28} {'local':>10} {'S3':>10} {'S3/local':>9}")
    for key in keys:
        local = statistics.median(results.get(key, "attache"))
        remote = statistics.median(results.get(key, "attache-s3"))
        say(f"{key:28} {local:10.0f} {remote:10.0f} {remote / local:9.2f}")
    for key in ("cpu dl 10 MB", "cpu up 10 MB"):
        local = statistics.median(results.get(key, "attache"))
        remote = statistics.median(results.get(key, "attache-s3"))
        say(f"{key + ' (s/GiB)':28} {local:10.2f} {remote:10.2f} {remote / local:9.2f}")
    for label, *_ in RSS_CASES:
        local = statistics.median(results.get(f"rss {label}", "attache"))
        remote = statistics.median(results.get(f"rss {label}", "attache-s3"))
        say(f"{'peak RSS ' + label + ' (MiB)':28} {local:10.1f} {remote:10.1f} {remote / local:9.2f}")


class PostgresCluster:
    """A PostgreSQL of the benchmark's own (Debian's server binaries), durable as in production
    (fsync and synchronous commits on), run as the postgres user when this script is root."""

    def __init__(self, work, port):
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
        if not bindirs:
            raise RuntimeError("PostgreSQL's server is missing: apt-get install postgresql")
        self.bin, self.port = bindirs[-1], port
        self.dir = os.path.join(work, "postgres")
        os.makedirs(self.dir)
        self.as_user = []
        if os.geteuid() == 0:
            # The work directory is root's (0700): the postgres user must reach its folder.
            os.chmod(work, 0o711)
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run(self.as_user + [f"{self.bin}/initdb", "-D", self.dir, "-A", "trust", "-U", "attache",
                                       "-E", "UTF8", "--locale", "C"], check=True, capture_output=True)
        self.proc = spawn(SERVER_CPU + self.as_user + [f"{self.bin}/postgres", "-D", self.dir, "-p", str(port),
                                                        "-k", self.dir, "-c", "listen_addresses=127.0.0.1"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port, self.proc)
        subprocess.run([f"{self.bin}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "attache", "attache"],
                       check=True, capture_output=True)
        self.url = f"postgres://attache@127.0.0.1:{port}/attache"

    def pids(self):
        return process_tree(self.proc.pid)

    def stop(self):
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", self.dir, "stop", "-m", "fast"],
                       capture_output=True)
        stop(self.proc)


class Node(Attache):
    """One attache node on the shared PostgreSQL database and s3s-fs bucket."""

    def __init__(self, binary, data, port, database, blob_store, first):
        self.database, self.blob_store, self.first = database, blob_store, first
        super().__init__(binary, data, port, ticket=first)

    def start(self, ticket=True):
        os.environ.update(ATTACHE_DATABASE=self.database, ATTACHE_BLOB_STORE=self.blob_store)
        try:
            if self.first:
                return super().start(ticket)
            self.proc = spawn(
                SERVER_CPU + [self.binary, "serve", "--data-dir", self.data, "--listen", f"127.0.0.1:{self.port}",
                              "--rate-limit", "0", "--workers", "1", "--max-attachments", str(MAX_PER_TICKET),
                              "--max-uploads-in-flight", "1000"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_for(self.base + "/healthz")
        finally:
            for name in ("ATTACHE_DATABASE", "ATTACHE_BLOB_STORE"):
                os.environ.pop(name, None)


def together(jobs):
    """Runs the jobs on threads at once; returns their results in order."""
    results = [None] * len(jobs)
    errors = []

    def run(i, job):
        try:
            results[i] = job()
        except Exception as e:  # noqa: BLE001 - reported below, after every job ended
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def nodes(binary, s3s_fs, work, port, bodies, files, args):
    """Uploads and downloads through two nodes against one, both on one PostgreSQL database and
    one s3s-fs bucket, in the same run: the load is split between the nodes as a balancer would
    (half the connections each, from two load generators at once), or all sent to one. Prints
    the medians and the ratio; on a machine with fewer cores than the processes, the ratio says
    what a second node costs rather than what it adds."""
    results = Results()
    postgres = PostgresCluster(work, port + 3)
    bucket = os.path.join(work, "bucket")
    os.makedirs(os.path.join(bucket, "bench"))
    s3 = spawn(SERVER_CPU + [s3s_fs, "--host", "127.0.0.1", "--port", str(port + 2), "--access-key",
                             AttacheS3.ACCESS, "--secret-key", AttacheS3.SECRET, bucket],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port + 2, s3)
    os.environ.update(AWS_ACCESS_KEY_ID=AttacheS3.ACCESS, AWS_SECRET_ACCESS_KEY=AttacheS3.SECRET)
    spec = f"s3://bench?endpoint=http://127.0.0.1:{port + 2}&path_style=true"
    a = b = None
    try:
        a = Node(binary, os.path.join(work, "node-a"), port, postgres.url, spec, first=True)
        b = Node(binary, os.path.join(work, "node-b"), port + 1, postgres.url, spec, first=False)
        b.key, b.upload_tickets = a.key, a.upload_tickets
        url = a.add("100KB.png", files["100 KB"])
        on_b = url.replace(f":{port}/", f":{port + 1}/")
        half = max(1, args.connections // 2)
        for run in range(args.runs):
            for setup in (["1 node", "2 nodes"] if run % 2 == 0 else ["2 nodes", "1 node"]):
                if setup == "1 node":
                    rps = wrk(url, args.seconds, args.connections)["rps"]
                else:
                    rps = sum(r["rps"] for r in together([lambda: wrk(url, args.seconds, half),
                                                          lambda: wrk(on_b, args.seconds, half)]))
                results.add("dl 100 KB", setup, rps)
                say(f"run {run + 1} download 100 KB {setup:8} {rps:10.0f} req/s")
                connections = UPLOAD_CONNECTIONS["100 KB"]
                if setup == "1 node":
                    ok, total = oha(a.upload_request(bodies, "100 KB"), connections, seconds=args.seconds)
                    rps = ok / total
                else:
                    split = together([lambda: oha(a.upload_request(bodies, "100 KB"), connections // 2,
                                                  seconds=args.seconds),
                                      lambda: oha(b.upload_request(bodies, "100 KB"), connections // 2,
                                                  seconds=args.seconds)])
                    rps = sum(ok / total for ok, total in split)
                results.add("up 100 KB", setup, rps)
                say(f"run {run + 1} upload 100 KB   {setup:8} {rps:10.0f} req/s")
    finally:
        for node in (a, b):
            if node:
                node.stop()
        stop(s3)
        postgres.stop()
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.pop(name, None)
    say("")
    say(f"{'req/s (median of ' + str(args.runs) + ')':28} {'1 node':>10} {'2 nodes':>10} {'2/1':>9}")
    for key in ("dl 100 KB", "up 100 KB"):
        one = statistics.median(results.get(key, "1 node"))
        two = statistics.median(results.get(key, "2 nodes"))
        say(f"{key:28} {one:10.0f} {two:10.0f} {two / one:9.2f}")


class Nginx:
    name = "nginx"

    def __init__(self, work, port):
        self.root = os.path.join(work, "www")
        self.up = os.path.join(self.root, "up")
        os.makedirs(self.up, exist_ok=True)
        # nginx's worker drops root: files must be readable by others, uploads writable.
        os.chmod(work, 0o755)
        os.chmod(self.root, 0o755)
        os.chmod(self.up, 0o777)
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
    server {{
        listen 127.0.0.1:{port};
        root {self.root};
        location /up/ {{
            dav_methods PUT;
            create_full_put_path on;
            client_max_body_size 64m;
        }}
    }}
}}
""")
        self.base = f"http://127.0.0.1:{port}"
        self.proc = spawn(SERVER_CPU + ["nginx", "-c", conf, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
        wait_for_port(port, self.proc)

    def add(self, name, data):
        path = os.path.join(self.root, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        return f"{self.base}/{name}"

    def upload_request(self, bodies, size):
        # A new random path per request (oha --rand-regex-url): every PUT creates a file.
        return dict(url=f"{self.base}/up/[a-z]{{24}}", method="PUT", body=bodies.raw(size),
                    ctype="image/png", headers=[], rand_url=True)

    def clear_uploads(self):
        empty_dir(self.up)
        os.sync()

    def cpu_pids(self):
        return process_tree(self.proc.pid)

    def rss_pids(self):
        workers = children(self.proc.pid)
        if not workers:
            raise RuntimeError("nginx has no worker process")
        return workers

    def stop(self):
        stop(self.proc)


class Rustypaste:
    name = "rustypaste"

    def __init__(self, binary, work, port):
        self.dir = os.path.join(work, "rustypaste")
        self.uploads = os.path.join(self.dir, "upload")
        os.makedirs(self.uploads, exist_ok=True)
        conf = os.path.join(self.dir, "config.toml")
        # Random names, so that the same body may be uploaded again (a taken name is a 409).
        with open(conf, "w") as f:
            f.write(f"""[server]
address = "127.0.0.1:{port}"
workers = 1
max_content_length = "64MiB"
upload_path = "{self.uploads}"

[paste]
random_url = {{ type = "alphanumeric", length = 16, suffix_mode = false }}
default_extension = "bin"
duplicate_files = true
""")
        self.base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, CONFIG=conf)
        self.proc = spawn(SERVER_CPU + [binary], cwd=self.dir, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port, self.proc)
        self.keep = set()

    def add(self, name, data):
        req = urllib.request.Request(self.base + "/", data=multipart(name, data), method="POST",
                                     headers={"Content-Type": MULTIPART_TYPE})
        with urllib.request.urlopen(req) as res:
            url = res.read().decode().strip()
        self.keep.add(url.rsplit("/", 1)[1])
        return url

    def upload_request(self, bodies, size):
        return dict(url=f"{self.base}/", method="POST", body=bodies.multipart(size), ctype=MULTIPART_TYPE,
                    headers=[], rand_url=False)

    def clear_uploads(self):
        empty_dir(self.uploads, keep=self.keep)
        os.sync()

    def cpu_pids(self):
        return [self.proc.pid]

    rss_pids = cpu_pids

    def stop(self):
        stop(self.proc)


class Bodies:
    """One body file per kind and size, written once, shared by all servers (same bytes)."""

    def __init__(self, work, files):
        self.dir = os.path.join(work, "bodies")
        os.makedirs(self.dir, exist_ok=True)
        self.files = files

    def _path(self, kind, size):
        path = os.path.join(self.dir, f"{kind}-{size.replace(' ', '')}.bin")
        if not os.path.exists(path):
            data = self.files[size]
            with open(path, "wb") as f:
                f.write(multipart("bench.png", data) if kind == "multipart" else data)
        return path

    def multipart(self, size):
        return self._path("multipart", size)

    def raw(self, size):
        return self._path("raw", size)


# ---------------------------------------------------------------------------------------------
# Load generators.

UNITS = {"": 1, "B": 1, "K": 1e3, "M": 1e6, "G": 1e9, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3,
         "TB": 1024 ** 4}
TIME_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def wrk(url, seconds, connections, headers=(), latency=False):
    cmd = LOAD_CPU + ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    if latency:
        cmd.append("--latency")
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True, timeout=seconds + 120).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed requests\n{out}")
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        raise RuntimeError(f"{url}: socket errors: {socket_errors.group(1)}\n{out}")
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    value, unit = re.search(r"Transfer/sec:\s+([\d.]+)(\w*)", out).groups()
    result["bps"] = float(value) * UNITS[unit]
    value, unit = re.search(r"requests in [\d.]+\w+, ([\d.]+)(\w*) read", out).groups()
    result["bytes"] = float(value) * UNITS[unit]
    if latency:
        for pct in ("50", "99"):
            value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(\w+)", out, re.M).groups()
            result[f"p{pct}"] = float(value) * TIME_UNITS[unit]
    return result


def oha(req, connections, seconds=None, requests=None):
    """Runs oha on one upload request; fails on any error or non-2xx answer."""
    cmd = LOAD_CPU + [OHA, "--no-tui", "--output-format", "json", "--worker-threads", "1",
                      "-c", str(connections), "-m", req["method"], "-D", req["body"], "-T", req["ctype"]]
    if seconds:
        # Requests in flight at the deadline finish and count (-w), so no partial upload is lost.
        cmd += ["-z", f"{seconds}s", "-w"]
    else:
        cmd += ["-n", str(requests)]
    for h in req["headers"]:
        cmd += ["-H", h]
    if req["rand_url"]:
        cmd.append("--rand-regex-url")
    cmd.append(req["url"])
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=(seconds or 60) + 600)
    if done.returncode != 0:
        raise RuntimeError(f"oha failed ({done.returncode}): {shlex.join(cmd)}\n{done.stderr}")
    result = json.loads(done.stdout)
    statuses = result["statusCodeDistribution"]
    bad = {code: n for code, n in statuses.items() if not code.startswith("2")}
    if bad or result["errorDistribution"]:
        raise RuntimeError(f"{req['url']}: non-2xx answers {bad}, errors {result['errorDistribution']}")
    ok = sum(statuses.values())
    if ok == 0 or (requests and ok != requests):
        raise RuntimeError(f"{req['url']}: {ok} successful uploads")
    return ok, result["summary"]["total"]


class Uploader:
    """Distinct 100 KB uploads to attache, GROWTH_CONNECTIONS in flight over keep-alive
    connections, each thread filling tickets of GROWTH_TICKET_SIZE attachments."""

    def __init__(self, attache, size):
        self.attache = attache
        self.base_data = bytearray(content(size))
        self.head, self.tail = multipart_parts("grow.png")
        self.nonce = os.urandom(8)
        self.counter = 0
        self.lock = threading.Lock()
        self.conns = [http.client.HTTPConnection("127.0.0.1", attache.port, timeout=120)
                      for _ in range(GROWTH_CONNECTIONS)]
        self.tickets = [[None, 0] for _ in range(GROWTH_CONNECTIONS)]

    def request(self, conn, method, path, body, ctype, expect):
        conn.request(method, path, body=body, headers={"Authorization": f"Bearer {self.attache.key}",
                                                       "Content-Type": ctype})
        res = conn.getresponse()
        data = res.read()
        if res.status != expect:
            raise RuntimeError(f"{method} {path}: {res.status} {data[:300]!r}")
        return data

    def worker(self, i, end, errors):
        conn, ticket = self.conns[i], self.tickets[i]
        try:
            while True:
                with self.lock:
                    if self.counter >= end:
                        return
                    n = self.counter
                    self.counter += 1
                if ticket[0] is None or ticket[1] >= GROWTH_TICKET_SIZE:
                    body = json.dumps({"subject": f"growth {i}-{n}"}).encode()
                    ticket[0] = json.loads(self.request(conn, "POST", "/v1/tickets", body, "application/json", 201))["id"]
                    ticket[1] = 0
                data = bytearray(self.base_data)
                data[8:24] = self.nonce + n.to_bytes(8, "little")  # a distinct SHA-256 per upload
                self.request(conn, "POST", f"/v1/tickets/{ticket[0]}/attachments",
                             self.head + bytes(data) + self.tail, MULTIPART_TYPE, 201)
                ticket[1] += 1
        except BaseException as err:  # noqa: BLE001 - reported by the caller
            errors.append(err)

    def upload(self, count):
        """Uploads `count` distinct files; returns uploads per second and the share of one core
        this process used meanwhile (to show whether the uploader itself was the limit)."""
        errors = []
        end = self.counter + count
        cpu = os.times()
        started = time.monotonic()
        threads = [threading.Thread(target=self.worker, args=(i, end, errors)) for i in range(GROWTH_CONNECTIONS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        if errors:
            raise RuntimeError(f"growth upload failed: {errors[0]!r}")
        now = os.times()
        return count / elapsed, (now.user + now.system - cpu.user - cpu.system) / elapsed

    def close(self):
        for conn in self.conns:
            conn.close()


def on_load_core(fn):
    """Runs fn with this thread (and the threads it starts) on the load generator's core."""
    if not LOAD_CORE:
        return fn()
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, LOAD_CORE)
    try:
        return fn()
    finally:
        os.sched_setaffinity(0, before)


# ---------------------------------------------------------------------------------------------
# The measurements.

class Results:
    def __init__(self):
        self.values = {}

    def add(self, key, server, value):
        self.values.setdefault((key, server), []).append(value)

    def get(self, key, server):
        return self.values.get((key, server))


def machine_limits(binary, work, runs, results):
    if not os.path.exists(binary):
        raise RuntimeError(f"{binary} is missing: build it with cargo build --release --example machine_limits")
    for run in range(runs):
        out = subprocess.run(SERVER_CPU + [binary, "--dir", work, "--threads", f"1,{UPLOAD_CONNECTIONS['100 KB']}"],
                             capture_output=True, text=True, check=True, timeout=600).stdout
        line = []
        for row in out.splitlines():
            name, value = row.split()
            results.add(("limit", name), "machine", float(value))
            line.append(f"{name} {value}")
        say(f"run {run + 1} machine limits: " + ", ".join(line))


def startup(binary, work, port, runs, results):
    for run in range(runs):
        data = os.path.join(work, "attache-startup")
        a = Attache(binary, data, port, ticket=False)
        try:
            time.sleep(0.5)
            rss = status_kib(a.proc.pid, "VmRSS")
        finally:
            a.stop()
        shutil.rmtree(data)
        results.add("startup", "attache", a.startup * 1000)
        results.add("idle_rss", "attache", rss / 1024)
        say(f"run {run + 1} attache start to /healthz {a.startup * 1000:.0f} ms, idle RSS {rss / 1024:.1f} MiB")


def downloads(servers, files, args, results):
    urls = {(s.name, f): s.add(f.replace(" ", "") + ".png", data) for s in servers for f, data in files.items()}
    cases = []
    for f in files:
        cases.append((f"dl {f}", f, ()))
        cases.append((f"dl {f} range", f, ("Range: bytes=0-65535",)))
    for run in range(args.runs):
        for key, f, headers in cases:
            order = servers if run % 2 == 0 else list(reversed(servers))
            for s in order:
                pids = s.cpu_pids()
                cpu = cpu_seconds(pids)
                r = wrk(urls[(s.name, f)], args.seconds, args.connections, headers)
                cpu = cpu_seconds(pids) - cpu
                results.add(key, s.name, r["rps"])
                results.add(key + " bytes", s.name, r["bps"])
                if f == "10 MB" and not headers:
                    results.add("cpu dl 10 MB", s.name, cpu / (r["bytes"] / GIB))
                say(f"run {run + 1} {key:24} {s.name:10} {r['rps']:10.0f} req/s {r['bps'] / 1e6:9.1f} MB/s"
                    f"  server CPU {cpu:.2f} s")


def metadata_latency(attache, args, results):
    ticket = attache.new_ticket("list latency")
    for i in range(LIST_ATTACHMENTS):
        upload(attache.base, attache.key, ticket, f"file-{i}.png", content(1000))
    url = f"{attache.base}/v1/tickets/{ticket}/attachments"
    for run in range(args.runs):
        r = wrk(url, args.seconds, LATENCY_CONNECTIONS, [f"Authorization: Bearer {attache.key}"], latency=True)
        results.add("list p50", "attache", r["p50"] * 1000)
        results.add("list p99", "attache", r["p99"] * 1000)
        results.add("list rps", "attache", r["rps"])
        say(f"run {run + 1} list of {LIST_ATTACHMENTS} attachments: p50 {r['p50'] * 1000:.2f} ms, "
            f"p99 {r['p99'] * 1000:.2f} ms, {r['rps']:.0f} req/s")


def uploads(servers, bodies, args, results):
    for run in range(args.runs):
        for size, connections in UPLOAD_CONNECTIONS.items():
            order = servers if run % 2 == 0 else list(reversed(servers))
            for s in order:
                s.clear_uploads()
                req = s.upload_request(bodies, size)
                pids = s.cpu_pids()
                cpu = cpu_seconds(pids)
                ok, total = oha(req, connections, seconds=args.seconds)
                cpu = cpu_seconds(pids) - cpu
                moved = ok * SIZES[size]
                results.add(f"up {size}", s.name, ok / total)
                results.add(f"up {size} bytes", s.name, moved / total)
                results.add(f"cpu up {size}", s.name, cpu / (moved / GIB))
                say(f"run {run + 1} upload {size:7} {s.name:10} {ok / total:10.0f} req/s {moved / total / 1e6:9.1f} MB/s"
                    f"  server CPU {cpu:.2f} s = {cpu / (moved / GIB):.2f} s/GiB")
    for s in servers:
        s.clear_uploads()


def peak_rss(servers, bodies, args, results):
    for run in range(args.runs):
        for label, size, connections, count in RSS_CASES:
            order = servers if run % 2 == 0 else list(reversed(servers))
            for s in order:
                s.clear_uploads()
                req = s.upload_request(bodies, size)
                pids = s.rss_pids()
                reset_peak_rss(pids)
                oha(req, connections, requests=count)
                peak = sum(status_kib(pid, "VmHWM") for pid in pids) / 1024
                results.add(f"rss {label}", s.name, peak)
                say(f"run {run + 1} peak RSS, {count} uploads of {size}, {connections} at once: {s.name:10} {peak:8.1f} MiB")
    for s in servers:
        s.clear_uploads()


def peak_rss_routes(a, bodies, args, results):
    size, connections, count = ROUTE_RSS
    for run in range(args.runs):
        for route in UPLOAD_ROUTES:
            a.clear_uploads()
            req = route_request(a, bodies, route, size)
            reset_peak_rss(a.rss_pids())
            oha(req, connections, requests=count)
            peak = status_kib(a.proc.pid, "VmHWM") / 1024
            results.add(f"rss route {route}", "attache", peak)
            say(f"run {run + 1} peak RSS, {count} uploads of {size}, {connections} at once, {route:20} {peak:8.1f} MiB")


def growth(binary, work, port, bodies, args, results, notes):
    """100 KB upload throughput from an empty store to --blobs distinct blobs."""
    blobs = args.blobs
    free = shutil.disk_usage(work).free
    if blobs > 0 and free < blobs * SIZES["100 KB"] + GROWTH_HEADROOM:
        fits = max(0, (free - GROWTH_HEADROOM) // SIZES["100 KB"])
        fits -= fits % (GROWTH_SEGMENTS * 100)
        note = (f"Store growth: only {free / 1e9:.1f} GB free, so {fits:,} blobs instead of {blobs:,} "
                f"({blobs * SIZES['100 KB'] / 1e9:.1f} GB of blobs and {GROWTH_HEADROOM / 1e9:.0f} GB to spare needed).")
        blobs = fits if fits >= 1000 else 0
        if not blobs:
            note += " Skipped."
        say(note)
        notes.append(note)
    if blobs <= 0:
        return 0
    data = os.path.join(work, "attache-growth")
    a = Attache(binary, data, port)
    try:
        req = a.upload_request(bodies, "100 KB")
        for run in range(args.runs):
            os.sync()  # no writeback of earlier uploads during the measurement, as before the full one
            ok, total = oha(req, UPLOAD_CONNECTIONS["100 KB"], seconds=args.seconds)
            results.add("grow oha empty", "attache", ok / total)
            say(f"run {run + 1} growth: oha 100 KB upload, empty store: {ok / total:.0f} req/s")
        uploader = Uploader(a, SIZES["100 KB"])
        try:
            step = blobs // GROWTH_SEGMENTS
            for segment in range(GROWTH_SEGMENTS):
                count = step if segment < GROWTH_SEGMENTS - 1 else blobs - step * segment
                rate, busy = on_load_core(lambda: uploader.upload(count))
                results.add(("grow segment", segment), "attache", rate)
                results.add("grow uploader cpu", "attache", busy * 100)
                say(f"growth: blobs {segment * step:,} to {segment * step + count:,}: {rate:.0f} distinct uploads/s"
                    f" (uploader busy {busy * 100:.0f}% of a core)")
        finally:
            uploader.close()
        for run in range(args.runs):
            os.sync()  # the fill's writeback would otherwise still be running
            ok, total = oha(req, UPLOAD_CONNECTIONS["100 KB"], seconds=args.seconds)
            results.add("grow oha full", "attache", ok / total)
            say(f"run {run + 1} growth: oha 100 KB upload at {blobs:,} blobs: {ok / total:.0f} req/s")
    finally:
        a.stop()
        shutil.rmtree(data, ignore_errors=True)
        os.sync()
    # The reference point for growth: the filesystem alone, filled the same way (fs_growth.py).
    out = subprocess.run(SERVER_CPU + [sys.executable, os.path.join(ROOT, "bench", "fs_growth.py"),
                                       os.path.join(work, "fs-growth"), str(blobs)],
                         capture_output=True, text=True, check=True, timeout=3600).stdout
    for i, line in enumerate(out.splitlines()):
        rate = float(line.rsplit(": ", 1)[1].split()[0].replace(",", ""))
        results.add(("fs grow segment", i), "attache", rate)
        say(f"growth, filesystem alone: {line}")
    os.sync()
    return blobs


# ---------------------------------------------------------------------------------------------
# The report.

ANALYSIS = "## Where attache stands"
SERVERS = ["attache", "nginx", "rustypaste"]


def median(xs):
    return statistics.median(xs) if xs else None


def cell(xs, decimals):
    if not xs:
        return "—"
    f = lambda x: f"{x:,.{decimals}f}"
    return f"{f(median(xs))} ({f(min(xs))}-{f(max(xs))})" if len(xs) > 1 else f(xs[0])


def ratio(a, b):
    return f"{median(a) / median(b):.2f}" if a and b and median(b) else "—"


def verdict(ok):
    return "**met**" if ok else "**not met**"


def build_rows(results, blobs):
    """(label, values per server, decimals, target text) for the main table."""
    g = results.get
    rows = []

    def add(label, key, decimals, target=None, scale=1.0):
        values = {s: [v * scale for v in g(key, s) or []] for s in SERVERS}
        rows.append((label, values, decimals, target(values) if target else ""))

    def vs(values, server, factor):
        a, b = median(values["attache"]), median(values[server])
        return a is not None and b is not None and a >= factor * b

    def at_most(limit):
        return lambda v: f"≤ {limit:g}: " + verdict(median(v["attache"]) is not None and median(v["attache"]) <= limit)

    add("100 KB signed download (req/s)", "dl 100 KB", 0,
        lambda v: "≥ 0.7× nginx: " + verdict(vs(v, "nginx", 0.7)) + "; ≥ 5× rustypaste: " + verdict(vs(v, "rustypaste", 5)))
    add("100 KB download, Range 64 KiB (req/s)", "dl 100 KB range", 0)
    add("10 MB signed download (MB/s)", "dl 10 MB bytes", 0, lambda v: "≥ 0.9× nginx: " + verdict(vs(v, "nginx", 0.9)),
        scale=1e-6)
    add("10 MB download, Range 64 KiB (req/s)", "dl 10 MB range", 0)
    add("100 KB upload (req/s)", "up 100 KB", 0, lambda v: "≥ 1.0× nginx: " + verdict(vs(v, "nginx", 1.0)))
    add("10 MB upload (MB/s)", "up 10 MB bytes", 0, lambda v: "≥ 0.8× nginx: " + verdict(vs(v, "nginx", 0.8)), scale=1e-6)
    add("server CPU-s per GiB, 10 MB upload", "cpu up 10 MB", 2, at_most(1.2))
    add("server CPU-s per GiB, 10 MB download", "cpu dl 10 MB", 2)
    add("peak RSS, 8 × 10 MB uploads at once (MiB)", "rss 8 × 10 MB", 1)
    add("peak RSS, 32 × 30 MiB uploads at once (MiB)", "rss 32 × 30 MiB", 1, at_most(64))
    for route in UPLOAD_ROUTES:
        add(f"peak RSS, 32 × 30 MiB uploads at once, {route} (MiB)", f"rss route {route}", 1, at_most(100))
    add("idle RSS after start (MiB)", "idle_rss", 1, at_most(20))
    add("start to first answered /healthz (ms)", "startup", 0)
    add(f"list of {LIST_ATTACHMENTS} attachments, p50 (ms)", "list p50", 2)
    add(f"list of {LIST_ATTACHMENTS} attachments, p99 (ms)", "list p99", 2)
    add(f"list of {LIST_ATTACHMENTS} attachments (req/s)", "list rps", 0)
    if blobs:
        segs = [g(("grow segment", i), "attache") for i in range(GROWTH_SEGMENTS)]
        step = blobs // GROWTH_SEGMENTS
        first, last = segs[0], segs[-1]
        rows.append((f"100 KB distinct uploads, blobs 0-{step:,} (req/s)", {"attache": first}, 0, ""))
        rows.append((f"100 KB distinct uploads, blobs {blobs - step:,}-{blobs:,} (req/s)", {"attache": last}, 0, ""))
        growth_ratio = median(last) / median(first)
        rows.append((f"distinct uploads/s, last {step:,} / first {step:,}", {"attache": [growth_ratio]}, 2,
                     "≥ 0.9 (within 10% of empty): " + verdict(growth_ratio >= 0.9)))
        fs = [g(("fs grow segment", i), "attache") for i in range(GROWTH_SEGMENTS)]
        if all(fs):
            fs_ratio = median(fs[-1]) / median(fs[0])
            rows.append((f"filesystem alone (bench/fs_growth.py): last {step:,} / first {step:,}",
                         {"attache": [fs_ratio]}, 2, "the machine's own slowdown, for comparison"))
        empty, full = g("grow oha empty", "attache"), g("grow oha full", "attache")
        rows.append(("100 KB upload (oha), empty store (req/s)", {"attache": empty}, 0, ""))
        rows.append((f"100 KB upload (oha), at {blobs:,} blobs (req/s)", {"attache": full}, 0, ""))
        oha_ratio = median(full) / median(empty)
        rows.append((f"oha uploads: at {blobs:,} blobs / empty", {"attache": [oha_ratio]}, 2,
                     "≥ 0.9 (within 10% of empty): " + verdict(oha_ratio >= 0.9)))
    return rows


LIMITS = [
    ("sha256_mb_per_s", "SHA-256 (sha2 crate), one core (MB/s)", 0),
    ("seq_write_fsync_mb_per_s", "sequential write of one file + fsync (MB/s)", 0),
    ("durable_files_per_s_1_threads", "durable 100 KB file creations, 1 thread (files/s)", 0),
    (f"durable_files_per_s_{UPLOAD_CONNECTIONS['100 KB']}_threads",
     f"durable 100 KB file creations, {UPLOAD_CONNECTIONS['100 KB']} threads (files/s)", 0),
]


def write_report(args, results, blobs, notes, started):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    command = shlex.join(["python3", "bench/bench.py"] + sys.argv[1:])
    if os.environ.get("BENCH_COMMAND"):
        command = f"{os.environ['BENCH_COMMAND']}` (= `{command}"
    rows = build_rows(results, blobs)
    table = [
        "| measurement | attache | nginx | rustypaste | attache / nginx | attache / rustypaste | target (issue 5) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, values, decimals, target in rows:
        a, n, r = (values.get(s) for s in SERVERS)
        table.append(f"| {label} | {cell(a, decimals)} | {cell(n, decimals)} | {cell(r, decimals)} | "
                     f"{ratio(a, n)} | {ratio(a, r)} | {target} |")
    limits = ["| machine limit | value |", "|---|---|"]
    for key, label, decimals in LIMITS:
        limits.append(f"| {label} | {cell(results.get(('limit', key), 'machine'), decimals)} |")
        if key == "sha256_mb_per_s" and results.get(("limit", key), "machine"):
            per_gib = [GIB / 1e6 / v for v in results.get(("limit", key), "machine")]
            limits.append(f"| SHA-256 alone, CPU-s per GiB (from the line above) | {cell(per_gib, 2)} |")
    segments = []
    if blobs:
        step = blobs // GROWTH_SEGMENTS
        segments = ["| blobs in the store | attache: distinct 100 KB uploads/s | filesystem alone: durable 100 KB files/s |",
                    "|---|---|---|"]
        for i in range(GROWTH_SEGMENTS):
            end = blobs if i == GROWTH_SEGMENTS - 1 else (i + 1) * step
            segments.append(f"| {i * step:,} to {end:,} | {cell(results.get(('grow segment', i), 'attache'), 0)} | "
                            f"{cell(results.get(('fs grow segment', i), 'attache'), 0)} |")
    minutes = (time.monotonic() - started) / 60
    lines = [
        "# Benchmarks",
        "",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {CORES} cores ({cpu}), "
        f"{platform.system()} {platform.release()}; the run took {minutes:.0f} minutes.",
        f"Command: `{command}`" + (")." if os.environ.get("BENCH_COMMAND") else "."),
        "",
        "Load: servers pinned to core 0 and load generators to core 1 (taskset); attache with one "
        "worker (`--workers 1 --rate-limit 0 --max-attachments 1000 --max-uploads-in-flight 1000`, uploads spread over 64 tickets), nginx with one worker "
        "process, rustypaste with one worker; all on 127.0.0.1. Medians of "
        f"{args.runs} interleaved runs, min-max in brackets. "
        f"Downloads: wrk, 1 thread, {args.connections} connections, {args.seconds} s. "
        f"Uploads: oha, {UPLOAD_CONNECTIONS['100 KB']} connections for 100 KB and "
        f"{UPLOAD_CONNECTIONS['10 MB']} for 10 MB, {args.seconds} s (requests in flight at the end "
        "finish and count), uploads deleted and `sync` between runs (attache: a fresh data directory). "
        "attache and rustypaste get multipart/form-data with a `file` part, nginx a WebDAV PUT of the "
        "bare file. Peak RSS: "
        + "; ".join(f"{count} uploads of {size}, {c} at once" for _, size, c, count in RSS_CASES)
        + ", VmHWM after `clear_refs` (nginx: its worker); for attache also through each upload route "
        f"({ROUTE_RSS[2]} uploads of {ROUTE_RSS[0]}, {ROUTE_RSS[1]} at once, Huawei's JSON upload carrying "
        "the file base64-encoded). CPU: utime+stime of the server's processes "
        "from /proc over the measurement, per GiB of file bytes moved. "
        f"List latency: wrk --latency, {LATENCY_CONNECTIONS} connections, {args.seconds} s. "
        + (f"Store growth: {blobs:,} distinct 100 KB uploads in {GROWTH_SEGMENTS} segments by a Python "
           f"uploader ({GROWTH_CONNECTIONS} keep-alive connections, tickets of {GROWTH_TICKET_SIZE}), "
           "plus oha 100 KB uploads on the empty and on the full store." if blobs else "Store growth: skipped."),
        "",
    ] + table + [""]
    if segments:
        busy = results.get("grow uploader cpu", "attache")
        lines += [f"Store growth, attache (the Python uploader, on core 1, kept {min(busy):.0f}-{max(busy):.0f}% "
                  "of that core busy):", ""] + segments + [""]
    lines += ["The machine's own limits (`examples/machine_limits.rs`, pinned to core 0, in the work "
              "directory, on the data directories' filesystem):", ""] + limits + [""]
    lines += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    kept = ""
    if os.path.exists(args.out):
        previous = open(args.out).read()
        if ANALYSIS in previous:
            kept = previous[previous.index(ANALYSIS):]
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + ("\n" + kept if kept else ""))
    say("\n".join(lines))


STANDING_NOTES = [
    "oha (1.16.0) sends one fixed body per run (`-D`). Its only per-request body option, `-Z`, "
    "picks a random line of a text file (with repeats), which can carry neither multipart framing "
    "(CRLF) nor the PNG signature (not UTF-8). So in the oha upload and peak-RSS measurements every "
    "attache upload after the first is a duplicate of the first: attache still streams, sniffs, "
    "hashes, writes and fsyncs the whole temporary file and records a row; it only skips linking "
    "the blob into place (and that folder's fsync). nginx gets a new random path per request (`--rand-regex-url`) and "
    "rustypaste a new random name (`random_url`), so both create a new file every time. The "
    "store-growth uploader sends distinct bodies.",
    "Durability differs: before answering, attache fsyncs each upload's temporary file (and, for a "
    "new blob, the folder it is linked into) and commits to SQLite (WAL, synchronous=FULL); "
    "nginx's DAV PUT and rustypaste write without fsync. "
    "rustypaste also holds each upload whole in memory before writing it.",
    "Logging as shipped: attache logs a line per request (to stderr, discarded here), rustypaste "
    "likewise; nginx has access_log off.",
    "Downloads fetch the same URL over and over, so attache serves them from its cache of recently "
    "downloaded attachments (row and open file, 256 entries) and from the page cache; the HMAC is "
    "still checked on every request. A cache miss costs one trip to the blocking pool for the row "
    "and the open; a chunk not in the page cache is read on the blocking pool.",
    "MB = 10^6 bytes; GiB = 2^30 bytes. Upload throughput counts file bytes (not multipart framing).",
]


def main():
    # A SIGTERM unwinds like an error, so every server started is stopped by the `finally`s.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16, help="wrk connections for downloads")
    parser.add_argument("--blobs", type=int, default=50_000, help="store growth: distinct blobs (0 skips)")
    parser.add_argument("--binary", default=os.path.join(TARGET, "release", "attache"))
    parser.add_argument("--machine-limits", default=os.path.join(TARGET, "release", "examples", "machine_limits"))
    parser.add_argument("--port-base", type=int, default=18080, help="uses this port and the next three")
    parser.add_argument("--work-dir", default=None, help="parent of the temporary work directory")
    parser.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--only-route-rss", action="store_true",
                        help="measure only the peak RSS per upload route, print it, write no report")
    parser.add_argument("--only-object-store", action="store_true",
                        help="downloads and uploads through the object store (s3s-fs) beside the local "
                             "store; print the ratios, write no report")
    parser.add_argument("--only-nodes", action="store_true",
                        help="uploads and downloads through two attache nodes against one, on PostgreSQL "
                             "and one s3s-fs bucket; print the ratios, write no report")
    args = parser.parse_args()
    global OHA
    OHA = find_tool("oha")
    rustypaste_bin = find_tool("rustypaste")
    for tool in ("nginx", "wrk") + (("taskset",) if SERVER_CPU else ()):
        find_tool(tool)
    if not os.path.exists(args.binary):
        raise RuntimeError(f"{args.binary} is missing: cargo build --release")
    started = time.monotonic()
    versions = subprocess.run([OHA, "--version"], capture_output=True, text=True).stdout.strip()
    say(f"tools: {versions}, rustypaste {rustypaste_bin}, {CORES} cores")
    port = args.port_base
    work = tempfile.mkdtemp(prefix="attache-bench-", dir=args.work_dir)
    results, notes = Results(), list(STANDING_NOTES)
    servers = []
    if args.only_object_store or args.only_nodes:
        s3s_fs = os.path.join(TARGET, "s3-tools", "bin", "s3s-fs")
        if not os.path.exists(s3s_fs):
            raise RuntimeError(f"{s3s_fs} is missing: see .ci/run for how to build it")
        try:
            files = {f: content(n) for f, n in SIZES.items()}
            run = nodes if args.only_nodes else object_store
            run(args.binary, s3s_fs, work, port, Bodies(work, files), files, args)
        finally:
            for proc in list(PROCS):
                stop(proc)
            shutil.rmtree(work, ignore_errors=True)
        return 0
    if args.only_route_rss:
        a = Attache(args.binary, os.path.join(work, "attache-routes"), port)
        try:
            files = {"30 MiB": content(SIZES["30 MiB"])}
            peak_rss_routes(a, Bodies(work, files), args, results)
        finally:
            a.stop()
            shutil.rmtree(work, ignore_errors=True)
        return 0
    try:
        say("== machine limits")
        machine_limits(args.machine_limits, work, args.runs, results)
        say("== start-up and idle memory")
        startup(args.binary, work, port + 3, args.runs, results)
        files = {size: content(n) for size, n in SIZES.items()}
        bodies = Bodies(work, files)
        say("== downloads and list latency")
        attache = Attache(args.binary, os.path.join(work, "attache-data"), port)
        servers = [attache, Nginx(work, port + 1), Rustypaste(rustypaste_bin, work, port + 2)]
        downloads(servers, {f: files[f] for f in ("100 KB", "10 MB")}, args, results)
        metadata_latency(attache, args, results)
        attache.stop()
        shutil.rmtree(attache.data)
        say("== uploads")
        servers[0] = Attache(args.binary, os.path.join(work, "attache-upload"), port + 3)
        uploads(servers, bodies, args, results)
        say("== peak RSS under concurrent uploads")
        peak_rss(servers, bodies, args, results)
        say("== peak RSS per upload route")
        peak_rss_routes(servers[0], bodies, args, results)
        servers[0].stop()
        shutil.rmtree(servers[0].data)
        say("== store growth")
        blobs = growth(args.binary, work, port + 3, bodies, args, results, notes)
        for s in servers:
            s.stop()
        write_report(args, results, blobs, notes, started)
    finally:
        for s in servers:
            s.stop()
        for proc in list(PROCS):
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
