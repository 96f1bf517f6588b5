"""Parse a filing index page (`{accession}-index.html`), reference §7."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from bs4 import BeautifulSoup

from filings_pipeline.edgar.items import codes_from_item_lines

_CIK = re.compile(r"CIK\s*:?\s*(\d{1,10})")


class FilingIndexParseError(ValueError):
    """The page is not a filing index page."""


@dataclass(frozen=True)
class IndexDocument:
    """One row of a "Document Format Files" / "Data Files" table."""

    seq: int | None
    description: str
    document: str  # file name
    type: str
    size: int | None
    href: str  # as linked on the page (may be an /ix?doc= viewer link)


@dataclass
class FilingIndexPage:
    """What the index page says about a filing."""

    form: str = ""
    filing_date: date | None = None
    accepted_at: datetime | None = None  # US Eastern wall-clock time
    period_of_report: date | None = None
    items: list[str] = field(default_factory=list)
    company: str = ""
    cik: int | None = None
    documents: list[IndexDocument] = field(default_factory=list)

    @property
    def primary(self) -> IndexDocument | None:
        """Seq 1, else the first document row."""
        for doc in self.documents:
            if doc.seq == 1:
                return doc
        return self.documents[0] if self.documents else None

    def exhibits(self, prefix: str = "EX-99") -> list[IndexDocument]:
        """Documents whose type starts with `prefix` (EX-99.x press releases by default)."""
        return [d for d in self.documents if d.type.upper().startswith(prefix)]


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else None


def parse_filing_index(html: str) -> FilingIndexPage:
    """Parse an `-index.html` page; raises FilingIndexParseError when it is something else."""
    soup = BeautifulSoup(html, "lxml")
    heads = soup.select("div.infoHead")
    if not heads and not soup.select("table.tableFile"):
        raise FilingIndexParseError("not a filing index page: no infoHead fields or tableFile")
    page = FilingIndexPage()
    form = soup.select_one("#formName strong")
    if form:
        page.form = form.get_text(strip=True).removeprefix("Form").strip()
    for head in heads:
        info = head.find_next_sibling("div", class_="info")
        if info is None:
            continue
        label = head.get_text(" ", strip=True).lower()
        value = info.get_text("\n", strip=True)
        if label == "filing date":
            page.filing_date = _date(value)
        elif label == "accepted":
            try:
                page.accepted_at = datetime.fromisoformat(value)
            except ValueError:
                page.accepted_at = None
        elif label == "period of report":
            page.period_of_report = _date(value)
        elif label == "items":
            page.items = codes_from_item_lines(value)
    name = soup.select_one("span.companyName")
    if name:
        text = name.get_text(" ", strip=True)
        page.company = re.sub(
            r"\s*\((?:Filer|Subject|Reporting|Filed by|Issuer)[^)]*\).*$", "", text
        )
        page.company = page.company.split(" CIK")[0].strip()
        m = _CIK.search(text)
        page.cik = int(m.group(1)) if m else None
    for table in soup.select("table.tableFile"):
        for row in table.find_all("tr"):
            cells = row.find_all("td")
            if len(cells) < 5:
                continue
            link = cells[2].find("a")
            page.documents.append(
                IndexDocument(
                    seq=_int(cells[0].get_text(strip=True)),
                    description=cells[1].get_text(" ", strip=True),
                    document=(link.get_text(strip=True) if link else cells[2].get_text(strip=True)),
                    type=cells[3].get_text(strip=True),
                    size=_int(cells[4].get_text(strip=True)),
                    href=str(link.get("href", "")) if link else "",
                )
            )
    return page
