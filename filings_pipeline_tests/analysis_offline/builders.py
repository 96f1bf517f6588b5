"""Builders for test filings: synthetic ones and ones made from the real EDGAR fixtures."""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

from filings_pipeline.edgar.models import Exhibit, Filing

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / ".." / "shared" / "fixtures" / "edgar"


def make_filing(
    text: str,
    *,
    company: str = "Acme Corp",
    form: str = "8-K",
    items: list[str] | None = None,
    sections: dict[str, str] | None = None,
    exhibits: list[Exhibit] | None = None,
    tickers: list[str] | None = None,
) -> Filing:
    """A Filing with plausible metadata around the given text."""
    return Filing(
        accession="0000000000-24-000001",
        cik=123456,
        company=company,
        form=form,
        day=date(2024, 3, 15),
        date_filed=date(2024, 3, 15),
        primary_document="acme-8k.htm",
        primary_url="https://www.sec.gov/Archives/edgar/data/123456/000000000024000001/acme-8k.htm",
        index_url="https://www.sec.gov/Archives/edgar/data/123456/0000000000-24-000001-index.html",
        text=text,
        tickers=tickers or [],
        items=items or [],
        sections=sections or {},
        exhibits=exhibits or [],
    )


def fixtures_dir() -> Path:
    """The shared EDGAR fixtures folder, or skip when this clone has no ../shared."""
    if not FIXTURES.is_dir():
        pytest.skip("../shared/fixtures/edgar not present (a user's clone has no ../shared)")
    return FIXTURES


def html_to_text(html: str) -> str:
    """Visible text of an HTML document, one block per line (as BeautifulSoup gives it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "lxml")
    for hidden in soup.find_all(["script", "style", "ix:header"]):
        hidden.decompose()
    return soup.get_text("\n")


def submission_documents(path: Path) -> list[tuple[str, str]]:
    """(type, text) of each HTML/text document in a full-submission .txt file."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    out = []
    for doc in re.findall(r"<DOCUMENT>(.*?)</DOCUMENT>", raw, re.S):
        kind = re.search(r"<TYPE>([^\n<]+)", doc)
        body = re.search(r"<TEXT>(.*?)</TEXT>", doc, re.S)
        if kind and body:
            out.append((kind.group(1).strip(), body.group(1)))
    return out


def filing_from_submission(path: Path, *, company: str, form: str, items: list[str]) -> Filing:
    """Primary document text + EX-99 exhibits from a full-submission .txt fixture."""
    text = ""
    exhibits: list[Exhibit] = []
    for kind, body in submission_documents(path):
        if kind == form and not text:
            text = html_to_text(body)
        elif kind.startswith("EX-99"):
            exhibits.append(
                Exhibit(type=kind, filename=f"{kind}.htm", url="", text=html_to_text(body))
            )
    return make_filing(text, company=company, form=form, items=items, exhibits=exhibits)


def filing_from_html(path: Path, *, company: str, form: str, items: list[str]) -> Filing:
    """A filing whose text is the given primary HTML document."""
    html = path.read_text(encoding="utf-8", errors="replace")
    return make_filing(html_to_text(html), company=company, form=form, items=items)
