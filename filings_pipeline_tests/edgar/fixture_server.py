"""A real HTTP server on 127.0.0.1 that lays out ../shared/fixtures/edgar at EDGAR's URL paths.

It can inject SEC's real error bodies (throttle page, 503, undeclared tool), answers conditional
requests for index files, serves extra generated files (e.g. a day's master index), and logs
every request with its arrival time, path, status and headers.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

MAINTENANCE_503 = (
    b"<html><head><title>SEC.gov | File Unavailable</title></head><body><h1>File Unavailable"
    b"</h1><p>The file you requested is unavailable; the site is undergoing maintenance.</p>"
    b"</body></html>"
)
UNDECLARED_403 = (
    b"<html><head><title>SEC.gov | Your Request Originates from an Undeclared Automated Tool"
    b"</title></head><body>Your Request Originates from an Undeclared Automated Tool</body></html>"
)
NO_SUCH_KEY_404 = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code></Error>"


@dataclass
class Logged:
    at: float
    path: str
    status: int
    headers: dict[str, str]


@dataclass
class Injection:
    pattern: str
    status: int
    body: bytes
    content_type: str = "text/html"
    times: int = 1


@dataclass
class ServerState:
    root: Path
    extra: dict[str, bytes] = field(default_factory=dict)
    injections: list[Injection] = field(default_factory=list)
    log: list[Logged] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(
        self, pattern: str, status: int, body: bytes, times: int = 1, ctype: str = "text/html"
    ):
        with self.lock:
            self.injections.append(Injection(pattern, status, body, ctype, times))

    def requests_for(self, needle: str) -> list[Logged]:
        with self.lock:
            return [r for r in self.log if needle in r.path]


def _acc(nodash: str) -> str:
    return f"{nodash[:10]}-{nodash[10:12]}-{nodash[12:]}"


@functools.cache
def fixture_ciks(folder: Path) -> frozenset[int]:
    """CIKs a fixture filing is filed under (empty when the fixture does not say)."""
    found: set[int] = set()
    for file in folder.glob("*-index.html"):
        found |= {int(c) for c in re.findall(r"CIK=(\d+)", file.read_text(errors="replace"))}
    for file in folder.glob("*.txt"):
        head = file.read_text(encoding="latin-1")[:20000]
        found |= {int(c) for c in re.findall(r"CENTRAL INDEX KEY:\s*(\d+)", head)}
    return frozenset(found)


def _filed_under(root: Path, cik: str, acc: str) -> bool:
    ciks = fixture_ciks(root / "filings" / acc)
    return not ciks or int(cik) in ciks


def resolve(root: Path, path: str) -> Path | None:
    """Fixture file for an EDGAR URL path, or None (also when the CIK in the path is wrong)."""
    m = re.fullmatch(r"/Archives/edgar/daily-index/\d{4}/QTR\d/([\w.]+\.idx)", path)
    if m:
        return root / "index" / m.group(1)
    m = re.fullmatch(r"/Archives/edgar/data/(\d+)/(\d{10}-\d{2}-\d{6})-index\.html?", path)
    if m and _filed_under(root, m.group(1), m.group(2)):
        return root / "filings" / m.group(2) / f"{m.group(2)}-index.html"
    m = re.fullmatch(r"/Archives/edgar/data/(\d+)/(\d{18})/([\w.-]+)", path)
    if m and _filed_under(root, m.group(1), _acc(m.group(2))):
        return root / "filings" / _acc(m.group(2)) / m.group(3)
    if path == "/files/company_tickers.json":
        return root / "reference" / "company_tickers.json"
    m = re.fullmatch(r"/submissions/(CIK\d{10}(?:-submissions-\d{3})?\.json)", path)
    if m:
        return root / "submissions" / m.group(1)
    if path == "/cgi-bin/browse-edgar":
        return root / "feeds" / "getcurrent_2026-01-12_count100_start0.atom.xml"
    return None


def _handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            at = time.time()
            path = urlsplit(self.path).path
            status, body, ctype, extra = self._answer(path)
            with state.lock:
                state.log.append(Logged(at, self.path, status, dict(self.headers.items())))
            self._send(status, body, ctype, extra)

        def _answer(self, path: str):
            with state.lock:
                for inj in state.injections:
                    if inj.times > 0 and re.search(inj.pattern, path):
                        inj.times -= 1
                        return inj.status, inj.body, inj.content_type, None
            if path in state.extra:
                body = state.extra[path]
            else:
                file = resolve(state.root, path)
                if file is None or not file.is_file():
                    if path.startswith("/submissions/"):
                        return 404, NO_SUCH_KEY_404, "application/xml", None
                    denied = (state.root / "errors" / "archives_missing_path_403.xml").read_bytes()
                    return 403, denied, "application/xml", None
                body = file.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            if self.headers.get("If-None-Match") == etag:
                return 304, b"", "text/plain", {"ETag": etag}
            return 200, body, "application/octet-stream", {"ETag": etag}

    return Handler


class FixtureServer:
    """Start with `with FixtureServer(root) as srv:`; `srv.url` is http://127.0.0.1:PORT."""

    def __init__(self, root: Path) -> None:
        self.state = ServerState(root)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def archives_url(self) -> str:
        return f"{self.url}/Archives"

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
