"""A day's publish writes only what it changes, and the result is the site a full rebuild makes.

Compared byte for byte, every file, no normalisation: the folder published day by day (with a
retraction and a re-publish in between) against a folder rebuilt from the same store, on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

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
from filings_pipeline.store import tables as t
from filings_pipeline.store.records import StoredArticle
from filings_pipeline.store.repository import _ENGINES
from filings_pipeline_tests.support.seeded_archive import article

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
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not errors and not any(th.is_alive() for th in threads)
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


# ---- the company directory: buckets and letters appear and vanish with their companies -------
def put_day(store: ContentStore, day: date, rows: list[tuple[int, int, str, bool]]) -> None:
    """The day's rendered articles (n, cik, company, held back?) with their filings rows,
    made directly (seeded_archive.article: pages linking their company and day)."""
    items = [
        StoredArticle(article(n, day, cik, name), "held back by the test" if held else None)
        for n, cik, name, held in rows
    ]
    store.replace_articles(day, items)
    filings = [
        {
            "accession": s.article.accession, "day": day, "cik": s.article.cik,
            "company": s.article.company, "form": "8-K", "status": "ok", "skip_reason": None,
            "text_length": 0, "data": None, "documents": None, "ingested_at": datetime.now(),
        }
        for s in items
    ]  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(sa.delete(t.filings).where(t.filings.c.day == day))
        conn.execute(sa.insert(t.filings), filings)


def aggregates(store: ContentStore) -> tuple[list, list]:
    """(companies, days) as the store keeps them."""
    return store.site.companies(), store.site.day_counts()


def assert_same_as_rebuild(store: ContentStore, daily: LocalFolderPublisher, tmp: Path) -> None:
    kept = aggregates(store)
    store.refresh_site_aggregates()  # recomputed from site_entries: what they must be
    assert aggregates(store) == kept
    manifest = store.site_manifest(daily.location)
    assert manifest.count() == manifest.counted() == len(tree(daily.root))  # kept, not counted
    rebuilt = LocalFolderPublisher(tmp)
    rebuild_site(store, rebuilt, SiteConfig())
    a, b = tree(daily.root), tree(rebuilt.root)
    assert sorted(a) == sorted(b)
    assert [p for p in a if a[p] != b[p]] == []


def test_companies_join_leave_and_rename_in_the_directory_like_a_rebuild(
    content_url: str, tmp_path: Path
) -> None:
    store, site = ContentStore(content_url), SiteConfig()
    d1, d2, d3 = date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 3)
    daily = LocalFolderPublisher(tmp_path / "daily")
    # A second destination publishes each day after the first (the store's decisions are
    # committed by then): it must still find what changed on it.
    other = LocalFolderPublisher(tmp_path / "other")

    def second(day: date) -> None:
        report = publish_day(store, day, other, site, key=KEY)
        assert not report.broken_links and not report.xml_problems
        assert tree(other.root) == tree(daily.root)

    put_day(store, d1, [(1, 101, "Acme Corp", False), (2, 202, "Globex Inc", False)])
    assert publish_day(store, d1, daily, site, key=KEY).full_rebuild
    assert (daily.root / "companies/letters/a/ac.html").is_file()
    assert not (daily.root / "companies/letters/z.html").exists()
    second(d1)

    # A known company's new article rewrites no directory page; a company's first article
    # (under a letter nobody had) adds its bucket, its letter and its bucket sitemap.
    put_day(store, d2, [(3, 101, "Acme Corp", False), (4, 303, "Zeta Mining", False)])
    report = publish_day(store, d2, daily, site, key=KEY)
    written = set(report.sync.published) | set(report.sync.updated)
    assert not report.broken_links and not report.xml_problems
    assert {"companies/letters/z.html", "companies/letters/z/ze.html"} <= written
    assert "sitemap-companies-ze.xml" in written
    assert "companies/letters/a/ac.html" not in written  # Acme was listed already
    assert "companies/letters/a.html" not in written
    assert b"sitemap-companies-ze.xml" in (daily.root / "sitemap.xml").read_bytes()
    assert_same_as_rebuild(store, daily, tmp_path / "r1")
    second(d2)

    # A rename into another bucket: Globex's newest article says Initech.
    put_day(store, d3, [(5, 202, "Initech Inc", False)])
    report = publish_day(store, d3, daily, site, key=KEY)
    assert not report.broken_links
    assert "companies/letters/i/in.html" in report.sync.published
    assert {"companies/letters/g/gl.html", "companies/letters/g.html"} <= set(report.sync.removed)
    assert "sitemap-companies-gl.xml" in report.sync.removed
    assert (daily.root / "companies/202-globex-inc.html").is_file()  # old links still work
    assert_same_as_rebuild(store, daily, tmp_path / "r2")
    second(d3)

    # A retraction of Zeta's only article: its company page, bucket, letter and sitemap go.
    put_day(store, d2, [(3, 101, "Acme Corp", False), (4, 303, "Zeta Mining", True)])
    report = publish_day(store, d2, daily, site, key=KEY)
    gone = {
        "companies/303-zeta-mining.html", "companies/letters/z.html",
        "companies/letters/z/ze.html", "sitemap-companies-ze.xml",
    }  # fmt: skip
    assert gone <= set(report.sync.removed)
    assert not any((daily.root / p).exists() for p in gone)
    assert b"Zeta" not in (daily.root / "companies/index.html").read_bytes()
    assert b"ze.xml" not in (daily.root / "sitemap.xml").read_bytes()
    assert store.site.companies_of([303]) == {}
    assert_same_as_rebuild(store, daily, tmp_path / "r3")
    second(d2)

    # Acme loses its d2 article too (held back): still listed, one article fewer.
    put_day(store, d2, [(3, 101, "Acme Corp", True), (4, 303, "Zeta Mining", True)])
    publish_day(store, d2, daily, site, key=KEY)
    assert store.site.companies_of([101])[101].articles == 1
    assert [r.day for r in store.site.day_counts()] == [d3, d1]
    assert not (daily.root / "days/2026-11-02.html").exists()
    assert_same_as_rebuild(store, daily, tmp_path / "r4")
    second(d2)


def test_a_store_made_before_the_aggregates_gets_them_from_its_site_index(
    content_url: str, tmp_path: Path
) -> None:
    store = ContentStore(content_url)
    put_day(store, date(2026, 11, 2), [(1, 101, "Acme Corp", False), (2, 101, "Acme", False)])
    publish_day(
        store, date(2026, 11, 2), LocalFolderPublisher(tmp_path / "s"), SiteConfig(), key=KEY
    )
    kept = aggregates(store)
    assert kept[0][0].articles == 2
    with store.engine.begin() as conn:  # as an earlier version left it: no aggregate tables
        t.site_companies.drop(conn)
        t.site_day_stats.drop(conn)
    _ENGINES.pop(content_url, None)
    assert aggregates(ContentStore(content_url)) == kept


# ---- upgrading a folder an earlier version published ----------------------------------------
@pytest.mark.parametrize("with_manifest", [True, False])
def test_first_publish_onto_an_old_folder_site_removes_what_the_layout_no_longer_has(
    tmp_path: Path, with_manifest: bool
) -> None:
    store, site = ContentStore(f"sqlite:///{tmp_path / 'content.db'}"), SiteConfig()
    day = date(2026, 11, 2)
    put_day(store, day, [(1, 101, "Acme Corp", False), (2, 202, "Globex Inc", False)])
    root = tmp_path / "site"
    # What the pre-incremental publisher left: a paginated home, a letter page and an
    # article since retracted, listed in its .publish-manifest.json; and a file of somebody
    # else's, in no manifest.
    old = {
        "index.html": b"<p>old home</p>",
        "page/2.html": b"<p>page 2</p>",
        "page/3.html": b"<p>page 3</p>",
        "companies/letters/a.html": b"<p>old letter</p>",
        "articles/2026-10-01-gone-8-k-0000000009-26-000009.html": b"<p>retracted</p>",
    }
    for path, body in {**old, "notes/mine.txt": b"not the publisher's"}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(body)
    if with_manifest:
        doc = {"version": 1, "files": {p: {"sha256": "x"} for p in old}}
        (root / ".publish-manifest.json").write_text(json.dumps(doc))

    report = publish_day(store, day, LocalFolderPublisher(root), site, key=KEY)

    assert report.full_rebuild and not report.broken_links
    rebuilt = LocalFolderPublisher(tmp_path / "rebuilt")
    rebuild_site(store, rebuilt, site)
    expected = tree(rebuilt.root)
    got = tree(root)
    assert got.pop("notes/mine.txt") == b"not the publisher's"  # never the publisher's to delete
    if not with_manifest:  # without its manifest only page/N.html is known to be the old layout's
        assert got.pop("articles/2026-10-01-gone-8-k-0000000009-26-000009.html")
    assert got == expected
    assert not (root / "page").exists()
    assert {"page/2.html", "page/3.html"} <= set(report.sync.removed)
    assert store.site_manifest(str(root)).paths() == sorted(expected)
    # ... and the next publish has nothing left to adopt.
    put_day(store, date(2026, 11, 3), [(3, 101, "Acme Corp", False)])
    again = publish_day(store, date(2026, 11, 3), LocalFolderPublisher(root), site, key=KEY)
    assert not again.full_rebuild and not again.sync.removed


def test_a_publish_commits_the_days_decisions_as_they_are_when_it_holds_the_lock(
    rendered: ContentStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live runs of one day overlap: a publish that read the day, then waited for the site lock
    while a newer run stored an article, must not commit its older picture (the article would
    be deleted from the site and its listings until the nightly run). Seen failing when the
    decisions were read before the lock: the re-published article stayed off the site."""
    from filings_pipeline.phases.publish import PUBLISH_LOCK

    store, site = rendered, SiteConfig()
    folder = LocalFolderPublisher(tmp_path / "site")
    for day in DAYS[:2]:
        publish_day(store, day, folder, site, key=KEY)
    victim = store.published_articles_for_day(DAYS[1])[0]
    hold_back(store, DAYS[1], victim.accession)  # not publishable when the late run reads
    at_lock = threading.Event()
    real_lock = ContentStore.lock

    def lock(self, name, *args, **kwargs):
        if name == PUBLISH_LOCK:
            at_lock.set()
        return real_lock(self, name, *args, **kwargs)

    outcome: dict[str, object] = {}
    with real_lock(store, PUBLISH_LOCK):  # another day's publish holds the site lock
        monkeypatch.setattr(ContentStore, "lock", lock)
        late = threading.Thread(
            target=lambda: outcome.update(report=publish_day(store, DAYS[1], folder, site, key=KEY))
        )
        late.start()
        assert at_lock.wait(30)  # it read the day and waits for the lock
        # meanwhile a newer run of the day makes the article publishable again
        store.replace_articles(
            DAYS[1],
            [dataclasses.replace(i, hold_reason=None) for i in store.articles_for_day(DAYS[1])],
        )
    late.join(60)
    report = outcome["report"]
    assert victim.accession in report.published  # type: ignore[attr-defined]
    page = folder.root / f"articles/{victim.slug}.html"
    assert page.is_file()
    day_page = (folder.root / f"days/{DAYS[1].isoformat()}.html").read_bytes()
    assert victim.slug.encode() in day_page


def test_a_rebuild_recomputes_the_directory_tables_it_reads(
    rendered: ContentStore, tmp_path: Path
) -> None:
    """The per-day and per-company tables were left empty (a process killed between making
    them and filling them, or a run of an earlier version publishing meanwhile): a rebuild
    reads its days and companies from them, then deletes every file it did not write, so it
    recomputes them first. Seen failing: the rebuild deleted every article and day page."""
    store, site = rendered, SiteConfig()
    folder = LocalFolderPublisher(tmp_path / "site")
    for day in DAYS:
        publish_day(store, day, folder, site, key=KEY)
    before = tree(folder.root)
    with store.engine.begin() as conn:
        conn.execute(sa.delete(t.site_day_stats))
        conn.execute(sa.delete(t.site_companies))
    report = rebuild_site(store, folder, site)
    assert not report.sync.removed and not report.broken_links
    assert tree(folder.root) == before


def test_publishes_waiting_when_the_site_changed_rebuild_it_once(
    rendered: ContentStore, tmp_path: Path
) -> None:
    """A new site title while two days' publishes wait for the lock: the first rebuilds the
    whole site, the second finds it current under the lock and publishes only its day (it
    rebuilt again before: one full rebuild per waiting publish)."""
    from filings_pipeline.phases.publish import PUBLISH_LOCK

    store = rendered
    folder = LocalFolderPublisher(tmp_path / "site")
    for day in DAYS[:2]:
        publish_day(store, day, folder, SiteConfig(), key=KEY)
    renamed = SiteConfig(title="The Filings Desk")
    reports: list = []
    with store.lock(PUBLISH_LOCK):
        threads = [
            threading.Thread(
                target=lambda d=day: reports.append(publish_day(store, d, folder, renamed, key=KEY))
            )
            for day in DAYS[2:]
        ]
        for th in threads:
            th.start()
        time.sleep(1.0)  # both read the site's state (not current) and wait for the lock
    for th in threads:
        th.join(60)
    assert sorted(r.full_rebuild for r in reports) == [False, True]
    rebuilt = LocalFolderPublisher(tmp_path / "rebuilt")
    rebuild_site(store, rebuilt, renamed)
    assert tree(folder.root) == tree(rebuilt.root)
