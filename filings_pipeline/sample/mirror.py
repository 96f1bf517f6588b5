"""``generate_mirror``: write a deterministic local EDGAR mirror laid out by host and URL path."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from filings_pipeline.atomic_write import write_atomic
from filings_pipeline.sample.business_calendar import is_business_day
from filings_pipeline.sample.companies import Company, roster
from filings_pipeline.sample.content import FilingSpec, plan_day
from filings_pipeline.sample.documents import documents, film_number, index_page, submission_text
from filings_pipeline.sample.edgar_json import (
    company_tickers,
    dumps,
    folder_index,
    quarter_listing,
    read_recent_rows,
    recent_row,
    submissions,
)
from filings_pipeline.sample.indexes import IndexRow, form_index, master_index

DEFAULT_FILINGS_PER_DAY = 6
WWW = "www.sec.gov"
DATA = "data.sec.gov"


@dataclass(frozen=True)
class ManifestFiling:
    """One generated filing, for tests to compare against what the pipeline found."""

    day: date
    accession: str
    cik: int
    form: str
    items: tuple[str, ...]
    primary_document: str
    bad_reason: str | None


@dataclass
class SampleManifest:
    """What ``generate_mirror`` wrote."""

    root: Path
    days: list[date] = field(default_factory=list)  # business days written
    filings: list[ManifestFiling] = field(default_factory=list)

    def for_day(self, day: date) -> list[ManifestFiling]:
        """The filings of one day."""
        return [f for f in self.filings if f.day == day]

    @property
    def bad(self) -> list[ManifestFiling]:
        """The deliberately broken filings."""
        return [f for f in self.filings if f.bad_reason]


def default_sample_days() -> list[date]:
    """The bundled sample: the business days 2026-11-16 .. 2026-11-20."""
    from filings_pipeline.sample.business_calendar import business_days

    return business_days(date(2026, 11, 16), date(2026, 11, 20))


def archives_url(root: Path) -> str:
    """``file://`` URL of ``<root>/www.sec.gov/Archives`` (use as EDGAR_ARCHIVES_URL)."""
    return (Path(root).resolve() / WWW / "Archives").as_uri()


def data_url(root: Path) -> str:
    """``file://`` URL of ``<root>/data.sec.gov`` (use as EDGAR_DATA_URL)."""
    return (Path(root).resolve() / DATA).as_uri()


def daily_index_dir(root: Path, day: date) -> Path:
    """Folder holding a day's index files."""
    quarter = (day.month - 1) // 3 + 1
    return Path(root) / WWW / "Archives" / "edgar" / "daily-index" / str(day.year) / f"QTR{quarter}"


def write_if_changed(path: Path, content: bytes) -> bool:
    """Write ``content`` unless the file already holds exactly it (keeps mtimes stable)."""
    if path.exists() and path.read_bytes() == content:
        return False
    write_atomic(path, content)
    return True


def _write_filing(root: Path, f: FilingSpec) -> int:
    """Write one filing's folder and index pages; returns the submission size in bytes."""
    docs = documents(f)
    txt = submission_text(f, docs)
    data_dir = root / WWW / "Archives" / "edgar" / "data" / str(f.cik)
    folder = data_dir / f.acc_nodash
    for d in docs:
        target = folder / d.name
        if d.content is None:
            target.unlink(missing_ok=True)
        else:
            write_if_changed(target, d.content)
    page = index_page(f, docs, len(txt))
    write_if_changed(folder / f"{f.accession}.txt", txt)
    write_if_changed(folder / f"{f.accession}-index.htm", page)
    write_if_changed(data_dir / f"{f.accession}-index.html", page)
    write_if_changed(folder / "index.json", dumps(folder_index(f, docs, len(txt))))
    return len(txt)


def _write_quarter_listing(folder: Path) -> None:
    m = re.search(r"(\d{4})/QTR(\d)$", folder.as_posix())
    if not m:
        return
    when = {}
    for p in folder.glob("*.idx"):
        stamp = re.search(r"\.(\d{8})\.idx$", p.name)
        if stamp:
            when[p.name] = date.fromisoformat(f"{stamp[1][:4]}-{stamp[1][4:6]}-{stamp[1][6:]}")
    listing = quarter_listing(folder, int(m[1]), int(m[2]), when)
    write_if_changed(folder / "index.json", dumps(listing))


def generate_mirror(
    root: Path,
    days: Sequence[date],
    filings_per_day: int = DEFAULT_FILINGS_PER_DAY,
    seed: int = 7,
    bad_filings: bool = True,
    hostile: bool = False,
    markers: bool = False,
    big_10k_mb: float = 0.0,
) -> SampleManifest:
    """Write (or refresh) a sample EDGAR mirror under ``root`` for the business days in ``days``.

    Idempotent and deterministic: a day's filings depend only on (day, filings_per_day, seed,
    bad_filings, hostile, markers, big_10k_mb), so generating days one at a time gives the same
    bytes as generating them together. Weekends and holidays in ``days`` are skipped (EDGAR has
    no index for them).
    """
    root = Path(root)
    companies: tuple[Company, ...] = roster(hostile)
    by_cik = {c.cik: c for c in companies}
    manifest = SampleManifest(root=root)
    rows_by_cik: dict[int, list[dict]] = defaultdict(list)
    written_days = sorted({d for d in days if is_business_day(d)})
    quarter_dirs: set[Path] = set()
    for day in written_days:
        specs = plan_day(
            day, filings_per_day, seed, companies, bad_filings, hostile, markers, big_10k_mb
        )
        rows = []
        for f in specs:
            size = _write_filing(root, f)
            rows_by_cik[f.cik].append(recent_row(f, size, film_number(f)))
            rows.append(IndexRow(f.cik, f.company.conformed_name, f.form, f.day, f.accession))
            manifest.filings.append(
                ManifestFiling(day, f.accession, f.cik, f.form, tuple(f.items),
                               f.primary_document, f.bad_reason)
            )  # fmt: skip
        folder = daily_index_dir(root, day)
        write_if_changed(folder / f"master.{day:%Y%m%d}.idx", master_index(day, rows))
        write_if_changed(folder / f"form.{day:%Y%m%d}.idx", form_index(day, rows))
        quarter_dirs.add(folder)
        manifest.days.append(day)
    for folder in quarter_dirs:
        _write_quarter_listing(folder)

    # Submissions: merge with what earlier runs wrote, replacing the rows of the days written now.
    regenerated = {d.isoformat() for d in written_days}
    sub_dir = root / DATA / "submissions"
    touched = set(rows_by_cik)
    if sub_dir.exists():
        touched |= {int(p.stem[3:]) for p in sub_dir.glob("CIK*.json") if p.stem[3:].isdigit()}
    for cik in sorted(touched):
        company = by_cik.get(cik)
        if company is None:
            continue
        path = sub_dir / f"CIK{cik:010d}.json"
        kept = [r for r in read_recent_rows(path) if r["filingDate"] not in regenerated]
        merged = kept + rows_by_cik.get(cik, [])
        if merged:
            write_if_changed(path, dumps(submissions(company, merged)))
    write_if_changed(
        root / WWW / "files" / "company_tickers.json", dumps(company_tickers(companies))
    )
    return manifest
