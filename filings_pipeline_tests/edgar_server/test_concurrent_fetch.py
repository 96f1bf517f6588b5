"""Many threads through one real Fetcher and one EdgarSource against the EDGAR-like server.

Before the fix the cache's temp file was named by PID only: two threads writing the same URL
shared it, so one os.replace moved the other's half-written file into place (a truncated read)
and the other's os.replace raised FileNotFoundError. The tickers load was unguarded, so every
ingest thread that came first fetched company_tickers.json itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.edgar_source import EdgarSource
from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
from filings_pipeline.sample import generate_mirror

IDENTITY = "Filings Pipeline Tests tests@example.com"
THREADS = 12
DAY = date(2026, 11, 17)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return generate_mirror(tmp_path_factory.mktemp("mirror"), [DAY], filings_per_day=12)


@pytest.fixture
def server(mirror) -> Iterator[MirrorServer]:
    with MirrorServer(mirror.root) as srv:
        yield srv


def _fetcher(tmp_path: Path) -> Fetcher:
    limiter = SharedRateLimiter(tmp_path / "edgar-state", 2000.0)
    return Fetcher(IDENTITY, limiter, cache_dir=tmp_path / "cache", backoff=0.01)


def _urls(mirror, server: MirrorServer) -> list[tuple[str, Path, dict]]:
    """(url, file on disk, get() options): Archives documents (cached forever), submissions JSON
    and company_tickers.json (conditional: both the body and its validators are written)."""
    www = mirror.root / "www.sec.gov"
    out: list[tuple[str, Path, dict]] = []
    for f in mirror.filings:
        folder = www / "Archives" / "edgar" / "data" / str(f.cik) / f.accession.replace("-", "")
        for doc in sorted(folder.iterdir()):
            rel = doc.relative_to(www).as_posix()
            out.append((f"{server.base_url}/{rel}", doc, {}))
        sub = mirror.root / "data.sec.gov" / "submissions" / f"CIK{f.cik:010d}.json"
        out.append((f"{server.data_url}/submissions/{sub.name}", sub, {"conditional": True}))
    tickers = www / "files" / "company_tickers.json"
    out.append(
        (
            f"{server.base_url}/files/company_tickers.json",
            tickers,
            {"cache": False, "conditional": True},
        )
    )
    return out


def test_threads_writing_the_same_url_never_fail_or_read_a_part(
    mirror, server, tmp_path, tiny_switch_interval
) -> None:
    fetcher = _fetcher(tmp_path)
    urls = _urls(mirror, server)
    assert len(urls) > 30
    barrier = threading.Barrier(THREADS)
    errors: list[str] = []
    wrong: list[str] = []

    def worker() -> None:
        for url, path, options in urls:
            barrier.wait(timeout=60)  # every thread asks for the same URL at the same moment
            for _ in range(2):  # the first get writes the cache, the second may read it
                try:
                    result = fetcher.get(url, **options)
                except Exception as exc:  # noqa: BLE001 - the test counts every kind
                    errors.append(f"{url}: {type(exc).__name__}: {exc}")
                    continue
                if result.content != path.read_bytes():
                    wrong.append(f"{url}: {len(result.content)} of {path.stat().st_size} bytes")

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert errors == [] and wrong == [], (errors[:5], wrong[:5], len(errors), len(wrong))
    # Every cached file is whole and no temp file is left behind.
    cache = tmp_path / "cache"
    assert list(cache.rglob("*.tmp")) == []
    assert len(list(cache.rglob("*.json"))) >= len(urls)


def test_many_threads_load_tickers_once_and_all_see_it(
    mirror, server, tmp_path, tiny_switch_interval
) -> None:
    for attempt in range(10):
        source = EdgarSource(
            server.archives_url, server.data_url, _fetcher(tmp_path / str(attempt))
        )
        server.clear_log()
        barrier = threading.Barrier(THREADS)

        def load(_: int, source: EdgarSource = source, barrier=barrier) -> dict:
            barrier.wait(timeout=30)
            return source.tickers()

        with ThreadPoolExecutor(THREADS) as pool:
            seen = list(pool.map(load, range(THREADS)))
        fetches = [r for r in server.requests_log() if "company_tickers" in r.path]
        assert len(fetches) == 1, f"attempt {attempt}: {len(fetches)} fetches of the tickers"
        assert seen[0] and all(s is seen[0] for s in seen)
        assert {c for f in mirror.filings for c in [f.cik]} <= set(seen[0])
