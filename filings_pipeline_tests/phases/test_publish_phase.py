"""publish_day rebuilds the site only when something changed, and never trusts a half-done sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from filings_pipeline.analysis.offline import OfflineAnalyzer
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
    render_day(store, day, prompt_version="offline-1", model=analyzer.model, site=SiteConfig())
    return store, day, LocalFolderPublisher(tmp_path / "site")


def _publish(store: ContentStore, day, publisher, site: SiteConfig | None = None):
    return publish_day(
        store,
        day,
        publisher,
        site or SiteConfig(),
        prompt_version="offline-1",
        model="offline-extractive-v1",
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
    render_day(store, day, prompt_version="offline-1", model="offline-extractive-v1", site=site)
    clean = _publish(store, day, publisher, site)
    assert clean.published and clean.broken_links == []
    # one stored page links to a page under the base URL that the site does not have
    tampered = ContentStore(content_url)
    [first, *rest] = tampered.articles_for_day(day)
    first.data["article_html"] = first.data["article_html"].replace(
        "</body>", '<a href="https://news.example.org/desk/articles/gone.html">x</a></body>'
    )
    first.content_hash = "tampered"
    tampered.replace_articles(day, [first, *rest])
    report = _publish(store, day, publisher, site)
    assert report.site_rebuilt
    assert report.broken_links == [
        f"articles/{first.slug}.html: broken link "
        "'https://news.example.org/desk/articles/gone.html' (no articles/gone.html)"
    ]
