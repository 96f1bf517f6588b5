"""Fetch EDGAR resources over http(s) or file:// with SEC's fair-access rules built in.

- Every http(s) request declares `User-Agent: <EDGAR_IDENTITY>` and takes a slot from the
  deployment-wide SharedRateLimiter (file:// reads need no slot).
- Responses are classified by status + body marker (reference §11): S3 `AccessDenied` 403 and
  `NoSuchKey` 404 -> NotPublished; SEC's "Request Rate Threshold Exceeded" page (403 or 429) ->
  global pause, then retry; "Undeclared Automated Tool" 403 -> UndeclaredTool (no retry);
  5xx (e.g. the 503 maintenance page) and connection errors -> retry with exponential backoff.
- Immutable `/Archives/edgar/data/` documents are cached on disk forever; index files are
  revalidated with conditional requests (ETag / If-Modified-Since; a 304 serves the cached body).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from filings_pipeline.atomic_write import write_atomic
from filings_pipeline.edgar.ratelimit import RateLimitWait, SharedRateLimiter

log = logging.getLogger(__name__)
_IDENTITY = re.compile(r"^\S.*\s\S+@\S+\.\S+$")
THROTTLE_MARKER = "Request Rate Threshold Exceeded"
UNDECLARED_MARKER = "Undeclared Automated Tool"


class FetchError(Exception):
    """A resource could not be fetched."""

    def __init__(self, message: str, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class NotPublished(FetchError):
    """The path does not exist (yet): 403 AccessDenied, 404 NoSuchKey, or a missing file."""


class UndeclaredTool(FetchError):
    """SEC refused the User-Agent; fix EDGAR_IDENTITY, retrying will not help."""


class Throttled(FetchError):
    """SEC kept serving its throttle page after pausing."""


class Paused(FetchError):
    """No request slot within the limiter's `max_wait` (e.g. during a throttle pause)."""


class Unavailable(FetchError):
    """Server errors or connection failures persisted after retries."""


MB = 2**20


class DocumentTooLarge(FetchError):
    """The body is over the Fetcher's size cap (EDGAR_MAX_DOCUMENT_MB); it was not read whole.

    Not transient: the same document will be as large next time. `reason` says how large."""

    def __init__(self, url: str, size: int | None, cap: int, *, stopped: bool = False) -> None:
        self.size, self.cap = size, cap
        if size is not None and not stopped:
            self.reason = f"document is {size / MB:.1f} MB, over the {cap / MB:g} MB cap"
        else:
            self.reason = f"document is over the {cap / MB:g} MB cap (download stopped there)"
        super().__init__(f"{url}: {self.reason} (EDGAR_MAX_DOCUMENT_MB)", url, 200)


@dataclass
class FetchResult:
    """A fetched body. `version` is a content fingerprint (same for 200 and 304)."""

    url: str
    content: bytes
    status: int = 200
    from_cache: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return hashlib.sha256(self.content).hexdigest()[:16]

    def text(self) -> str:
        """The body as text: UTF-8 when it is valid UTF-8, else Windows-1252 (old filings)."""
        return decode_document(self.content)


def decode_document(data: bytes) -> str:
    """Decode a filing document: UTF-8 if valid, else Windows-1252 (a superset of Latin-1)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def validate_identity(identity: str) -> str:
    """SEC wants `Company Name email@example.com` as the User-Agent; refuse anything else."""
    identity = identity.strip()
    if not identity or not _IDENTITY.match(identity):
        raise ValueError(
            "EDGAR_IDENTITY must be set to 'Company Name email@example.com' for live EDGAR: SEC's "
            "fair-access policy requires a declared User-Agent with a contact email, and blocks "
            f"undeclared tools (got {identity!r})"
        )
    return identity


def is_immutable(url: str) -> bool:
    """Archives filing documents never change once published."""
    return "/Archives/edgar/data/" in urllib.parse.urlsplit(url).path


def classify(status: int, body: bytes) -> str:
    """'ok', 'not_modified', 'not_published', 'throttle', 'undeclared', 'retry' or 'error'."""
    text = body[:20000].decode("latin-1", errors="replace")
    if status == 200:
        return "ok"
    if status == 304:
        return "not_modified"
    if status in (403, 429) and THROTTLE_MARKER in text:
        return "throttle"
    if status == 403 and UNDECLARED_MARKER in text:
        return "undeclared"
    if (status == 403 and "<Code>AccessDenied</Code>" in text) or status == 404:
        return "not_published"
    if status == 429 or status >= 500:
        return "retry"
    return "error"


class Fetcher:
    """GETs EDGAR URLs (http, https, file) politely; shared by a source and its helpers."""

    def __init__(
        self,
        identity: str,
        limiter: SharedRateLimiter | None = None,
        *,
        cache_dir: Path | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 2.0,
        throttle_retries: int = 2,
        max_document_bytes: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.identity = identity
        # Bodies over this are never held in memory: DocumentTooLarge instead (None: no cap).
        self.max_document_bytes = max_document_bytes
        self.limiter = limiter
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.throttle_retries = throttle_retries
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": identity, "Accept-Encoding": "gzip, deflate"})

    # -- cache -----------------------------------------------------------------------------
    def _cache_paths(self, url: str, kind: str) -> tuple[Path, Path] | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(url.encode()).hexdigest()
        folder = self.cache_dir / kind / key[:2]
        return folder / key, folder / f"{key}.json"

    # -- public ----------------------------------------------------------------------------
    def get(self, url: str, *, cache: bool | None = None, conditional: bool = False) -> FetchResult:
        """Fetch `url`. `cache` defaults to True for Archives filing documents; `conditional`
        revalidates a cached copy (indexes). Raises a FetchError subclass on failure."""
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme == "file":
            return self._get_file(url)
        if scheme not in ("http", "https"):
            raise FetchError(f"unsupported URL scheme {scheme!r} in {url}", url)
        if self.limiter is None:
            raise FetchError("http(s) fetches need a SharedRateLimiter (fair access)", url)
        cacheable = is_immutable(url) if cache is None else cache
        paths = self._cache_paths(url, "immutable" if cacheable else "conditional")
        if cacheable and paths and paths[0].exists():
            self._check_size(url, paths[0].stat().st_size)
            return FetchResult(url, paths[0].read_bytes(), 200, from_cache=True)
        headers: dict[str, str] = {}
        if conditional and paths and paths[0].exists() and paths[1].exists():
            try:
                meta = json.loads(paths[1].read_text())
            except ValueError:
                meta = {}  # a damaged cache entry: fetch the whole body again
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        status, body, resp_headers = self._request(url, headers)
        if status == 304 and paths and paths[0].exists():
            return FetchResult(url, paths[0].read_bytes(), 304, True, resp_headers)
        if paths and (cacheable or conditional):
            write_atomic(paths[0], body)
            meta = {
                "etag": resp_headers.get("ETag"),
                "last_modified": resp_headers.get("Last-Modified"),
            }
            write_atomic(paths[1], json.dumps(meta).encode())
        return FetchResult(url, body, status, False, resp_headers)

    def _check_size(self, url: str, size: int) -> None:
        if self.max_document_bytes is not None and size > self.max_document_bytes:
            raise DocumentTooLarge(url, size, self.max_document_bytes)

    def _read_body(self, url: str, resp: requests.Response) -> bytes:
        """The body, streamed: stops (DocumentTooLarge) as soon as it passes the cap."""
        cap = self.max_document_bytes
        if cap is None or resp.status_code != 200:
            return resp.content
        length = resp.headers.get("Content-Length", "")
        if length.isdigit() and "Content-Encoding" not in resp.headers:
            self._check_size(url, int(length))
        chunks, total = [], 0
        for chunk in resp.iter_content(chunk_size=1 << 20):
            total += len(chunk)
            if total > cap:
                raise DocumentTooLarge(url, None, cap, stopped=True)
            chunks.append(chunk)
        return b"".join(chunks)

    def _get_file(self, url: str) -> FetchResult:
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))
        try:
            if path.is_file():
                self._check_size(url, path.stat().st_size)
            return FetchResult(url, path.read_bytes())
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise NotPublished(f"{url}: no such file", url) from exc

    def _request(self, url: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        assert self.limiter is not None
        attempts = 0
        throttles = 0
        while True:
            try:
                self.limiter.acquire()
            except RateLimitWait as exc:
                raise Paused(f"{url}: {exc}", url) from exc
            try:
                with self._session.get(
                    url, headers=headers, timeout=self.timeout, stream=True
                ) as resp:
                    status, body = resp.status_code, self._read_body(url, resp)
                    kind = classify(status, body)
                    resp_headers = dict(resp.headers)
            except requests.RequestException as exc:
                status, body, kind, resp_headers = 0, str(exc).encode(), "retry", {}
            if kind in ("ok", "not_modified"):
                return status, body, resp_headers
            if kind == "not_published":
                raise NotPublished(
                    f"{url}: not published ({status} AccessDenied/NoSuchKey)", url, status
                )
            if kind == "undeclared":
                raise UndeclaredTool(
                    f"{url}: SEC refused the User-Agent {self.identity!r} as an undeclared tool; "
                    "set EDGAR_IDENTITY to 'Company Name email@example.com'",
                    url,
                    status,
                )
            if kind == "throttle":
                throttles += 1
                until = self.limiter.trip()
                log.warning(
                    "EDGAR throttle page (HTTP %s) for %s: pausing every EDGAR request for "
                    "%.0f s, then resuming at a lower rate",
                    status,
                    url,
                    until - time.time(),
                )
                if throttles > self.throttle_retries:
                    raise Throttled(
                        f"{url}: SEC throttle page {throttles} times; paused until {until:.0f}",
                        url,
                        status,
                    )
                continue  # acquire() waits out the pause for every process
            if kind == "retry" and attempts < self.max_retries:
                delay = self.backoff * (2**attempts)
                log.info("EDGAR HTTP %s for %s: retrying in %.1f s", status or "error", url, delay)
                self._sleep(delay)
                attempts += 1
                continue
            if kind == "retry":
                raise Unavailable(
                    f"{url}: HTTP {status or 'connection error'} after retries", url, status
                )
            raise FetchError(f"{url}: unexpected HTTP {status}", url, status)
