"""A day's publish writes only what it changes, and the result is the site a full rebuild makes.

Compared byte for byte, every file, no normalisation: the folder published day by day (with a
retraction and a re-publish in between) against a folder rebuilt from the same store, on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.analysis.offline import OfflineAnalyzer
from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.edgar.factory import make_source
from filings_pipeline.phases.analyze import analyze_day
from filings_pipeline.phases.ingest import ingest_day
from filings_pipeline.phases.publish import publish_day, rebuild_site
from filings_pipeline.phases.render import render_day
from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.publishing.site import build_site
from filings_pipeline.rendering.models import SiteConfig
from filings_pipeline.sample import generate_mirror
from filings_pipeline.settings import settings
from filings_pipeline.store import ContentStore
from filings_pipeline.store.records import StoredArticle

KEY = AnalysisKey("offline-1", "offline-extractive-v1")
# Two months, so a day touches one month's sitemap and archive page, not the other's.
DAYS = [date(2026, 10, 29), date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 3)]


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content_url: str) -> ContentStore:
    """The sample's filings of DAYS ingested, analysed and rendered (not published)."""
    generate_mirror(tmp_path / "mirror", DAYS)
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(tmp_path / "mirror"))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    store, analyzer, source = ContentStore(content_url), OfflineAnalyzer(), make_source(settings())
    for day in DAYS:
        ingest_day(source, store, day)
        analyze_day(store, analyzer, day)
        render_day(store, day, key=KEY, site=SiteConfig())
    return store


def hold_back(store: ContentStore, day: date, accession: str) -> StoredArticle:
    """Re-store the day's articles with one held back (as re-analysis would)."""
    items = store.articles_for_day(day)
    held = next(i for i in items if i.article.accession == accession)
    store.replace_articles(
        day,
        [
            dataclasses.replace(i, hold_reason="figures do not match the filing")
            if i is held
            else i
            for i in items
        ],
    )
    return held


def test_day_by_day_equals_a_rebuild_and_a_retraction_leaves_no_trace(
    rendered: ContentStore, tmp_path: Path
) -> None:
    store, site = rendered, SiteConfig()
    daily = LocalFolderPublisher(tmp_path / "daily")
    first = publish_day(store, DAYS[0], daily, site, key=KEY)
    assert first.full_rebuild  # a first publish to a destination builds it whole
    for day in DAYS[1:]:
        report = publish_day(store, day, daily, site, key=KEY)
        assert not report.full_rebuild and not report.broken_links and not report.xml_problems
        # only the day's pages and the listings showing them: not the earlier days' pages
        written = set(report.sync.published) | set(report.sync.updated)
        assert not any(p.startswith("articles/" + DAYS[0].isoformat()) for p in written)
        assert f"days/{DAYS[0].isoformat()}.html" not in written

    # A retraction: an article of the second day (October) is held back after re-analysis.
    victim = store.published_articles_for_day(DAYS[1])[0]
    page = f"articles/{victim.slug}.html"
    assert (daily.root / page).is_file()
    listed_in = [p for p, body in tree(daily.root).items() if victim.slug.encode() in body]
    assert f"days/{DAYS[1].isoformat()}.html" in listed_in and "sitemap-2026-10.xml" in listed_in
    hold_back(store, DAYS[1], victim.accession)
    retract = publish_day(store, DAYS[1], daily, site, key=KEY)
    assert victim.accession in retract.held and page in retract.sync.removed
    assert not retract.broken_links
    assert not (daily.root / page).exists()
    mentions = [p for p, body in tree(daily.root).items() if victim.slug.encode() in body]
    assert mentions == [], f"retracted article still listed in {mentions}"
    # ... and re-published after a fix: back everywhere it was.
    store.replace_articles(
        DAYS[1],
        [dataclasses.replace(i, hold_reason=None) for i in store.articles_for_day(DAYS[1])],
    )
    publish_day(store, DAYS[1], daily, site, key=KEY)
    assert {p for p, body in tree(daily.root).items() if victim.slug.encode() in body} >= set(
        listed_in
    )
    hold_back(store, DAYS[1], victim.accession)
    publish_day(store, DAYS[1], daily, site, key=KEY)

    rebuilt = LocalFolderPublisher(tmp_path / "rebuilt")
    full = rebuild_site(store, rebuilt, site)
    assert not full.broken_links and not full.xml_problems
    a, b = tree(daily.root), tree(rebuilt.root)
    assert sorted(a) == sorted(b)
    different = [p for p in a if a[p] != b[p]]
    assert different == [], f"incremental and rebuilt sites differ in {different}"
    # The in-memory build of the same articles (small sites, tests) is the same site too.
    articles = [a for d in DAYS for a in store.published_articles_for_day(d)]
    memory = {f.path: f.body for f in build_site(articles, site)}
    assert memory == b


def test_two_days_published_at_once_both_reach_every_shared_listing(
    rendered: ContentStore, tmp_path: Path, tiny_switch_interval: None
) -> None:
    store, site = rendered, SiteConfig()
    publisher = LocalFolderPublisher(tmp_path / "site")
    publish_day(store, DAYS[0], publisher, site, key=KEY)  # the first, full build
    errors: list[BaseException] = []

    def publish(day: date) -> None:
        try:
            publish_day(store, day, publisher, site, key=KEY)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(d,)) for d in DAYS[1:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors and not any(t.is_alive() for t in threads)
    site_files = tree(publisher.root)
    for day in DAYS:
        for a in store.published_articles_for_day(day):
            # each article's own page, and the newest listings that must show it
            assert f"articles/{a.slug}.html" in site_files
            assert a.slug.encode() in site_files[f"days/{day.isoformat()}.html"]
            assert a.slug.encode() in site_files[f"sitemap-{day.strftime('%Y-%m')}.xml"]
    newest = store.site.newest(30)
    home = site_files["index.html"]
    assert all(a.slug.encode() in home for a in newest)
    assert {a.day for a in newest} >= set(DAYS[1:]), "the home page lost a day published at once"
    rebuilt = LocalFolderPublisher(tmp_path / "rebuilt")
    rebuild_site(store, rebuilt, site)
    assert site_files == tree(rebuilt.root)
