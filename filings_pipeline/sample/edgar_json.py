"""JSON files of the mirror: submissions, company tickers, folder ``index.json`` listings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from filings_pipeline.sample.companies import Company
from filings_pipeline.sample.content import FilingSpec
from filings_pipeline.sample.documents import Document

RECENT_KEYS = (
    "accessionNumber", "filingDate", "reportDate", "acceptanceDateTime", "act", "form",
    "fileNumber", "filmNumber", "items", "core_type", "size", "isXBRL", "isInlineXBRL",
    "isXBRLNumeric", "primaryDocument", "primaryDocDescription",
)  # fmt: skip


def dumps(obj: object) -> bytes:
    """Compact JSON as SEC serves it (UTF-8, non-ASCII kept)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def recent_row(f: FilingSpec, size: int, film: str) -> dict:
    """One filing as an element of ``filings.recent`` (zipped form)."""
    xbrl = int(f.inline_xbrl and not f.bad_kind)
    return {
        "accessionNumber": f.accession,
        "filingDate": f.day.isoformat(),
        "reportDate": f.period.isoformat(),
        "acceptanceDateTime": f.accepted.strftime("%Y-%m-%dT%H:%M:%S.000Z"),  # Eastern, per SEC
        "act": "34",
        "form": f.form,
        "fileNumber": f.company.file_number,
        "filmNumber": film,
        "items": ",".join(f.items),
        "core_type": "XBRL" if xbrl else "HTML",
        "size": size,
        "isXBRL": xbrl,
        "isInlineXBRL": xbrl,
        "isXBRLNumeric": xbrl,
        "primaryDocument": f.primary_document,
        "primaryDocDescription": f.form,
    }


def submissions(company: Company, rows: list[dict]) -> dict:
    """The whole ``CIK##########.json`` document for a company (rows newest first)."""
    rows = sorted(rows, key=lambda r: (r["acceptanceDateTime"], r["accessionNumber"]), reverse=True)
    address = {
        "street1": company.street.upper(),
        "street2": None,
        "city": company.city.upper(),
        "stateOrCountry": company.state,
        "zipCode": company.zip_code,
        "stateOrCountryDescription": company.state,
    }
    return {
        "cik": f"{company.cik:010d}",
        "entityType": "operating",
        "sic": company.sic,
        "sicDescription": company.sic_description,
        "ownerOrg": "",
        "insiderTransactionForOwnerExists": 0,
        "insiderTransactionForIssuerExists": 1,
        "name": company.conformed_name,
        "tickers": [company.ticker],
        "exchanges": [company.exchange],
        "ein": company.ein.replace("-", ""),
        "lei": None,
        "description": "",
        "website": "",
        "investorWebsite": "",
        "category": "Large accelerated filer",
        "fiscalYearEnd": company.fiscal_year_end,
        "stateOfIncorporation": company.state_of_incorporation,
        "stateOfIncorporationDescription": company.state_of_incorporation,
        "addresses": {"mailing": address, "business": dict(address)},
        "phone": company.phone,
        "flags": "",
        "formerNames": [],
        "filings": {
            "recent": {key: [r[key] for r in rows] for key in RECENT_KEYS},
            "files": [],
        },
    }


def read_recent_rows(path: Path) -> list[dict]:
    """Rows already in a submissions file (empty if absent)."""
    if not path.exists():
        return []
    recent = json.loads(path.read_text("utf-8"))["filings"]["recent"]
    keys = list(recent)
    return [dict(zip(keys, values, strict=True)) for values in zip(*recent.values(), strict=True)]


def company_tickers(companies: tuple[Company, ...]) -> dict:
    """``company_tickers.json``: object keyed by rank strings, ``cik_str`` an int."""
    ranked = sorted(companies, key=lambda c: -c.annual_revenue_musd)
    return {
        str(i): {"cik_str": c.cik, "ticker": c.ticker, "title": c.display_name}
        for i, c in enumerate(ranked)
    }


def folder_index(f: FilingSpec, docs: list[Document], txt_size: int) -> dict:
    """The accession folder's ``index.json`` (icon names, sizes as strings)."""
    modified = f.accepted.strftime("%Y-%m-%d %H:%M:%S")
    items = [
        {"last-modified": modified, "name": f"{f.accession}-index.htm", "type": "text.gif",
         "size": ""},
        {"last-modified": modified, "name": f"{f.accession}.txt", "type": "text.gif", "size": ""},
    ]  # fmt: skip
    items += [
        {"last-modified": modified, "name": d.name, "type": "text.gif", "size": str(d.size)}
        for d in docs
        if d.content is not None
    ]
    return {
        "directory": {
            "item": items,
            "name": f"/Archives/edgar/data/{f.cik}/{f.acc_nodash}",
            "parent-dir": f"/Archives/edgar/data/{f.cik}",
        }
    }


def quarter_listing(folder: Path, year: int, quarter: int, when: dict[str, date]) -> dict:
    """A quarter folder's ``index.json`` built from the files present in it."""
    items = []
    for p in sorted(folder.glob("*.idx")):
        day = when.get(p.name)
        modified = f"{day:%m/%d/%Y} 10:05:00 PM" if day else ""
        items.append(
            {"last-modified": modified, "name": p.name, "type": "file", "href": p.name,
             "size": f"{max(1, p.stat().st_size // 1024)} KB"}
        )  # fmt: skip
    return {
        "directory": {
            "item": items,
            "name": f"daily-index/{year}/QTR{quarter}/",
            "parent-dir": "../",
        }
    }
