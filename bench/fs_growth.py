#!/usr/bin/env python3
"""The filesystem alone as a store fills: durable 100 KB file creations the way attache makes a
new blob (write a temporary file, fsync it, hard-link it to sha256/ab/cd/<hex>, fsync that
folder; a new folder is synced with its parents), from 16 threads, reported per tenth.

    taskset -c 0 python3 bench/fs_growth.py DIR [COUNT] [--flat]

DIR must be on the filesystem of the data directory and is removed at the end. --flat uses
one folder level (sha256/ab/<hex>) instead of two. No HTTP, no SQLite: if this slows down as
it fills, so will any store on this machine (see BENCHMARKS.md, store growth).
"""

import hashlib
import os
import shutil
import sys
import threading
import time


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flat = "--flat" in sys.argv
    root = args[0]
    total = int(args[1]) if len(args) > 1 else 50_000
    tenth = total // 10
    os.makedirs(os.path.join(root, "tmp"))
    lock = threading.Lock()
    made = [0]
    limit = [0]

    def work(worker):
        while True:
            with lock:
                if made[0] >= limit[0]:
                    return
                made[0] += 1
            data = os.urandom(100_000)
            digest = hashlib.sha256(data).hexdigest()
            tmp = os.path.join(root, "tmp", str(worker))
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            parts = [digest[:2]] if flat else [digest[:2], digest[2:4]]
            folder = os.path.join(root, "sha256", *parts)
            if not os.path.isdir(folder):
                os.makedirs(folder, exist_ok=True)
                fsync_dir(os.path.dirname(folder))
                fsync_dir(root)
            os.link(tmp, os.path.join(folder, digest))
            fsync_dir(folder)
            os.unlink(tmp)

    try:
        for step in range(10):
            limit[0] = (step + 1) * tenth
            started = time.monotonic()
            threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rate = tenth / (time.monotonic() - started)
            print(f"{step * tenth:,} to {(step + 1) * tenth:,} files: {rate:,.0f} files/s", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
