"""Build a site from the real EDGAR daily index of 2018-12-31 (real company names and forms)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from filings_pipeline.edgar.models import Filing
from filings_pipeline.publishing.site import build_site, check_internal_links
from filings_pipeline.rendering.models import SiteConfig
from filings_pipeline.rendering.render import render_article
from filings_pipeline_tests.rendering.factories import make_analysis, make_input

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "edgar"
MASTER = FIXTURES / "index" / "master.20181231.idx"


def _rows() -> list[list[str]]:
    if not MASTER.exists():
        pytest.skip("../shared/fixtures/edgar not present (a user's clone has no ../shared)")
    lines = MASTER.read_text("latin-1").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    return [line.split("|") for line in lines[start:] if line.count("|") == 4]


def test_site_from_a_real_daily_index() -> None:
    rows = _rows()
    assert len(rows) >= 5
    articles = []
    for n, (cik, company, form, filed, path) in enumerate(rows):
        accession = path.rsplit("/", 1)[-1].removesuffix(".txt")
        folder = f"https://www.sec.gov/Archives/edgar/data/{cik}/{accession.replace('-', '')}"
        day = datetime.strptime(filed, "%Y%m%d").date()
        filing = Filing(
            accession=accession,
            cik=int(cik),
            company=company,
            form=form,
            day=day,
            date_filed=day,
            primary_document="doc.htm",
            primary_url=f"{folder}/doc.htm",
            index_url=f"{folder}/{accession}-index.htm",
            text="text",
            accepted_at=datetime(2018, 12, 31, 8, 0) if n % 2 else None,
            items=["8.01", "9.01"] if form == "8-K" else [],
        )
        analysis = make_analysis(headline=f"{company[:100]} files a {form}")
        articles.append(render_article(make_input(filing=filing, analysis=analysis), SiteConfig()))

    slugs = [a.slug for a in articles]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"2018-12-31-[a-z0-9-]+", s) for s in slugs)
    files = build_site(articles, SiteConfig())
    assert check_internal_links(files) == []
    paths = {f.path for f in files}
    assert "companies/100334-american-century-mutual-funds-inc.html" in paths
    assert "days/2018-12.html" in paths and "sitemap-2018-12.xml" in paths
    day = next(f for f in files if f.path == "days/2018-12-31.html")
    headlines = BeautifulSoup(day.body, "html.parser").select("li.story h2 a")
    assert len(headlines) == len(rows)
    # An 8-K shows its items; a Form 4 does not claim any.
    eight_k = next(a for a in articles if a.form == "8-K")
    assert "Item 8.01" in eight_k.article_html and "Other Events" in eight_k.article_html
    form4 = next(a for a in articles if a.form == "4")
    assert "Items reported" not in form4.article_html
