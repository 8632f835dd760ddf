#!/usr/bin/env python3
"""Two attache binaries side by side, in one round: 10 MB and 100 KB uploads (oha) and signed
downloads (wrk), interleaved, each on a fresh data directory, server on core 0 and load on
core 1, 127.0.0.1 only. For telling a code change from a change of the machine, which
bench/run.sh (attache against nginx and rustypaste) cannot do across days.

    bench/ab.py OLD_BINARY NEW_BINARY    # both release builds; needs oha (bench/run.sh installs it) and wrk

Prints one line per run: req/s, status codes, peak RSS (VmHWM) and server CPU seconds.
"""
import json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request

OHA = os.environ.get("OHA", os.path.join(os.path.dirname(__file__), "..", "target", "bench-tools", "bin", "oha"))
BOUNDARY = "abtestboundary1234"
PORT = 18190


def multipart(size):
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(size)
    head = f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
    return head.encode() + png + f"\r\n--{BOUNDARY}--\r\n".encode()


def start(binary, data):
    args = ["taskset", "-c", "0", binary, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{PORT}",
            "--rate-limit", "0", "--workers", "1", "--max-attachments", "1000000"]
    if "--max-uploads-in-flight" in subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout:
        args += ["--max-uploads-in-flight", "1000"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    key = proc.stdout.readline().split("\t")[2].strip()
    time.sleep(0.3)
    return proc, key


def call(path, key, data=None, ctype="application/json"):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data,
                                 headers={"Authorization": "Bearer " + key, "Content-Type": ctype})
    return json.load(urllib.request.urlopen(req))


def measure(binary, kind, body):
    data = tempfile.mkdtemp(prefix="attache-ab-")
    proc, key = start(binary, data)
    try:
        ticket = call("/v1/tickets", key, b'{"subject": "ab"}')["id"]
        path = f"/v1/tickets/{ticket}/attachments"
        if kind == "upload":
            with tempfile.NamedTemporaryFile() as f:
                f.write(body)
                f.flush()
                conns = "8" if len(body) > 1_000_000 else "16"
                out = subprocess.run(["taskset", "-c", "1", OHA, "-z", "5s", "-c", conns, "--no-tui", "--output-format", "json",
                                      "-m", "POST", "-H", "Authorization: Bearer " + key,
                                      "-T", f"multipart/form-data; boundary={BOUNDARY}", "-D", f.name,
                                      f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True).stdout
            summary = json.loads(out)
            rate, codes = summary["summary"]["requestsPerSec"], summary.get("statusCodeDistribution", {})
        else:
            attachment = call(path, key, body, f"multipart/form-data; boundary={BOUNDARY}")["id"]
            url = call(f"{path}/{attachment}/download", key)["signed_url"]
            out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c16", "-d5s", url], capture_output=True, text=True).stdout
            rate, codes = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), {}
        with open(f"/proc/{proc.pid}/status") as s:
            hwm = int(re.search(r"VmHWM:\s+(\d+)", s.read()).group(1)) // 1024
        stat = open(f"/proc/{proc.pid}/stat").read().split()
        cpu = (int(stat[13]) + int(stat[14])) / os.sysconf("SC_CLK_TCK")
        return rate, codes, hwm, cpu
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(["sync"])


def main():
    binaries = {"old": sys.argv[1], "new": sys.argv[2]}
    for kind, label, size in [("upload", "10 MB", 10_000_000), ("upload", "100 KB", 100_000),
                              ("download", "10 MB", 10_000_000), ("download", "100 KB", 100_000)]:
        body = multipart(size)
        for rnd in range(3):
            for name in (["old", "new"] if rnd % 2 == 0 else ["new", "old"]):
                rate, codes, hwm, cpu = measure(binaries[name], kind, body)
                print(f"{kind} {label} round {rnd} {name}: {rate:9.1f} req/s  {codes}  VmHWM {hwm} MiB  cpu {cpu:.2f} s",
                      flush=True)


if __name__ == "__main__":
    main()
