"""render_article: content, attribution, hostile text, determinism, serialisation."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from bs4 import BeautifulSoup
from pydantic import ValidationError

from filings_pipeline.analysis.schema import Figure
from filings_pipeline.rendering.environment import excerpt
from filings_pipeline.rendering.item_names import item_title
from filings_pipeline.rendering.labels import OFFLINE_NOTE
from filings_pipeline.rendering.models import ArticleInput, SiteConfig
from filings_pipeline.rendering.render import render_article
from filings_pipeline.rendering.safety import unsafe_markup
from filings_pipeline.rendering.slugs import article_slug, company_path, slugify
from filings_pipeline.rendering.timefmt import format_eastern
from filings_pipeline.store.records import ARTICLE
from filings_pipeline_tests.rendering.factories import (
    IMG,
    SCRIPT,
    make_analysis,
    make_filing,
    make_input,
)
from filings_pipeline_tests.rendering.html_checks import executable_markup, visible_text

SITE = SiteConfig()


def test_article_page_shows_the_story_and_its_facts() -> None:
    r = render_article(make_input(filing=make_filing(123)), SITE)
    soup = BeautifulSoup(r.article_html, "html.parser")
    text = " ".join(visible_text(r.article_html).split())
    assert soup.h1.get_text() == "Acme Widgets posts 12% revenue growth in third quarter"
    assert "Acme Widgets Corp" in text and "(ACME)" in text and "Form 8-K" in text
    assert "Item 2.02 Results of Operations and Financial Condition" in text
    assert "Item 9.01 Financial Statements and Exhibits" in text
    assert "Accepted Nov 16, 2026, 4:05 PM ET" in text
    assert "Filed Nov 16, 2026" in text
    assert "Sentiment Positive (+0.60)" in text
    assert "Materiality 4 of 5 — High" in text
    assert "Full-year outlook raised" in text
    assert len(soup.select("section.summary p")) == 2
    figures = [[td.get_text() for td in tr.find_all("td")] for tr in soup.select("tbody tr")]
    assert figures == [["Revenue", "$1.2 billion"], ["Operating margin", "18.4%"]]
    sec = soup.find("a", string="Read the filing on SEC.gov")
    assert sec["href"] == make_filing(123).sec_url
    assert soup.find("link", rel="stylesheet")["href"].startswith("../style.css")
    assert soup.find("link", rel="canonical") is None  # no base_url: relative only


def test_rendered_fields_for_the_indexes() -> None:
    f = make_filing(123, company="Acme Corp")
    r = render_article(make_input(filing=f), SITE)
    assert r.slug == "2026-11-16-acme-corp-8-k-0001234567-26-000123"
    assert (r.accession, r.cik, r.form, r.day) == (f.accession, f.cik, "8-K", date(2026, 11, 16))
    assert r.items == ["2.02", "9.01"] and r.tickers == ["ACME"]
    assert (r.sentiment, r.materiality, r.event_type) == ("positive", 4, "earnings")
    assert r.sec_url == f.index_url and r.accepted_at == datetime(2026, 11, 16, 16, 5)


def test_offline_label_only_for_the_offline_analyzer() -> None:
    offline = render_article(make_input(analyzer="offline"), SITE)
    bedrock = render_article(make_input(analyzer="bedrock"), SITE)
    for html in (offline.article_html, offline.email_html):
        assert OFFLINE_NOTE in " ".join(visible_text(html).split())
    assert OFFLINE_NOTE in " ".join(offline.email_text.split())
    for out in (bedrock.article_html, bedrock.email_html, bedrock.email_text):
        assert "Offline extractive summary" not in out
        assert "rule-based" not in out
    by = "Analysis by anthropic.claude-sonnet-4 (prompt v3)"
    assert by in visible_text(bedrock.article_html) and by in bedrock.email_text
    assert "Analysis by" not in offline.article_html


HOSTILE = [SCRIPT, IMG]


def _hostile_input(payload: str) -> ArticleInput:
    filing = make_filing(
        7, company=f"Evil {payload} Corp", tickers=[f"X{payload}"], form=f"8-K{payload}"
    )
    analysis = make_analysis(
        headline=f"Headline {payload}",
        summary=f"Summary with {payload} inside it, repeated.\n\nSecond {payload} paragraph.",
        key_points=[f"Point {payload}", "A plain point"],
        materiality_rationale=f"Because {payload}",
        figures=[Figure(name=f"Fig {payload}"[:120], value=payload[:60], unit="<b>u</b>")],
    )
    return make_input(
        filing=filing, analysis=analysis, figures_ok=False, figure_problems=[f"bad {payload}"]
    )


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_is_escaped_everywhere(payload: str) -> None:
    r = render_article(_hostile_input(payload), SITE)
    for html in (r.article_html, r.email_html):
        assert executable_markup(html) == []
        assert "<script" not in html.lower()
        text = visible_text(html)
        for shown in (f"Headline {payload}", f"Evil {payload} Corp", f"Point {payload}"):
            assert shown in text, shown
    article_text = visible_text(r.article_html)
    for shown in (f"Because {payload}", f"bad {payload}", f"Second {payload} paragraph."):
        assert shown in article_text
    assert f"Fig {payload}" in article_text and "<b>u</b>" in article_text
    # The plain-text email carries the words as words (plain text is never interpreted).
    assert f"Headline {payload}" in r.email_text


def test_non_http_filing_link_is_not_linked() -> None:
    filing = make_filing(3)
    filing.index_url = "javascript:alert(1)"
    r = render_article(make_input(filing=filing), SITE)
    soup = BeautifulSoup(r.article_html, "html.parser")
    assert all(not a["href"].startswith("javascript") for a in soup.find_all("a"))
    assert "javascript:" not in r.email_html
    assert unsafe_markup(r.article_html) is None and unsafe_markup(r.email_html) is None


def test_unverified_figures_get_a_visible_warning() -> None:
    ok = render_article(make_input(), SITE)
    bad = render_article(
        make_input(figures_ok=False, figure_problems=["'$9.9 billion' not found in the filing"]),
        SITE,
    )
    assert "Check these figures" not in ok.article_html
    text = visible_text(bad.article_html)
    assert "Check these figures" in text and "'$9.9 billion' not found in the filing" in text
    assert bad.figures_ok is False and "Check these figures" in bad.email_text


def test_control_characters_do_not_break_rendering() -> None:
    analysis = make_analysis(summary="Revenue\x00 rose\x0b strongly in the quarter\x1f overall.")
    r = render_article(make_input(analysis=analysis), SITE)
    assert "Revenue rose strongly in the quarter overall." in r.article_html


def test_rendering_is_deterministic_and_round_trips_through_json() -> None:
    a = render_article(make_input(analyzer="offline"), SITE)
    b = render_article(make_input(analyzer="offline"), SITE)
    assert a == b
    stored = ARTICLE.dump_python(a, mode="json")
    back = ARTICLE.validate_python(json.loads(json.dumps(stored)))
    assert back == a
    assert "rendered_at" not in stored


def test_base_url_gives_canonical_and_absolute_email_links() -> None:
    site = SiteConfig(base_url="https://news.example.org/desk/")
    r = render_article(make_input(), site)
    soup = BeautifulSoup(r.article_html, "html.parser")
    assert soup.find("link", rel="canonical")["href"] == (
        f"https://news.example.org/desk/articles/{r.slug}.html"
    )
    email = BeautifulSoup(r.email_html, "html.parser")
    assert email.find("a", string="Read the article")["href"] == (
        f"https://news.example.org/desk/articles/{r.slug}.html"
    )
    assert f"https://news.example.org/desk/articles/{r.slug}.html" in r.email_text


def test_email_html_is_a_table_layout_with_inline_css() -> None:
    r = render_article(make_input(), SITE)
    soup = BeautifulSoup(r.email_html, "html.parser")
    assert soup.find("style") is None and soup.find("link") is None
    assert len(soup.find_all("table")) >= 2
    assert all(td.get("style") for td in soup.find_all("td"))


def test_bad_inputs_get_clear_errors() -> None:
    with pytest.raises(ValueError, match="analyzer"):
        make_input(analyzer="gpt")
    with pytest.raises(ValueError, match="base_url"):
        SiteConfig(base_url="news.example.org")
    d = ARTICLE.dump_python(render_article(make_input(), SITE), mode="json")
    del d["slug"], d["headline"]
    with pytest.raises(ValidationError) as missing:
        ARTICLE.validate_python(d)
    assert {(e["loc"], e["type"]) for e in missing.value.errors()} == {
        (("headline",), "missing"),
        (("slug",), "missing"),
    }
    d = ARTICLE.dump_python(render_article(make_input(), SITE), mode="json")
    d["day"] = "16/11/2026"
    with pytest.raises(ValidationError) as bad:
        ARTICLE.validate_python(d)
    assert [e["loc"] for e in bad.value.errors()] == [("day",)]


def test_slugs_are_url_safe_and_stable() -> None:
    assert article_slug(date(2026, 11, 16), "Acme Corp", "8-K", "0001234567-26-000123") == (
        "2026-11-16-acme-corp-8-k-0001234567-26-000123"
    )
    assert article_slug(date(2026, 11, 16), "Société Générale /FR/", "8-K/A", "1-2") == (
        "2026-11-16-societe-generale-fr-8-k-a-1-2"
    )
    assert slugify("<script>") == "script" and slugify("!!!") == "x"
    assert len(slugify("word " * 40, 60)) <= 60
    assert company_path(320193, "Apple Inc.") == "companies/320193-apple-inc.html"


def test_eastern_time_format() -> None:
    assert format_eastern(datetime(2026, 11, 16, 16, 5)) == "Nov 16, 2026, 4:05 PM ET"
    assert format_eastern(datetime(2026, 3, 2, 0, 7)) == "Mar 2, 2026, 12:07 AM ET"
    assert format_eastern(datetime(2026, 7, 1, 12, 30)) == "Jul 1, 2026, 12:30 PM ET"


def test_item_titles() -> None:
    assert item_title("5.02").startswith("Departure of Directors or Certain Officers")
    assert item_title("1.05") == "Material Cybersecurity Incidents"
    assert item_title("7.77") == "Item 7.77"


def test_excerpt_is_short_plain_text_cut_at_a_word() -> None:
    r = render_article(make_input(), SITE)
    text = f"{r.headline} \u2014 {r.summary}"
    p = excerpt(text, 80)
    assert p.startswith("Acme Widgets posts 12% revenue growth")
    assert len(p) <= 81 and p.endswith("…") and "\n" not in p
    assert excerpt(text, 5000).endswith("third straight quarter.")


def test_filing_without_acceptance_time_shows_its_filing_date() -> None:
    r = render_article(
        make_input(filing=make_filing(5, accepted_at=None, form="10-Q", items=[])), SITE
    )
    text = " ".join(visible_text(r.article_html).split())
    assert "Filed Nov 16, 2026" in text and "Accepted" not in text
    assert "Items reported" not in text
    assert "Filed Nov 16, 2026" in r.email_text


def test_item_codes_only_for_8k_forms() -> None:
    ten_q = render_article(make_input(filing=make_filing(6, form="10-Q", items=[])), SITE)
    assert ten_q.items == [] and "Items reported" not in ten_q.article_html
    # an 8-K whose metadata lists no items falls back to the analysis's item codes
    eight_k = render_article(make_input(filing=make_filing(7, items=[])), SITE)
    assert eight_k.items == ["2.02", "9.01"]
    amended = render_article(make_input(filing=make_filing(8, form="8-K/A", items=["5.02"])), SITE)
    assert amended.items == ["5.02"] and "Departure of Directors" in amended.article_html
