"""Daily index files (``master`` and ``form``) in EDGAR's exact layout, Latin-1 encoded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

FORM_HEADER_COLUMNS = (
    "Form Type   Company Name                                                  CIK         "
    "Date Filed  File Name"
)
ROW_WIDTH = 150  # real data lines are space-padded to 150 characters


@dataclass(frozen=True)
class IndexRow:
    """One row of a daily index."""

    cik: int
    company: str
    form: str
    date_filed: date
    accession: str

    @property
    def path(self) -> str:
        return f"edgar/data/{self.cik}/{self.accession}.txt"


def _received(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def master_index(day: date, rows: Sequence[IndexRow]) -> bytes:
    """``master.YYYYMMDD.idx``: pipe-delimited, rows sorted by CIK as a string."""
    lines = [
        "Description:           Daily Index of EDGAR Dissemination Feed",
        f"Last Data Received:    {_received(day)}",
        "Comments:              webmaster@sec.gov",
        "Anonymous FTP:         ftp://ftp.sec.gov/edgar/",
        "",
        "CIK|Company Name|Form Type|Date Filed|File Name",
        "-" * 80,
    ]
    ordered = sorted(rows, key=lambda r: (str(r.cik), r.form, r.accession))
    lines += [f"{r.cik}|{r.company}|{r.form}|{r.date_filed:%Y%m%d}|{r.path}" for r in ordered]
    return ("\n".join(lines) + "\n").encode("latin-1", errors="replace")


def form_index(day: date, rows: Sequence[IndexRow]) -> bytes:
    """``form.YYYYMMDD.idx``: fixed width (offsets 0/12/74/86/98), rows sorted by form type."""
    lines = [
        "Description:           Daily Index of EDGAR Dissemination Feed by Form Type",
        f"Last Data Received:    {_received(day)}",
        "Comments:              webmaster@sec.gov",
        "Anonymous FTP:         ftp://ftp.sec.gov/edgar/",
        " ",
        " ",
        " ",
        " ",
        FORM_HEADER_COLUMNS,
        "-" * 141,
    ]
    ordered = sorted(rows, key=lambda r: (r.form, r.company, r.accession))
    for r in ordered:
        line = f"{r.form:<12}{r.company:<62}{r.cik:<12}{r.date_filed:%Y%m%d}    {r.path}"
        lines.append(line.ljust(ROW_WIDTH))
    return ("\n".join(lines) + "\n").encode("latin-1", errors="replace")
