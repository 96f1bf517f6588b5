"""Huge documents: the size cap (EDGAR_MAX_DOCUMENT_MB) and the bounded conversion of big ones.

Before the cap, the Fetcher read any body whole into memory and the filing went on to a
conversion that held its thread for minutes (a 50 MB 10-K); these tests fail on that code
(no DocumentTooLarge, the big 10-K stored instead of skipped with its reason).
"""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.edgar.bounded_text import ConversionTooSlow, document_text
from filings_pipeline.edgar.factory import make_source
from filings_pipeline.edgar.fetch import MB, DocumentTooLarge, Fetcher
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
from filings_pipeline.edgar.text import document_to_text
from filings_pipeline.phases.ingest import ingest_day
from filings_pipeline.sample import generate_mirror
from filings_pipeline.settings import Settings
from filings_pipeline.store import ContentStore

IDENTITY = "Filings Pipeline Tests tests@example.com"
DAY = date(2026, 11, 17)


@pytest.fixture(scope="module")
def big_mirror(tmp_path_factory):
    """One day of 6 filings; the first is a 3 MB 10-K."""
    return generate_mirror(
        tmp_path_factory.mktemp("big"), [DAY], filings_per_day=6, big_10k_mb=3, bad_filings=False
    )


def _big_path(mirror) -> Path:
    f = mirror.filings[0]
    folder = (
        mirror.root / "www.sec.gov/Archives/edgar/data" / str(f.cik) / f.accession.replace("-", "")
    )
    return folder / f.primary_document


def _fetcher(tmp_path: Path, cap_mb: float) -> Fetcher:
    limiter = SharedRateLimiter(tmp_path / "edgar-state", 1000.0)
    return Fetcher(IDENTITY, limiter, cache_dir=tmp_path / "cache",
                   max_document_bytes=int(cap_mb * MB))  # fmt: skip


def test_the_generator_makes_a_big_10k(big_mirror) -> None:
    f = big_mirror.filings[0]
    size = _big_path(big_mirror).stat().st_size / MB
    assert f.form == "10-K" and 2.7 < size < 3.3


def test_over_the_cap_over_http_file_and_cache(big_mirror, tmp_path) -> None:
    path = _big_path(big_mirror)
    rel = path.relative_to(big_mirror.root / "www.sec.gov").as_posix()
    with MirrorServer(big_mirror.root) as server:
        url = f"{server.base_url}/{rel}"
        with pytest.raises(DocumentTooLarge, match=r"document is 3\.0 MB, over the 2 MB cap"):
            _fetcher(tmp_path, 2).get(url)
        cached = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
        assert not any(p.stat().st_size > MB for p in cached)  # nothing over the cap was cached
        whole = _fetcher(tmp_path, 4).get(url)  # under a larger cap: read and cached
        assert whole.content == path.read_bytes()
        with pytest.raises(DocumentTooLarge, match="over the 2 MB cap"):
            _fetcher(tmp_path, 2).get(url)  # a cached copy is checked too
    with pytest.raises(DocumentTooLarge, match=r"document is 3\.0 MB, over the 1 MB cap"):
        Fetcher(IDENTITY, max_document_bytes=MB).get(path.as_uri())


def test_a_compressed_body_is_streamed_and_stopped_at_the_cap(tmp_path) -> None:
    """gzip on the wire: the Content-Length says 1% of it, the decoded stream is cut at the cap."""
    root = tmp_path / "mirror"
    doc = root / "www.sec.gov/Archives/edgar/data/1/000000000126000001/huge.htm.gz"
    doc.parent.mkdir(parents=True)
    doc.write_bytes(gzip.compress(b"<html><body>" + b"<p>filler text</p>" * (20 * MB // 18)))
    assert doc.stat().st_size < MB
    with MirrorServer(root) as server:
        url = f"{server.base_url}/Archives/edgar/data/1/000000000126000001/huge.htm.gz"
        with pytest.raises(DocumentTooLarge, match="over the 2 MB cap .download stopped there"):
            _fetcher(tmp_path, 2).get(url)


def test_ingest_skips_a_document_over_the_cap_with_its_reason(
    big_mirror, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("EDGAR_MAX_DOCUMENT_MB", "2")
    settings = Settings(data_dir=tmp_path, source="sample", sample_dir=big_mirror.root)
    assert settings.max_document_bytes == 2 * MB
    store = ContentStore(f"sqlite:///{tmp_path / 'content.db'}")
    report = ingest_day(make_source(settings), store, DAY)
    big = big_mirror.filings[0]
    assert report.listed == 6 and report.ingested == 5
    (skip,) = report.skipped
    assert skip.accession == big.accession
    assert (
        f"primary document {big.primary_document} skipped: document is 3.0 MB, over the 2 MB cap"
        in (skip.reason)
    )
    assert [s.accession for s in store.skipped_for_day(DAY)] == [big.accession]


def test_ingest_stores_a_big_document_under_the_cap_converted_in_a_child_process(
    big_mirror, tmp_path, monkeypatch
) -> None:
    """The 3 MB 10-K under the default cap, with the child-process threshold lowered to 1 MB."""
    import filings_pipeline.edgar.bounded_text as bounded

    monkeypatch.setattr(bounded, "SUBPROCESS_BYTES", MB)
    monkeypatch.setattr(bounded.document_text, "__kwdefaults__",
                        {"subprocess_bytes": MB, "time_limit": 300.0})  # fmt: skip
    settings = Settings(data_dir=tmp_path, source="sample", sample_dir=big_mirror.root)
    store = ContentStore(f"sqlite:///{tmp_path / 'content.db'}")
    report = ingest_day(make_source(settings), store, DAY)
    assert report.ingested == 6 and report.skipped == []
    big = next(
        f for f in store.filings_for_day(DAY) if f.accession == big_mirror.filings[0].accession
    )
    html = _big_path(big_mirror).read_text()
    assert big.text == document_to_text(html, big.primary_document)
    assert "Note 300. Segment and Revenue Information" in big.text


def test_a_conversion_over_the_time_bound_is_stopped() -> None:
    html = "<html><body>" + "<p>filler text</p>" * 200_000 + "</body></html>"
    with pytest.raises(ConversionTooSlow, match=r"took longer than 0\.2 s"):
        document_text(html, "big.htm", subprocess_bytes=1000, time_limit=0.2)
    small = "<html><body><p>Revenue rose.</p></body></html>"
    assert document_text(small, "a.htm", subprocess_bytes=10) == "Revenue rose."
