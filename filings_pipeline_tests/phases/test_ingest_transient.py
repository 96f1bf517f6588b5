"""A transient EDGAR failure fails the day and changes nothing; it never becomes a skip.

Real HTTP to the local EDGAR-like server (which injects the 503s), the real Fetcher with its
retries, the real content store, the other phases run as automation would. No dagster here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from filings_pipeline.analysis.offline import OfflineAnalyzer
from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.phases.analyze import analyze_day
from filings_pipeline.phases.ingest import IngestUnavailable, ingest_day
from filings_pipeline.phases.publish import publish_day
from filings_pipeline.phases.render import render_day
from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.rendering.render import SiteConfig
from filings_pipeline.sample import ManifestFiling, SampleManifest
from filings_pipeline.store import ContentStore, tables
from filings_pipeline_tests.phases.conftest import DAY, RETRIES, edgar_source


def primary_path(f: ManifestFiling) -> str:
    return f"/Archives/edgar/data/{f.cik}/{f.accession.replace('-', '')}/{f.primary_document}"


def snapshot(store: ContentStore, site: Path, times: bool = True) -> dict[str, object]:
    """Every stored row of the four phases and every published file, byte for byte
    (`times=False`: without the *_at timestamps a re-render rewrites)."""
    out: dict[str, object] = {}
    with store.engine.connect() as conn:
        for table in (tables.filings, tables.analyses, tables.articles, tables.publications):
            rows = conn.execute(sa.select(table)).mappings().all()
            out[table.name] = sorted(
                repr(sorted((k, v) for k, v in r.items() if times or not k.endswith("_at")))
                for r in rows
            )
    out["site"] = {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }
    return out


def downstream(store: ContentStore, publisher: LocalFolderPublisher):
    """Analyse, render and publish the day, as automation does after an ingest."""
    analyzer = OfflineAnalyzer()
    analysed = analyze_day(store, analyzer, DAY)
    key = AnalysisKey(analyzer.prompt_version, analyzer.model)
    render_day(store, DAY, key=key, site=SiteConfig())
    published = publish_day(store, DAY, publisher, SiteConfig(), key=key)
    return analysed, published


def test_503_for_the_first_k_requests_is_recovered_by_the_fetcher(
    manifest: SampleManifest, server: MirrorServer, tmp_path: Path
) -> None:
    target = manifest.for_day(DAY)[2]
    k = RETRIES  # below the retries: the fifth attempt gets the document
    server.inject(primary_path(target) + "$", 503, "maintenance", count=k)
    store = ContentStore(f"sqlite:///{tmp_path / 'c.db'}")
    report = ingest_day(edgar_source(server, tmp_path / "state"), store, DAY)
    assert report.skipped == []
    assert report.ingested == len(manifest.for_day(DAY)) == 6
    statuses = [r.status for r in server.requests_log() if r.path == primary_path(target)]
    assert statuses == [503] * k + [200]
    assert target.accession in {f.accession for f in store.filings_for_day(DAY)}


def test_503_for_good_fails_the_day_and_changes_nothing(
    manifest: SampleManifest, server: MirrorServer, tmp_path: Path, content_url: str
) -> None:
    store = ContentStore(content_url)
    publisher = LocalFolderPublisher(tmp_path / "site")
    first = ingest_day(edgar_source(server, tmp_path / "state"), store, DAY)
    assert first.ingested == 6 and not first.skipped
    analysed, published = downstream(store, publisher)
    assert analysed.analysed == 6 and published.published
    before = snapshot(store, publisher.root)
    snapshot_untimed = snapshot(store, publisher.root, times=False)

    target = manifest.for_day(DAY)[3]  # analysed (paid) and published
    server.inject(primary_path(target) + "$", 503, "maintenance", count=None)
    server.clear_log()
    with pytest.raises(IngestUnavailable) as failure:
        ingest_day(edgar_source(server, tmp_path / "state"), store, DAY)
    message = str(failure.value)
    assert target.accession in message
    assert server.base_url + primary_path(target) in message
    assert "503" in message
    attempts = [r for r in server.requests_log() if r.path == primary_path(target)]
    assert len(attempts) == RETRIES + 1  # the Fetcher's retries were all spent first
    assert snapshot(store, publisher.root) == before

    # even if the later phases ran anyway, nothing paid is pruned, nothing published retracted
    analysed, published = downstream(store, publisher)
    assert analysed.analysed == 0 and analysed.reused == 6
    assert not published.sync.removed
    assert snapshot(store, publisher.root, times=False) == snapshot_untimed


def test_listing_503_for_good_fails_the_day_and_changes_nothing(
    server: MirrorServer, tmp_path: Path
) -> None:
    store = ContentStore(f"sqlite:///{tmp_path / 'c.db'}")
    ingest_day(edgar_source(server, tmp_path / "state"), store, DAY)
    before = snapshot(store, tmp_path / "no-site")
    server.inject(r"/daily-index/.*20261117", 503, "maintenance", count=None)
    with pytest.raises(IngestUnavailable, match="2026-11-17 index could not be listed"):
        ingest_day(edgar_source(server, tmp_path / "state"), store, DAY)
    assert snapshot(store, tmp_path / "no-site") == before


def test_an_index_that_vanishes_does_not_empty_a_stored_day(
    server: MirrorServer, tmp_path: Path
) -> None:
    """EDGAR never withdraws a daily index, so a 403 for a day already stored is not an
    empty day: the day keeps its filings (and so its analyses and articles)."""
    store = ContentStore(f"sqlite:///{tmp_path / 'c.db'}")
    ingest_day(edgar_source(server, tmp_path / "state"), store, DAY)
    server.inject(r"/daily-index/.*20261117", 403, "access_denied", count=None)
    with pytest.raises(IngestUnavailable, match="refusing to empty"):
        ingest_day(edgar_source(server, tmp_path / "state"), store, DAY)
    assert len(store.filings_for_day(DAY)) == 6
