"""build_site: structure, links, feed, sitemaps, emails, stable layout, hostile text."""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest
from bs4 import BeautifulSoup
from lxml import etree

from filings_pipeline.publishing.feeds import ATOM_NS, SITEMAP_NS
from filings_pipeline.publishing.models import SiteFile
from filings_pipeline.publishing.pages import FEED_SIZE, HOME_SIZE
from filings_pipeline.publishing.site import build_site, check_internal_links
from filings_pipeline.rendering.models import RenderedArticle, SiteConfig
from filings_pipeline.rendering.render import render_article
from filings_pipeline.rendering.safety import unsafe_markup
from filings_pipeline.store.records import ARTICLE
from filings_pipeline_tests.rendering.factories import (
    IMG,
    SCRIPT,
    make_analysis,
    make_articles,
    make_filing,
    make_input,
)
from filings_pipeline_tests.rendering.html_checks import executable_markup, visible_text

SITE = SiteConfig()
A = f"{{{ATOM_NS}}}"
S = f"{{{SITEMAP_NS}}}"


def by_path(files: list[SiteFile]) -> dict[str, SiteFile]:
    return {f.path: f for f in files}


@pytest.fixture(scope="module")
def seven() -> list[RenderedArticle]:
    return make_articles(7)


@pytest.fixture(scope="module")
def built(seven: list[RenderedArticle]) -> dict[str, SiteFile]:
    return by_path(build_site(seven, SITE))


def test_site_has_every_page(seven: list[RenderedArticle], built: dict[str, SiteFile]) -> None:
    for a in seven:
        for path in (
            f"articles/{a.slug}.html",
            f"email/articles/{a.slug}.html",
            f"email/articles/{a.slug}.txt",
        ):
            assert path in built
    for d in ("2026-11-16", "2026-11-17", "2026-11-18"):
        for path in (
            f"days/{d}.html",
            f"email/digests/{d}.html",
            f"email/digests/{d}.txt",
        ):
            assert path in built
    for path in (
        "index.html",
        "feed.xml",
        "sitemap.xml",
        "404.html",
        "style.css",
        "favicon.svg",
        "days/index.html",
        "companies/index.html",
        "companies/1234567-acme-widgets-corp.html",
        "companies/7654321-globex-inc.html",
        "companies/1111111-initech-llc.html",
        "companies/letters/a.html",
        "companies/letters/a/ac.html",
        "companies/letters/g/gl.html",
        "days/2026-11.html",
        "sitemap-2026-11.xml",
        "sitemap-pages.xml",
        "sitemap-companies-ac.xml",
        "sitemap-companies-gl.xml",
    ):
        assert path in built
    assert not [p for p in built if p.startswith("page/")]  # no pages that shift on insert


def test_write_order_puts_articles_before_pages_that_link_them(seven) -> None:
    paths = [f.path for f in build_site(seven, SITE)]
    own = ("articles/", "email/articles/")
    last_article = max(i for i, p in enumerate(paths) if p.startswith(own))
    first_index = min(i for i, p in enumerate(paths) if not p.startswith(own))
    assert last_article < first_index
    assert paths.index("index.html") < paths.index("feed.xml") < paths.index("sitemap.xml")
    assert len(paths) == len(set(paths))


def test_content_types_and_cache_control(built: dict[str, SiteFile], seven) -> None:
    expected = {
        f"articles/{seven[0].slug}.html": ("text/html; charset=utf-8", "public, max-age=3600"),
        "index.html": ("text/html; charset=utf-8", "public, max-age=300"),
        "days/2026-11-16.html": ("text/html; charset=utf-8", "public, max-age=300"),
        "style.css": ("text/css; charset=utf-8", "public, max-age=86400"),
        "feed.xml": ("application/atom+xml; charset=utf-8", "public, max-age=300"),
        "sitemap.xml": ("application/xml", "public, max-age=300"),
        "favicon.svg": ("image/svg+xml", "public, max-age=86400"),
        "email/digests/2026-11-16.txt": ("text/plain; charset=utf-8", "public, max-age=300"),
    }
    for path, (ctype, cache) in expected.items():
        assert (built[path].content_type, built[path].cache_control) == (ctype, cache), path


@pytest.mark.parametrize("base_url", ["", "https://news.example.org/desk"])
def test_every_internal_link_resolves(seven, base_url: str) -> None:
    files = build_site(seven, SiteConfig(base_url=base_url))
    assert check_internal_links(files, base_url) == []
    # and the checker really looks: every article is linked from some index page
    linked = set()
    for f in files:
        if f.path.endswith(".html") and not f.path.startswith(("articles/", "email/")):
            soup = BeautifulSoup(f.body, "html.parser")
            linked |= {a["href"].rsplit("/", 1)[-1] for a in soup.find_all("a", href=True)}
    assert {f"{a.slug}.html" for a in seven} <= linked


def test_link_checker_reports_broken_links(seven) -> None:
    files = build_site(seven, SITE)
    without_day = [f for f in files if f.path != "days/2026-11-17.html"]
    problems = check_internal_links(without_day)
    assert problems and all("days/2026-11-17.html" in p for p in problems)
    assert any(p.startswith("articles/") for p in problems)  # the articles of that day link it
    extra = [
        SiteFile(
            "x/a.html",
            b'<a href="/index.html">r</a><a href="../../up.html">u</a>'
            b'<img src="missing.png"><a href="https://sec.gov/">ok</a><a href="#top">t</a>',
            "text/html; charset=utf-8",
        ),
    ]
    problems = check_internal_links(files + extra)
    assert any("root-absolute" in p and "/index.html" in p for p in problems)
    assert any("leaves the site" in p for p in problems)
    assert any("no x/missing.png" in p for p in problems)
    assert len(problems) == 3


def test_no_external_assets_and_no_javascript(built: dict[str, SiteFile]) -> None:
    css = built["style.css"].body.decode()
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    for f in built.values():
        if f.content_type.startswith("text/html"):
            soup = BeautifulSoup(f.body, "html.parser")
            assert soup.find("script") is None, f.path
            for el in soup.find_all(["link", "img", "iframe"]):
                ref = el.get("href") or el.get("src") or ""
                if el.name == "link" and el.get("rel") == ["canonical"]:
                    continue
                assert not ref.startswith(("http:", "https:", "//")), (f.path, ref)
    assert "@media" in css and "system-ui" in css  # responsive, system fonts


def test_feed_is_valid_atom(seven, built: dict[str, SiteFile]) -> None:
    root = etree.fromstring(built["feed.xml"].body)
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{A}{tag}") is not None, tag
    entries = root.findall(f"{A}entry")
    assert len(entries) == 7
    for e in entries:
        assert e.findtext(f"{A}id").startswith("urn:uuid:")
        assert e.find(f"{A}link[@rel='alternate']").get("href").startswith("articles/")
        assert e.findtext(f"{A}updated") and e.findtext(f"{A}summary")
    newest = max(a.accepted_at for a in seven)
    assert root.findtext(f"{A}updated") == newest.isoformat() + "-05:00"
    assert entries[0].findtext(f"{A}updated") == root.findtext(f"{A}updated")
    assert len({e.findtext(f"{A}id") for e in entries}) == 7


def test_feed_holds_the_newest_feed_size_entries() -> None:
    arts = make_articles(FEED_SIZE + 5)
    feed = etree.fromstring(by_path(build_site(arts, SITE))["feed.xml"].body)
    entries = feed.findall(f"{A}entry")
    assert len(entries) == FEED_SIZE
    oldest_kept = min(e.findtext(f"{A}updated") for e in entries)
    assert sorted(a.accepted_at for a in arts)[5].isoformat() + "-05:00" == oldest_kept


def _locs(body: bytes, tag: str = "url") -> list[str]:
    return [u.findtext(f"{S}loc") for u in etree.fromstring(body).findall(f"{S}{tag}")]


def test_sitemap_index_and_month_sitemap_list_every_page(seven, built) -> None:
    assert etree.fromstring(built["sitemap.xml"].body).tag == f"{S}sitemapindex"
    children = _locs(built["sitemap.xml"].body, "sitemap")
    assert children == [
        "sitemap-pages.xml",
        "sitemap-companies-ac.xml",
        "sitemap-companies-gl.xml",
        "sitemap-companies-in.xml",
        "sitemap-2026-11.xml",
    ]
    month = _locs(built["sitemap-2026-11.xml"].body)
    assert {f"articles/{a.slug}.html" for a in seven} <= set(month)
    assert "days/2026-11-16.html" in month
    assert {"index.html", "days/index.html", "days/2026-11.html"} <= set(
        _locs(built["sitemap-pages.xml"].body)
    )
    assert _locs(built["sitemap-companies-gl.xml"].body) == [
        "companies/letters/g/gl.html",
        "companies/7654321-globex-inc.html",
    ]
    assert b"relative" in built["sitemap-2026-11.xml"].body  # says why the URLs are relative

    base = "https://news.example.org/desk"
    absolute = by_path(build_site(seven, SiteConfig(base_url=base)))
    for path in ("sitemap.xml", "sitemap-2026-11.xml"):
        locs = _locs(absolute[path].body, "sitemap" if path == "sitemap.xml" else "url")
        assert locs and all(loc.startswith(base + "/") for loc in locs)
    assert {f"{base}/articles/{a.slug}.html" for a in seven} <= set(
        _locs(absolute["sitemap-2026-11.xml"].body)
    )
    assert b"<!--" not in absolute["sitemap-2026-11.xml"].body


def test_digest_web_view_is_on_the_site_but_no_message(seven, built: dict[str, SiteFile]) -> None:
    """The sendable .eml carries a reader's address: it is built per reader by delivery, never
    published (it used to be, at email/digests/DAY.eml)."""
    assert not [p for p in built if p.endswith(".eml")]
    html = built["email/digests/2026-11-16.html"].body.decode()
    day = [a for a in seven if a.day == date(2026, 11, 16)]
    soup = BeautifulSoup(html, "html.parser")
    story_links = {a["href"] for a in soup.find_all("a", string="Read the article")}
    assert story_links == {f"../../articles/{a.slug}.html" for a in day}
    assert soup.find("style") is None and soup.find("table")
    assert "Unsubscribe" not in html  # the per-reader link is only in sent copies
    text = built["email/digests/2026-11-16.txt"].body.decode()
    assert all(f"articles/{a.slug}.html" in text for a in day)


def test_digest_orders_most_material_first() -> None:
    site = SiteConfig()
    low = render_article(make_input(1, analysis=make_analysis(materiality=1)), site)
    high = render_article(make_input(2, analysis=make_analysis(materiality=5)), site)
    text = by_path(build_site([low, high], site))["email/digests/2026-11-16.txt"].body.decode()
    assert text.index(high.slug) < text.index(low.slug)


def test_home_shows_the_newest_and_the_archives_hold_every_article() -> None:
    arts = make_articles(HOME_SIZE + 15, days=3)
    files = by_path(build_site(arts, SITE))
    home = BeautifulSoup(files["index.html"].body, "html.parser")
    shown = [a["href"] for a in home.select("li.story h2 a")]
    newest = sorted(arts, key=lambda a: a.accepted_at, reverse=True)[:HOME_SIZE]
    assert shown == [f"articles/{a.slug}.html" for a in newest]
    nav = {a["href"] for a in home.select(".pager a")}
    assert nav == {"days/index.html", "companies/index.html"}
    in_days = set()
    for path, f in files.items():
        if path.startswith("days/") and path.count("-") == 2:
            soup = BeautifulSoup(f.body, "html.parser")
            in_days |= {a["href"].rsplit("/", 1)[-1] for a in soup.select("li.story h2 a")}
    assert in_days == {f"{a.slug}.html" for a in arts}
    months = BeautifulSoup(files["days/index.html"].body, "html.parser")
    assert [a["href"] for a in months.select("ul.directory a")] == ["../days/2026-11.html"]
    assert check_internal_links(list(files.values())) == []


def test_deterministic_and_independent_of_input_order(seven) -> None:
    one = build_site(seven, SITE)
    shuffled = list(seven)
    random.Random(4).shuffle(shuffled)
    two = build_site(shuffled, SITE)
    assert [(f.path, f.body, f.content_type, f.cache_control) for f in one] == [
        (f.path, f.body, f.content_type, f.cache_control) for f in two
    ]
    # stored and reloaded articles build the same site
    reloaded = [ARTICLE.validate_python(ARTICLE.dump_python(a, mode="json")) for a in seven]
    assert build_site(reloaded, SITE) == one


def test_retracted_article_vanishes_everywhere(seven) -> None:
    gone = seven[2]
    files = build_site([a for a in seven if a is not gone], SITE)
    assert all(gone.slug not in f.path for f in files)
    for f in files:
        assert gone.slug.encode() not in f.body, f.path
        assert gone.accession.encode() not in f.body, f.path


def test_empty_site_is_valid() -> None:
    files = by_path(build_site([], SITE))
    assert set(files) == {
        "index.html",
        "days/index.html",
        "companies/index.html",
        "feed.xml",
        "sitemap.xml",
        "sitemap-pages.xml",
        "404.html",
        "style.css",
        "favicon.svg",
    }
    assert check_internal_links(list(files.values())) == []
    feed = etree.fromstring(files["feed.xml"].body)
    assert feed.findall(f"{A}entry") == []
    assert feed.findtext(f"{A}updated") == "1970-01-01T00:00:00-05:00"  # no wall clock
    assert "No articles here yet." in visible_text(files["index.html"].body.decode())


def test_bad_arguments_get_clear_errors(seven) -> None:
    with pytest.raises(ValueError, match="duplicate article"):
        build_site([seven[0], seven[1], seven[0]], SITE)


def test_renamed_company_keeps_every_link_working() -> None:
    old = render_article(make_input(filing=make_filing(1, company="Old Name Inc")), SITE)
    new_filing = make_filing(2, company="New Name Inc", accepted_at=datetime(2026, 11, 16, 17, 0))
    new = render_article(make_input(filing=new_filing), SITE)
    files = build_site([old, new], SITE)
    paths = {f.path for f in files}
    assert {"companies/1234567-old-name-inc.html", "companies/1234567-new-name-inc.html"} <= paths
    assert check_internal_links(files) == []
    directory = by_path(files)["companies/letters/n/ne.html"].body.decode()
    assert "New Name Inc" in directory and "Old Name Inc" not in directory


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_hostile_text_is_escaped_across_the_site(payload: str) -> None:
    filing = make_filing(9, company=f"Evil {payload} Corp", tickers=[payload])
    analysis = make_analysis(
        headline=f"Headline {payload}",
        summary=f"Summary {payload} with enough words to pass validation.",
        key_points=[f"Point {payload}"],
    )
    site = SiteConfig(title=f"Desk {payload}", tagline=f"Tag {payload}")
    art = render_article(make_input(filing=filing, analysis=analysis), site)
    files = build_site([art], site)
    for f in files:
        if f.content_type.startswith("text/html"):
            assert executable_markup(f.body.decode()) == [], f.path
            assert "<script" not in f.body.decode().lower(), f.path
            assert unsafe_markup(f.body.decode()) is None, f.path
    pages = by_path(files)
    for path in ("index.html", "days/2026-11-16.html", "email/digests/2026-11-16.html"):
        text = visible_text(pages[path].body.decode())
        assert f"Headline {payload}" in text and f"Evil {payload} Corp" in text, path
    feed = etree.fromstring(pages["feed.xml"].body)
    assert feed.find(f"{A}entry/{A}title").text == f"Headline {payload}"
    assert feed.findtext(f"{A}title") == f"Desk {payload}"
