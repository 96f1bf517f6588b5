"""Daily / quarterly index parsing against every fixture index file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.edgar.index import (
    IndexParseError,
    ciks_by_accession,
    decode_index,
    dedupe,
    filter_forms,
    parse_index,
)


def _data_lines(path: Path) -> list[str]:
    lines = decode_index(path.read_bytes()).splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("-----")) + 1
    return [ln for ln in lines[start:] if ln.strip()]


@pytest.mark.parametrize(
    "name",
    [
        "form.20200318.idx",
        "master.20181231.idx",
        "master.1993QTR4.idx",
        "form.2021QTR1.excerpt.idx",
    ],
)
def test_every_fixture_index_parses_with_zero_bad_rows(fixtures_dir: Path, name: str) -> None:
    path = fixtures_dir / "index" / name
    result = parse_index(decode_index(path.read_bytes()))
    assert result.bad_rows == []
    assert len(result.entries) == len(_data_lines(path))
    for entry, line in zip(result.entries, _data_lines(path), strict=True):
        assert entry.path in line and str(entry.cik) in line
        assert entry.accession == entry.path.rsplit("/", 1)[-1][:-4]


def test_form_index_fields_and_backdated_rows(fixtures_dir: Path) -> None:
    result = parse_index(decode_index((fixtures_dir / "index" / "form.20200318.idx").read_bytes()))
    assert result.kind == "form"
    first = result.entries[0]
    assert (first.form, first.company, first.cik) == ("1-A", "DLP Positive Note Fund LLC", 1806014)
    assert first.date_filed == date(2020, 3, 18)
    # SEC STAFF rows dated earlier than the file keep their own Date Filed.
    staff_dates = {e.date_filed for e in result.entries if e.form.startswith("SEC STAFF")}
    assert {date(2020, 1, 31), date(2020, 2, 19)} <= staff_dates
    # Forms with spaces are kept whole; names with '&' survive.
    assert sum(e.form == "SC 13D/A" for e in result.entries) == 46
    assert any("&" in e.company for e in result.entries)


def test_long_company_name_overflowing_its_column(fixtures_dir: Path) -> None:
    path = fixtures_dir / "index" / "form.2021QTR1.excerpt.idx"
    entries = parse_index(decode_index(path.read_bytes())).entries
    long = next(e for e in entries if e.cik == 820694)
    assert long.company == "UNITED PLANNERS' FINANCIAL SERVICES OF AMERICA A LIMITED PARTNER"
    assert long.form == "X-17A-5" and long.date_filed == date(2021, 2, 24)


def test_quarterly_master_iso_dates_and_filename_header(fixtures_dir: Path) -> None:
    path = fixtures_dir / "index" / "master.1993QTR4.idx"
    result = parse_index(decode_index(path.read_bytes()))
    assert result.kind == "master"
    assert result.entries[1].company == "BETHLEHEM STEEL CORP /DE/"
    assert result.entries[1].date_filed == date(1993, 11, 12)


def test_multi_filer_rows_dedupe_by_accession_keeping_every_cik(fixtures_dir: Path) -> None:
    entries = parse_index(
        decode_index((fixtures_dir / "index" / "form.20200318.idx").read_bytes())
    ).entries
    accessions = {e.accession for e in entries}
    deduped = dedupe(entries)
    assert len(deduped) == len(accessions) < len(entries)
    ciks = ciks_by_accession(entries)
    assert any(len(v) > 1 for v in ciks.values())
    eight_ks = filter_forms(deduped, ["8-K"])
    assert eight_ks and all(e.form == "8-K" for e in eight_ks)


def test_company_index_with_wrapped_header_and_latin1() -> None:
    name = "SOCIÉTÉ GÉNÉRALE \\NY\\ & CO"
    header = (
        "Description:           Daily Index of EDGAR Dissemination Feed by Company Name\n"
        "Last Data Received:    Mar 18, 2020\nComments:              webmaster@sec.gov\n"
        "Anonymous FTP:         ftp://ftp.sec.gov/edgar/\n \n \n \n \n"
        f"{'Company Name':<62}Form Type   CIK         Date\n"
        "Filed  File Name\n" + "-" * 140 + "\n"
    )
    path1 = "edgar/data/1234567/0001234567-20-000001.txt"
    path2 = "edgar/data/7654321/0007654321-20-000002.txt"
    row = f"{name:<62}{'8-K':<12}{'1234567':<12}{'20200318':<12}{path1}"
    long_row = f"{'A' * 64} 10-Q        7654321     2020-03-18  {path2}"
    text = decode_index((header + row + "\n" + long_row + "\n").encode("latin-1"))
    result = parse_index(text)
    assert result.kind == "company" and result.bad_rows == []
    assert (result.entries[0].company, result.entries[0].form) == (name, "8-K")
    assert (result.entries[1].company, result.entries[1].form) == ("A" * 64, "10-Q")


def test_bad_rows_are_reported_not_dropped_and_header_only_is_empty() -> None:
    head = "Description: x\n\nCIK|Company Name|Form Type|Date Filed|File Name\n" + "-" * 80 + "\n"
    assert parse_index(head).entries == []
    result = parse_index(
        head + "12|ACME|8-K|20200318|edgar/data/12/0000000012-20-000001.txt\ngarbage\n"
    )
    assert len(result.entries) == 1 and result.bad_rows == ["garbage"]
    with pytest.raises(IndexParseError, match="no '-----' line"):
        parse_index("<html>not an index</html>")
