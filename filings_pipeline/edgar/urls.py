"""EDGAR URL layout (reference §1, §7), relative to the configured archives and data hosts."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote


def quarter(day: date) -> int:
    return (day.month - 1) // 3 + 1


def daily_index_url(archives_url: str, day: date, kind: str = "master") -> str:
    return f"{archives_url}/edgar/daily-index/{day.year}/QTR{quarter(day)}/{kind}.{day:%Y%m%d}.idx"


def nodash(accession: str) -> str:
    return accession.replace("-", "")


def folder_url(archives_url: str, cik: int, accession: str) -> str:
    return f"{archives_url}/edgar/data/{cik}/{nodash(accession)}/"


def index_page_url(archives_url: str, cik: int, accession: str) -> str:
    return f"{archives_url}/edgar/data/{cik}/{accession}-index.html"


def submission_txt_url(archives_url: str, cik: int, accession: str) -> str:
    return f"{folder_url(archives_url, cik, accession)}{accession}.txt"


def submissions_json_url(data_url: str, cik: int) -> str:
    return f"{data_url}/submissions/CIK{cik:010d}.json"


def tickers_url(archives_url: str) -> str:
    """`.../Archives` -> `.../files/company_tickers.json` (same host as the archives)."""
    base = archives_url.rstrip("/")
    base = base.removesuffix("/Archives") if base.endswith("/Archives") else base.rsplit("/", 1)[0]
    return f"{base}/files/company_tickers.json"


def latest_filings_feed_url(
    archives_url: str, form: str = "8-K", count: int = 100, start: int = 0
) -> str:
    """The "Latest Filings" Atom feed on the archives host (www.sec.gov/cgi-bin/browse-edgar),
    newest first, `count` entries from `start` (EDGAR pages by 40 or 100)."""
    base = archives_url.rstrip("/").removesuffix("/Archives")
    return (
        f"{base}/cgi-bin/browse-edgar?action=getcurrent&type={quote(form, safe='')}&company=&dateb="
        f"&owner=include&start={start}&count={count}&output=atom"
    )
