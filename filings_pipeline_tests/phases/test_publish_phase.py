"""publish_day rebuilds the site only when something changed, and never trusts a half-done sync."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from filings_pipeline.analysis.offline import OfflineAnalyzer
from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.edgar.factory import make_source
from filings_pipeline.phases.analyze import analyze_day
from filings_pipeline.phases.ingest import ingest_day
from filings_pipeline.phases.publish import publish_day
from filings_pipeline.phases.render import render_day
from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.rendering.render import SiteConfig
from filings_pipeline.sample import default_sample_days, generate_mirror
from filings_pipeline.settings import settings
from filings_pipeline.store import ContentStore
from filings_pipeline.store.records import StoredArticle

KEY = AnalysisKey("offline-1", "offline-extractive-v1")


@pytest.fixture
def ready_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content_url: str):
    day = default_sample_days()[1]
    generate_mirror(tmp_path / "mirror", [day])
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(tmp_path / "mirror"))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    store, analyzer = ContentStore(content_url), OfflineAnalyzer()
    ingest_day(make_source(settings()), store, day)
    analyze_day(store, analyzer, day)
    render_day(store, day, key=KEY, site=SiteConfig())
    return store, day, LocalFolderPublisher(tmp_path / "site")


def _publish(store: ContentStore, day, publisher, site: SiteConfig | None = None):
    return publish_day(
        store,
        day,
        publisher,
        site or SiteConfig(),
        key=KEY,
    )


def test_second_publish_skips_the_rebuild(ready_day) -> None:
    store, day, publisher = ready_day
    first = _publish(store, day, publisher)
    assert first.site_rebuilt and first.sync.published and first.published
    second = _publish(store, day, publisher)
    assert not second.site_rebuilt
    assert not second.sync.changed
    assert (second.site_files, second.site_articles) == (first.site_files, first.site_articles)
    assert second.published == first.published


def test_a_sync_not_recorded_as_done_is_redone(ready_day) -> None:
    store, day, publisher = ready_day
    first = _publish(store, day, publisher)
    # as if the process died after recording the decisions but before the sync finished
    store.record_site_state(publisher.location, "not-what-was-synced", 0, 0)
    (publisher.root / "index.html").unlink()
    again = _publish(store, day, publisher)
    assert again.site_rebuilt
    assert (publisher.root / "index.html").is_file()
    assert again.site_files == first.site_files


def test_site_configuration_change_rebuilds(ready_day) -> None:
    store, day, publisher = ready_day
    _publish(store, day, publisher)
    changed = _publish(store, day, publisher, SiteConfig(title="Evening Filings"))
    assert changed.site_rebuilt and changed.sync.updated
    assert "Evening Filings" in (publisher.root / "index.html").read_text()


def test_broken_absolute_link_under_the_base_url_is_reported(ready_day, content_url) -> None:
    """With a base URL, feed, sitemap and canonical links are absolute: they are checked too."""
    store, day, publisher = ready_day
    site = SiteConfig(base_url="https://news.example.org/desk")
    render_day(store, day, key=KEY, site=site)
    clean = _publish(store, day, publisher, site)
    assert clean.published and clean.broken_links == []
    # one stored page links to a page under the base URL that the site does not have
    tampered = ContentStore(content_url)
    [first, *rest] = tampered.articles_for_day(day)
    html = first.article.article_html.replace(
        "</body>", '<a href="https://news.example.org/desk/articles/gone.html">x</a></body>'
    )
    first = StoredArticle(dataclasses.replace(first.article, article_html=html))
    tampered.replace_articles(day, [first, *rest])
    report = _publish(store, day, publisher, site)
    assert report.site_rebuilt
    assert report.broken_links == [
        f"articles/{first.article.slug}.html: broken link "
        "'https://news.example.org/desk/articles/gone.html' (no articles/gone.html)"
    ]


@contextlib.contextmanager
def statements(store: ContentStore) -> Iterator[list[str]]:
    """Every SQL statement the store sends while the block runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)


def test_render_and_publish_read_no_filing_text(ready_day) -> None:
    """Narrow reads: rendering reads filing headers, the publishing decisions read accession
    numbers and article metadata; only the site rebuild reads article bodies."""
    store, day, publisher = ready_day
    with statements(store) as rendering:
        rendered = render_day(store, day, key=KEY, site=SiteConfig())
    assert rendered.rendered > 0 and rendered.active_markup == {}
    with statements(store) as first:
        published = _publish(store, day, publisher)
    assert published.site_rebuilt and published.unaccounted == []
    with statements(store) as second:
        again = _publish(store, day, publisher)
    assert not again.site_rebuilt and again.unaccounted == []
    for sql in rendering + first + second:
        assert "filings.documents" not in sql, sql
    assert any("articles.data" in sql for sql in first)  # the rebuild needs the pages
    assert not any("articles.data" in sql for sql in second), second


def test_every_filing_is_accounted_for_in_the_report(ready_day) -> None:
    store, day, publisher = ready_day
    report = _publish(store, day, publisher)
    assert report.filings == store.accessions_for_day(day) and len(report.filings) > 1
    assert sorted(report.published + list(report.held)) == report.filings
    report.held[report.filings[-1]] = ""  # a hold without a reason is not accounted for
    if report.filings[-1] in report.published:
        report.published.remove(report.filings[-1])
    assert report.unaccounted == [report.filings[-1]]
