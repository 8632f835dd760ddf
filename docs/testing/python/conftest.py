"""pytest fixtures that run attache as a test double: one server per test session, on a free
port, with a fresh data directory, reset to a clean state before each test.

    ATTACHE_BIN=/path/to/attache python -m pytest docs/testing/python
"""
import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest


class Attache:
    """The running server: its base URL and the admin key it printed."""

    def __init__(self, url, key):
        self.url, self.key = url, key

    def call(self, method, path, body=None, headers=None):
        """(status, headers, parsed JSON or None) of one request with the admin key."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.key}",
                                              "Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req) as res:
                raw = res.read()
                return res.status, res.headers, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, err.headers, json.loads(raw) if raw else None

    def inject(self, **rule):
        status, _, body = self.call("POST", "/_attache/faults", rule)
        assert status == 201, body

    def journal(self, **filters):
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        return self.call("GET", f"/_attache/requests?{query}")[2]


@pytest.fixture(scope="session")
def attache_server(tmp_path_factory):
    ready = tmp_path_factory.mktemp("attache") / "url"
    proc = subprocess.Popen(
        [os.environ.get("ATTACHE_BIN", "attache"), "serve", "--ephemeral", "--test-mode",
         "--listen", "127.0.0.1:0", "--ready-file", str(ready)],
        stdout=subprocess.PIPE, text=True)
    key = proc.stdout.readline().split("\t")[2].strip()  # the first admin key it made
    for _ in range(200):
        if ready.exists() and ready.read_text().endswith("\n"):
            break
        time.sleep(0.05)
    yield Attache(ready.read_text().strip(), key)
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def attache(attache_server):
    """The server, back to its starting state: no tickets, no faults, an empty journal."""
    status, _, _ = attache_server.call("POST", "/_attache/reset")
    assert status == 204
    return attache_server
