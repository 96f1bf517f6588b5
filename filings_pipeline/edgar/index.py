"""Parse EDGAR daily and quarterly index files (master, form, company), reference §2-§4."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from filings_pipeline.edgar.models import IndexEntry

# Right-to-left: CIK, date and path are anchored at the end, whatever the company name's width.
_ROW = re.compile(
    r"^(?P<left>.+?)\s+(?P<cik>\d{1,10})\s+(?P<date>\d{8}|\d{4}-\d{2}-\d{2})\s+"
    r"(?P<path>edgar/data/\d+/[\d-]+\.txt)\s*$"
)
_PATH = re.compile(r"^edgar/data/\d+/\d{10}-\d{2}-\d{6}\.txt$")
_FORM_COL = 12  # form.idx: form type in columns 0-12
_COMPANY_COL = 62  # company.idx: company name in columns 0-62


class IndexParseError(ValueError):
    """The text is not an EDGAR index file at all."""


@dataclass
class IndexParseResult:
    """Rows that parsed, and the raw text of rows that did not."""

    entries: list[IndexEntry] = field(default_factory=list)
    bad_rows: list[str] = field(default_factory=list)
    kind: str = ""  # "master", "form" or "company"


def decode_index(data: bytes) -> str:
    """Index files are Latin-1 (names hold bytes such as 0xE9)."""
    return data.decode("latin-1")


def _parse_date(value: str) -> date:
    if "-" in value:
        return date.fromisoformat(value)
    return datetime.strptime(value, "%Y%m%d").date()


def _split_header(lines: list[str]) -> tuple[str, int]:
    """Return (header text, index of the first data line) — data starts after the '-----' line."""
    for i, line in enumerate(lines):
        if line.startswith("-----"):
            header = " ".join(x.strip() for x in lines[max(0, i - 3) : i] if x.strip())
            return header, i + 1
    raise IndexParseError("not an EDGAR index file: no '-----' line before the rows")


def _kind(header: str, first_row: str | None) -> str:
    if "|" in header or (first_row is not None and first_row.count("|") == 4):
        return "master"
    # The column header may wrap onto two lines; only its start matters.
    tail = header.split("Anonymous FTP")[-1]
    company_at = tail.find("Company Name")
    form_at = tail.find("Form Type")
    if company_at != -1 and (form_at == -1 or company_at < form_at):
        return "company"
    return "form"


def _master_row(line: str) -> IndexEntry | None:
    parts = line.split("|")
    if len(parts) != 5:
        return None
    cik, company, form, filed, path = (p.strip() for p in parts)
    if not cik.isdigit() or not _PATH.match(path):
        return None
    try:
        return IndexEntry(int(cik), company, form, _parse_date(filed), path)
    except ValueError:
        return None


def _fixed_row(line: str, kind: str) -> IndexEntry | None:
    m = _ROW.match(line)
    if not m or not _PATH.match(m.group("path")):
        return None
    left = m.group("left").rstrip()
    if kind == "company":
        # Company name in columns 0-62, then the form type. A longer name pushes the form type
        # right: then the name ends at the first space from column 62 on.
        cut = _COMPANY_COL
        if len(left) > cut and left[cut - 1] != " " and left[cut] != " ":
            cut = left.find(" ", cut)
            cut = len(left) if cut == -1 else cut
        company, form = left[:cut], left[cut:]
    else:
        parts = re.split(r"\s{2,}", left, maxsplit=1)
        if len(parts) == 2:
            form, company = parts
        else:
            form, company = left[:_FORM_COL], left[_FORM_COL:]
    form, company = form.strip(), company.strip()
    if not form or not company:
        return None
    try:
        return IndexEntry(
            int(m.group("cik")), company, form, _parse_date(m.group("date")), m.group("path")
        )
    except ValueError:
        return None


def parse_index(text: str) -> IndexParseResult:
    """Parse a master (pipe) or form/company (fixed width) index, daily or quarterly.

    Rows that do not parse are returned in `bad_rows` (never silently dropped). A header-only
    file gives no entries. Raises IndexParseError when the text has no index header at all.
    """
    lines = text.splitlines()
    header, start = _split_header(lines)
    rows = [ln for ln in lines[start:] if ln.strip()]
    result = IndexParseResult(kind=_kind(header, rows[0] if rows else None))
    for line in rows:
        entry = _master_row(line) if result.kind == "master" else _fixed_row(line, result.kind)
        if entry is None:
            result.bad_rows.append(line)
        else:
            result.entries.append(entry)
    return result


def dedupe(entries: Iterable[IndexEntry]) -> list[IndexEntry]:
    """One entry per accession (multi-filer rows repeat it once per CIK); first one wins."""
    seen: set[str] = set()
    out: list[IndexEntry] = []
    for entry in entries:
        if entry.accession not in seen:
            seen.add(entry.accession)
            out.append(entry)
    return out


def ciks_by_accession(entries: Iterable[IndexEntry]) -> dict[str, list[int]]:
    """Every CIK listed for each accession (issuer and owner of a Form 4, and so on)."""
    out: dict[str, list[int]] = {}
    for entry in entries:
        ciks = out.setdefault(entry.accession, [])
        if entry.cik not in ciks:
            ciks.append(entry.cik)
    return out


def filter_forms(entries: Iterable[IndexEntry], forms: Iterable[str]) -> list[IndexEntry]:
    """Entries whose form type is one of `forms` (exact, case-insensitive); all if forms empty."""
    wanted = {f.strip().upper() for f in forms if f.strip()}
    return [e for e in entries if not wanted or e.form.upper() in wanted]
