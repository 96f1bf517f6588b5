"""A local HTTP server laid out like EDGAR, for tests, benchmarks and offline "live" runs.

One server answers for both hosts:

* ``www.sec.gov`` paths (``/Archives/...``, ``/files/...``, ``/cgi-bin/browse-edgar``) are served
  from ``<root>/www.sec.gov/...``; a missing path answers **403** with S3 ``AccessDenied`` XML.
* ``data.sec.gov`` paths (``/submissions/...``, ``/api/xbrl/...``) are served from
  ``<root>/data.sec.gov/...``; a missing key answers **404** ``NoSuchKey`` XML. The explicit
  prefixes ``/www.sec.gov/...`` and ``/data.sec.gov/...`` also work.

So point ``EDGAR_ARCHIVES_URL`` at ``<base>/Archives`` and ``EDGAR_DATA_URL`` at ``<base>``.
Besides generated mirror roots it can serve the real fixture folder (``fixtures=``), mapped to
EDGAR's URL paths by :func:`fixture_routes`.

Behaves like EDGAR: ``ETag``/``Last-Modified`` with 304 answers, a required ``User-Agent``
with an email-like identity (403 "Undeclared Automated Tool" page otherwise), an optional rate
limit (throttle page when more than N requests arrive in any one-second window), injectable
throttle/maintenance answers (canned pages or given bytes, e.g. SEC's real pages), files put in
memory at a path (:meth:`MirrorServer.put`, e.g. a day's index republished), and a log of every
request with its headers (optionally appended to JSONL).

Live mode (``devtools/live_feed.py``): a generated mirror is also served as the latest-filings
Atom feed (``/cgi-bin/browse-edgar?action=getcurrent&type=…&start=…&count=…&output=atom``, newest
first), and a release clock (:meth:`MirrorServer.release`, :meth:`release_by_acceptance`) makes
filings public over time: before its release a filing's documents answer 404 and it is absent
from the feed, its day's index and its company's submissions JSON; :meth:`withhold_index`
holds a day's index back (SEC builds it at night) and :meth:`hide_from_feed` keeps a filing
out of the feed (one the feed missed).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import mimetypes
import re
import secrets
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from filings_pipeline.devtools.live_feed import (
    FeedRow,
    ReleaseClock,
    feed_rows,
    filter_index,
    filter_submissions,
    offsets_by_acceptance,
    render_feed,
)

WWW = "www.sec.gov"
DATA = "data.sec.gov"
DATA_PREFIXES = ("/submissions/", "/api/")

ACCESS_DENIED_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
    "<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
)
NO_SUCH_KEY_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
    "<Key>{key}</Key><RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
)
THROTTLE_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>SEC.gov | Request Rate Threshold Exceeded</title></head>
<body>
<h1>Your Request Originates from an Unclassified or Automated Tool</h1>
<p>Your request has been identified as part of a network of automated tools outside of the
acceptable policy and will be managed until action is taken to declare your traffic.</p>
<p>To allow for equitable access to all users, SEC reserves the right to limit requests
originating from undeclared automated tools. Current max request rate: 10 requests/second.</p>
<p>Please declare your traffic by updating your user agent to include company specific
information. Access will be limited for 10 minutes.</p>
<p>Reference ID: {request_id}</p>
</body>
</html>
"""
UNDECLARED_TOOL_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>SEC.gov | Your Request Originates from an Undeclared Automated Tool</title></head>
<body>
<h1>Your Request Originates from an Undeclared Automated Tool</h1>
<p>To allow for equitable access to all users, SEC reserves the right to limit requests
originating from undeclared automated tools. Please declare your traffic by updating your
user agent to include company specific information, for example
<code>Sample Company Name AdminContact@samplecompany.com</code>.</p>
<p>Reference ID: {request_id}</p>
</body>
</html>
"""  # noqa: E501
MAINTENANCE_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>SEC.gov | File Unavailable</title></head>
<body>
<h1>File Unavailable</h1>
<p>The file you requested is temporarily unavailable because this part of SEC.gov is
undergoing maintenance. Please try again later.</p>
</body>
</html>
"""

FEED_END = 2000  # a generated feed answers 503 from start=2000 on (EDGAR's paging limit)
BODY_KINDS = ("throttle", "maintenance", "access_denied", "undeclared")
EMAIL_RE = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}")

# Real fixture accession folders -> filer CIK (from fixtures/edgar/PROVENANCE.md). A folder not
# listed here (the 2003 LG&E/KU 8-K, whose CIKs the fixture does not state) is served under the
# accession's prefix.
FIXTURE_CIKS = {
    "0000072333-23-000015": 72333,
    "0000320193-23-000077": 320193,
    "0000796343-23-000044": 796343,
    "0000887919-21-000012": 887919,
    "0000943374-24-000509": 1847360,
    "0001193125-19-292676": 320193,
    "0001193125-23-048785": 1364742,
    "0001213900-24-004875": 1648960,
    "0001437749-23-034498": 1084869,
    "0001829126-23-002149": 1822523,
}


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it."""

    monotonic: float
    wall: float
    method: str
    path: str  # including the query string
    status: int
    user_agent: str
    client: str
    headers: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class Injection:
    """A queued fake answer for requests whose path matches ``pattern``."""

    pattern: re.Pattern[str]
    status: int
    body_kind: str | bytes  # a canned page (one of BODY_KINDS) or the exact body to send
    remaining: int | None  # None: every matching request, for good


@dataclass(frozen=True)
class PutFile:
    """Bytes served at one URL path, in place of any file there."""

    content: bytes
    etag: str
    mtime: float


def _quarter_dir(stamp: str) -> str:
    year, month = int(stamp[:4]), int(stamp[4:6])
    return f"{year}/QTR{(month - 1) // 3 + 1}"


def fixture_routes(fixtures: Path) -> dict[str, Path]:
    """Map EDGAR URL paths (host-less, e.g. ``/Archives/...``) to files of the fixture folder."""
    fixtures = Path(fixtures)
    routes: dict[str, Path] = {}
    for p in sorted((fixtures / "index").glob("*")):
        daily = re.fullmatch(r"(form|master|company)\.(\d{8})\.idx", p.name)
        quarterly = re.fullmatch(
            r"(form|master|company)\.(\d{4})QTR(\d)(?:\.excerpt)?\.idx", p.name
        )
        listing = re.fullmatch(r"daily-index_(\d{4})_QTR(\d)_listing\.html", p.name)
        if daily:
            routes[f"/Archives/edgar/daily-index/{_quarter_dir(daily[2])}/{p.name}"] = p
        elif quarterly:
            kind, year, q = quarterly.groups()
            routes[f"/Archives/edgar/full-index/{year}/QTR{q}/{kind}.idx"] = p
        elif listing:
            routes[f"/Archives/edgar/daily-index/{listing[1]}/QTR{listing[2]}/"] = p
    for folder in sorted((fixtures / "filings").glob("*")):
        acc = folder.name
        cik = FIXTURE_CIKS.get(acc, int(acc[:10]))
        base = f"/Archives/edgar/data/{cik}"
        for p in sorted(folder.iterdir()):
            if p.name == f"{acc}-index.html":
                routes[f"{base}/{acc}-index.html"] = p
                routes[f"{base}/{acc.replace('-', '')}/{acc}-index.htm"] = p
            else:
                routes[f"{base}/{acc.replace('-', '')}/{p.name}"] = p
    for p in sorted((fixtures / "submissions").glob("*.json")):
        routes[f"/submissions/{p.name}"] = p
    tickers = fixtures / "reference" / "company_tickers.json"
    if tickers.exists():
        routes["/files/company_tickers.json"] = tickers
    for p in sorted((fixtures / "xbrl").glob("*")):
        facts = re.fullmatch(r"companyfacts_(CIK\d{10})\.json(\.gz)?", p.name)
        concept = re.fullmatch(r"companyconcept_(CIK\d{10})_([\w-]+?)_(\w+)\.json(\.gz)?", p.name)
        if facts:
            routes[f"/api/xbrl/companyfacts/{facts[1]}.json"] = p
        elif concept:
            routes[f"/api/xbrl/companyconcept/{concept[1]}/{concept[2]}/{concept[3]}.json"] = p
    feeds = sorted((fixtures / "feeds").glob("getcurrent_*.xml"))
    if feeds:
        routes["/cgi-bin/browse-edgar"] = feeds[-1]
    return routes


class MirrorServer:
    """EDGAR look-alike HTTP server on 127.0.0.1 running in a background thread.

    ``roots`` are mirror folders laid out by host (``<root>/www.sec.gov``, ``<root>/data.sec.gov``);
    ``fixtures`` is the real fixture folder. Earlier sources win when both hold a path.
    """

    def __init__(
        self,
        roots: Path | list[Path] | tuple[Path, ...] = (),
        *,
        fixtures: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: int | None = None,
        rate_block_seconds: float = 0.0,
        require_user_agent: bool = True,
        log_path: Path | None = None,
    ) -> None:
        self.roots = [Path(roots)] if isinstance(roots, str | Path) else [Path(r) for r in roots]
        self.fixture_map = fixture_routes(fixtures) if fixtures else {}
        self.rate_limit = rate_limit
        self.rate_block_seconds = rate_block_seconds
        self.require_user_agent = require_user_agent
        self.log_path = Path(log_path) if log_path else None
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._injections: list[Injection] = []
        self._recent: deque[float] = deque()
        self._blocked_until = 0.0
        self._etags: dict[tuple[Path, float, int], str] = {}
        self._put: dict[str, PutFile] = {}
        self.clock = ReleaseClock()
        self._feed_hidden: set[str] = set()
        self._withheld_days: set[str] = set()
        self._rows: list[FeedRow] | None = None
        self._httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self._httpd.server_address[0]}:{self.port}"

    @property
    def archives_url(self) -> str:
        """Use as ``EDGAR_ARCHIVES_URL``."""
        return f"{self.base_url}/Archives"

    @property
    def data_url(self) -> str:
        """Use as ``EDGAR_DATA_URL`` (``/submissions/...`` and ``/api/...`` live at the root)."""
        return self.base_url

    def start(self) -> MirrorServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="edgar-mirror",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test knobs ---------------------------------------------------------------------------
    def inject(
        self, path_regex: str, status: int, body_kind: str | bytes, count: int | None = 1
    ) -> None:
        """Answer the next ``count`` requests whose path matches with ``status`` and a canned
        body: ``throttle`` (rate-limit page), ``maintenance`` (503 page), ``access_denied``
        (S3 XML) or ``undeclared`` (User-Agent page); given bytes are sent as they are (HTML).
        ``count=None`` answers every matching request that way until :meth:`clear_injections`
        (an outage that outlasts the retries); ``inject(path, 503, "maintenance", count=K)``
        is "503 for the first K requests of a path"."""
        if not isinstance(body_kind, bytes) and body_kind not in BODY_KINDS:
            raise ValueError(f"body_kind must be one of {BODY_KINDS}, got {body_kind!r}")
        if count is not None and count < 1:
            raise ValueError(f"count must be at least 1 (or None for good), got {count}")
        with self._lock:
            self._injections.append(Injection(re.compile(path_regex), status, body_kind, count))

    def put(self, url_path: str, content: bytes) -> None:
        """Serve ``content`` at ``url_path`` (host-less, e.g. ``/Archives/...``) from now on, in
        place of any file there; putting new bytes changes the ETag, like a republished file."""
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        with self._lock:
            self._put[url_path] = PutFile(content, etag, time.time())

    def put_file(self, url_path: str) -> PutFile | None:
        with self._lock:
            return self._put.get(url_path)

    # -- the live clock and feed (devtools/live_feed.py) -----------------------------------------
    def feed_rows(self) -> list[FeedRow]:
        """The generated mirrors' filings (read once from their submissions JSON)."""
        with self._lock:
            if self._rows is None:
                self._rows = feed_rows(self.roots)
            return self._rows

    def release(self, offsets: dict[str, float], t0: float | None = None) -> dict[str, float]:
        """Make each accession public `offsets[acc]` seconds after `t0` (default now): until
        then its documents answer 404 and it is absent from the feed and its day's index.
        Returns the wall-clock release times."""
        return self.clock.schedule(offsets, t0)

    def release_by_acceptance(self, day: str, factor: float, t0: float | None = None) -> dict:
        """Release `day`'s filings at their acceptance times, the clock `factor` times faster."""
        rows = [r for r in self.feed_rows() if r.filed == day]
        return self.release(offsets_by_acceptance(rows, factor), t0)

    def hide_from_feed(self, accessions: set[str]) -> None:
        """Keep these accessions out of the feed for good (a filing the feed missed)."""
        with self._lock:
            self._feed_hidden |= set(accessions)

    def withhold_index(self, day: str, withheld: bool = True) -> None:
        """While withheld, the day's daily index answers 403 (SEC builds it about 10 p.m.)."""
        with self._lock:
            (self._withheld_days.add if withheld else self._withheld_days.discard)(
                day.replace("-", "")
            )

    def _index_withheld(self, path: str) -> bool:
        m = re.search(r"/daily-index/\d{4}/QTR\d/\w+\.(\d{8})\.idx$", path)
        with self._lock:
            return bool(m) and m[1] in self._withheld_days

    def feed_page(self, query: str) -> bytes | None:
        """The generated feed page for a getcurrent query (None: no generated mirror, or the
        real fixture's feed is served instead)."""
        rows = self.feed_rows()
        if not rows or "/cgi-bin/browse-edgar" in self.fixture_map:
            return None
        q = parse_qs(query, keep_blank_values=True)
        form = (q.get("type", [""])[0] or "").upper()
        start = int(q.get("start", ["0"])[0] or 0)
        count = min(int(q.get("count", ["40"])[0] or 40), 100)
        now = time.time()
        with self._lock:
            hidden = set(self._feed_hidden)
        listed = [
            r
            for r in rows
            if r.form.upper().startswith(form)
            and r.accession not in hidden
            and self.clock.released(r.accession, now)
        ]
        listed.sort(
            key=lambda r: (self.clock.release_time(r.accession) or r.accepted.timestamp(),
                           r.accession),
            reverse=True,
        )  # fmt: skip
        page = listed[start : start + count]
        return render_feed(page, self.base_url, datetime.now(UTC))

    def clear_injections(self) -> None:
        with self._lock:
            self._injections.clear()

    def requests_log(self) -> list[RequestRecord]:
        """Every request answered so far, in order."""
        with self._lock:
            return list(self._records)

    def requests_for(self, needle: str) -> list[RequestRecord]:
        """Requests so far whose path (with query) contains ``needle``, in order."""
        return [r for r in self.requests_log() if needle in r.path]

    def clear_log(self) -> None:
        with self._lock:
            self._records.clear()

    # -- request handling (called from handler threads) ---------------------------------------
    def _take_injection(self, path: str) -> Injection | None:
        with self._lock:
            for inj in self._injections:
                if inj.pattern.search(path):
                    if inj.remaining is not None:
                        inj.remaining -= 1
                        if inj.remaining <= 0:
                            self._injections.remove(inj)
                    return inj
        return None

    def _over_rate(self, now: float) -> bool:
        if self.rate_limit is None:
            return False
        with self._lock:
            self._recent.append(now)
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if now < self._blocked_until:
                return True
            if len(self._recent) > self.rate_limit:
                self._blocked_until = now + self.rate_block_seconds
                return True
        return False

    def _record(self, rec: RequestRecord) -> None:
        fields = asdict(rec)
        del fields["headers"]  # the JSONL log keeps one line per request, without its headers
        line = json.dumps(fields) + "\n"
        with self._lock:
            self._records.append(rec)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as fh:
                    fh.write(line)

    def resolve(self, path: str, query: str = "") -> tuple[str, Path | None]:
        """Which host a request path belongs to and the file that answers it (None: missing)."""
        host = WWW
        rel = path
        for prefix, h in ((f"/{WWW}/", WWW), (f"/{DATA}/", DATA)):
            if path.startswith(prefix):
                host, rel = h, path[len(prefix) - 1 :]
                break
        else:
            if path.startswith(DATA_PREFIXES):
                host = DATA
        if ".." in rel.split("/"):
            return host, None
        for root in self.roots:
            candidate = root / host / rel.lstrip("/")
            if candidate.is_file() or (candidate.is_dir() and rel.startswith("/Archives/")):
                return host, candidate
        mapped = self.fixture_map.get(rel)
        if mapped is not None and rel == "/cgi-bin/browse-edgar":
            q = parse_qs(query)
            if q.get("action", [""])[0] != "getcurrent":
                return host, None
        return host, mapped

    def etag(self, path: Path) -> str:
        """A strong ETag from the file's content (cached by mtime and size)."""
        st = path.stat()
        key = (path, st.st_mtime, st.st_size)
        with self._lock:
            tag = self._etags.get(key)
        if tag is None:
            tag = '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:32] + '"'
            with self._lock:
                self._etags[key] = tag
        return tag


def directory_listing(folder: Path, url_path: str) -> bytes:
    """An HTML directory listing shaped like EDGAR's (``<table summary=heding>`` rows)."""
    rows = []
    for p in sorted(folder.iterdir()):
        name = p.name + ("/" if p.is_dir() else "")
        stamp = re.search(r"\.(\d{8})\.idx$", p.name)
        if stamp:
            s = stamp[1]
            modified = f"{s[4:6]}/{s[6:]}/{s[:4]} 10:05:00 PM"
        else:
            modified = datetime.fromtimestamp(p.stat().st_mtime, tz=UTC).strftime(
                "%m/%d/%Y %I:%M:%S %p"
            )
        size = "" if p.is_dir() else f"{max(1, p.stat().st_size // 1024)} KB"
        icon = "folder.gif" if p.is_dir() else "text.gif"
        rows.append(
            f'<tr><td><a href="{html.escape(name)}"><img class="img_icon" src="/icons/{icon}" '
            f'alt="file icon">{html.escape(name)}</a></td><td>{size}</td><td>{modified}</td></tr>'
        )
    title = html.escape(url_path.removeprefix("/Archives/edgar/").rstrip("/") + "/")
    page = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
        '"http://www.w3.org/TR/html4/loose.dtd">\n<html>\n<head>\n'
        '<meta http-equiv="Content-type" content="text/html;charset=UTF-8">\n'
        f"<title>Directory listing of {title}</title>\n</head>\n<body>\n"
        f'<div id="main-content">\n<h1>Directory Listing of {title}</h1>\n'
        '<a href="../"><img class="img_icon" src="/icons/back.gif" alt="Parent Directory">'
        "Parent Directory</a>\n"
        "<table summary=heding><tr><th>Name</th><th>Size</th><th>Last Modified</th>\n"
        + "\n".join(rows)
        + "\n</table>\n</div>\n</body>\n</html>\n"
    )
    return page.encode("utf-8")


def _request_id() -> str:
    return secrets.token_hex(8).upper()


def _content_type(path: Path) -> tuple[str, str | None]:
    name = path.name
    if name.endswith(".gz"):
        inner = name[:-3]
        ctype = "application/json" if inner.endswith(".json") else "application/octet-stream"
        return ctype, "gzip"
    if name.endswith(".idx"):
        return "text/plain", None
    if name.endswith(".atom.xml"):
        return "application/atom+xml; charset=ISO-8859-1", None
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/json", "application/xml"):
        return f"{guessed}; charset=utf-8" if guessed != "text/plain" else guessed, None
    return guessed, None


def _make_handler(server: MirrorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "EdgarMirror/1.0"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # the request log replaces stderr noise

        def do_GET(self) -> None:  # noqa: N802
            self._handle(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._handle(send_body=False)

        def _send(
            self,
            status: int,
            body: bytes,
            ctype: str,
            headers: dict[str, str] | None = None,
            send_body: bool = True,
        ) -> None:
            self._log(status)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if send_body and body:
                self.wfile.write(body)

        def _canned(self, status: int, kind: str | bytes, send_body: bool, key: str = "") -> None:
            rid = _request_id()
            if isinstance(kind, bytes):
                self._send(status, kind, "text/html; charset=utf-8", send_body=send_body)
                return
            if kind == "throttle":
                body, ctype = THROTTLE_HTML.format(request_id=rid), "text/html; charset=utf-8"
            elif kind == "maintenance":
                body, ctype = MAINTENANCE_HTML, "text/html; charset=utf-8"
            elif kind == "undeclared":
                body, ctype = (
                    UNDECLARED_TOOL_HTML.format(request_id=rid),
                    "text/html; charset=utf-8",
                )
            elif kind == "no_such_key":
                body = NO_SUCH_KEY_XML.format(
                    key=key, request_id=rid, host_id=secrets.token_hex(24)
                )
                ctype = "application/xml"
            else:
                body = ACCESS_DENIED_XML.format(request_id=rid, host_id=secrets.token_hex(24))
                ctype = "application/xml"
            self._send(status, body.encode("utf-8"), ctype, send_body=send_body)

        def _handle(self, send_body: bool) -> None:
            self._started = (time.monotonic(), time.time())
            self._logged = False
            try:
                self._answer(self.headers.get("User-Agent", ""), self._started[0], send_body)
            finally:
                if not self._logged:  # an exception escaped before any answer was sent
                    self._log(500)

        def _log(self, status: int) -> None:
            """Record the request; called just before the status line is sent, so a client
            that has its answer always finds the request in the log."""
            self._logged = True
            mono, wall = self._started
            server._record(
                RequestRecord(mono, wall, self.command, self.path, status,
                              self.headers.get("User-Agent", ""), self.client_address[0],
                              dict(self.headers.items()))
            )  # fmt: skip

        def _answer(self, ua: str, now: float, send_body: bool) -> int:
            split = urlsplit(self.path)
            path = unquote(split.path)
            if server.require_user_agent and not EMAIL_RE.search(ua):
                self._canned(403, "undeclared", send_body)
                return 403
            inj = server._take_injection(self.path)
            if inj is not None:
                self._canned(inj.status, inj.body_kind, send_body)
                return inj.status
            if server._over_rate(now):
                self._canned(429, "throttle", send_body)
                return 429
            if path == "/cgi-bin/browse-edgar":
                q = parse_qs(split.query)
                start = q.get("start", ["0"])[0]
                if start.isdigit() and int(start) >= FEED_END:  # paged far past the end
                    self._canned(503, "maintenance", send_body)
                    return 503
                page = (
                    server.feed_page(split.query) if "getcurrent" in q.get("action", []) else None
                )
                if page is not None:
                    feed_type = ("application/atom+xml; charset=ISO-8859-1", None)
                    etag = '"' + hashlib.sha256(page).hexdigest()[:32] + '"'
                    return self._serve(lambda: page, time.time(), etag, feed_type, send_body)
            if server.clock.hidden_in_path(path):  # not accepted yet
                self._canned(404, "no_such_key", send_body, key=path.lstrip("/"))
                return 404
            if server._index_withheld(path):
                self._canned(403, "access_denied", send_body)
                return 403
            put = server.put_file(path)
            if put is not None:
                return self._serve(
                    lambda: put.content, put.mtime, put.etag, _content_type(Path(path)), send_body
                )
            host, file = server.resolve(path, split.query)
            if file is None:
                if host == DATA:
                    self._canned(404, "no_such_key", send_body, key=path.lstrip("/"))
                    return 404
                self._canned(403, "access_denied", send_body)
                return 403
            if path == "/cgi-bin/browse-edgar":  # the fixture's one page
                start = parse_qs(split.query).get("start", ["0"])[0]
                if start.isdigit() and int(start) >= 100:  # paged past the end, like EDGAR
                    self._canned(503, "maintenance", send_body)
                    return 503
            return self._serve_file(file, send_body)

        def _serve_file(self, file: Path, send_body: bool) -> int:
            if file.is_dir():
                listing = directory_listing(file, urlsplit(self.path).path)
                mtime = max([p.stat().st_mtime for p in file.iterdir()] or [file.stat().st_mtime])
                etag = '"' + hashlib.sha256(listing).hexdigest()[:32] + '"'
                html_type = ("text/html; charset=utf-8", None)
                return self._serve(lambda: listing, mtime, etag, html_type, send_body)
            kind = _content_type(file)
            if file.name.endswith(".idx") and "/daily-index/" in urlsplit(self.path).path:
                body = filter_index(file.read_bytes(), server.clock)  # unreleased rows left out
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                return self._serve(lambda: body, file.stat().st_mtime, etag, kind, send_body)
            if file.suffix == ".json" and "/submissions/" in urlsplit(self.path).path:
                body = filter_submissions(file.read_bytes(), server.clock)  # unreleased left out
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                return self._serve(lambda: body, file.stat().st_mtime, etag, kind, send_body)
            return self._serve(
                file.read_bytes, file.stat().st_mtime, server.etag(file), kind, send_body
            )

        def _serve(
            self,
            content: Callable[[], bytes],
            mtime: float,
            etag: str,
            kind: tuple[str, str | None],
            send_body: bool,
        ) -> int:
            """Answer 200 with ``content()``, or 304 when the request's validators match."""
            ctype, encoding = kind
            last_modified = formatdate(mtime, usegmt=True)
            headers = {"ETag": etag, "Last-Modified": last_modified}
            if encoding:
                headers["Content-Encoding"] = encoding
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            not_modified = False
            if inm is not None:
                not_modified = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
            elif ims:
                try:
                    since = parsedate_to_datetime(ims)
                    modified = datetime.fromtimestamp(int(mtime), tz=UTC)
                    not_modified = since.tzinfo is not None and modified <= since
                except (TypeError, ValueError):
                    not_modified = False
            if not_modified:
                self._log(304)
                self.send_response(304)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                return 304
            self._send(200, content(), ctype, headers, send_body)
            return 200

    return Handler


def main(argv: list[str] | None = None) -> int:
    """``python -m filings_pipeline.devtools.mirror_server --root DIR [--port P]``."""
    parser = argparse.ArgumentParser(prog="python -m filings_pipeline.devtools.mirror_server")
    parser.add_argument("--root", type=Path, action="append", default=[], help="mirror root")
    parser.add_argument("--fixtures", type=Path, help="the real EDGAR fixture folder")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate-limit", type=int, help="throttle above N requests per second")
    parser.add_argument("--log", type=Path, help="append every request to this JSONL file")
    parser.add_argument(
        "--release-day",
        help="live mode: release this day's filings over time (YYYY-MM-DD); its daily index "
        "answers 403 until all are out",
    )
    parser.add_argument(
        "--time-factor", type=float, default=60.0, help="live mode: clock speed-up (default 60)"
    )
    args = parser.parse_args(argv)
    if not args.root and not args.fixtures:
        parser.error("give --root DIR and/or --fixtures DIR")
    for r in args.root:
        if not r.is_dir():
            parser.error(f"--root {r} is not a directory")
    server = MirrorServer(
        args.root, fixtures=args.fixtures, host=args.host, port=args.port,
        rate_limit=args.rate_limit, log_path=args.log,
    )  # fmt: skip
    # Ctrl-C / SIGTERM only set a flag: a KeyboardInterrupt raised wherever the main thread
    # happens to be (before the loop below, say) could skip the shutdown.
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        if args.release_day:
            at = server.release_by_acceptance(args.release_day, args.time_factor)
            server.withhold_index(args.release_day)
            last = max(at.values(), default=time.time())
        server.start()  # serving before the address is printed
        print(f"EDGAR mirror serving on {server.base_url}", flush=True)
        print(f"EDGAR_ARCHIVES_URL={server.archives_url}", flush=True)
        print(f"EDGAR_DATA_URL={server.data_url}", flush=True)
        if args.release_day:
            print(f"releasing {len(at)} filings over {last - time.time():.0f} s", flush=True)
        while not stopping.wait(1):
            if args.release_day and time.time() > last:
                server.withhold_index(args.release_day, withheld=False)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
