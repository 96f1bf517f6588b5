"""EdgarSource end to end against the local server: list a day, fetch every fixture filing."""

from __future__ import annotations

import contextlib
import json
from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.edgar.edgar_source import EdgarSource
from filings_pipeline.edgar.fetch import Fetcher
from filings_pipeline.edgar.models import FilingError, IndexEntry
from filings_pipeline.store.records import FILING
from filings_pipeline_tests.edgar.conftest import EIGHT_KS, IDENTITY

DAY = date(2023, 3, 6)
MISSING = "0009999999-23-000001"


def master_index(rows: list[tuple[int, str, str, str, date]]) -> bytes:
    """A daily master index in EDGAR's format (rows: cik, company, form, accession, filed)."""
    head = (
        "Description:           Daily Index of EDGAR Dissemination Feed\n"
        "Last Data Received:    Mar 6, 2023\nComments:              webmaster@sec.gov\n"
        "Anonymous FTP:         ftp://ftp.sec.gov/edgar/\n\n"
        "CIK|Company Name|Form Type|Date Filed|File Name\n" + "-" * 80 + "\n"
    )
    body = "".join(
        f"{cik}|{name}|{form}|{filed:%Y%m%d}|edgar/data/{cik}/{acc}.txt\n"
        for cik, name, form, acc, filed in rows
    )
    return (head + body).encode("latin-1")


@pytest.fixture
def day_server(server):
    rows = [(cik, name, "8-K", acc, filed) for acc, (cik, name, _, filed) in EIGHT_KS.items()]
    rows += [
        (320193, "Apple Inc.", "10-Q", "0000320193-23-000077", date(2023, 8, 4)),
        (72333, "NORDSTROM INC", "4", "0000072333-23-000099", DAY),  # form filtered out
        (1111111, "SOME DIRECTOR", "8-K", "0000072333-23-000015", DAY),  # multi-filer duplicate
        (9999999, "GONE CORP", "8-K", MISSING, DAY),
    ]
    server.put("/Archives/edgar/daily-index/2023/QTR1/master.20230306.idx", master_index(rows))
    return server


@pytest.fixture
def source(day_server, make_fetcher) -> EdgarSource:
    return EdgarSource(day_server.archives_url, day_server.base_url, make_fetcher())


def test_list_day_filters_forms_and_dedupes(source: EdgarSource) -> None:
    listing = source.list_day(DAY)
    assert listing.published and listing.version
    accessions = [e.accession for e in listing.entries]
    assert sorted(accessions) == sorted([*EIGHT_KS, "0000320193-23-000077", MISSING])
    assert "4" not in {e.form for e in listing.entries}
    assert source.day_version(DAY) == listing.version


def test_day_without_index_is_not_published(source: EdgarSource) -> None:
    listing = source.list_day(date(2023, 3, 4))  # a Saturday
    assert not listing.published and listing.entries == []
    assert "403 AccessDenied" in listing.note
    assert source.day_version(date(2023, 3, 4)) is None


def test_watchlist_by_ticker_and_cik(day_server, make_fetcher) -> None:
    src = EdgarSource(
        day_server.archives_url, day_server.base_url, make_fetcher(), watchlist=["adbe", "72333"]
    )
    kept = {e.accession for e in src.list_day(DAY).entries}
    assert kept == {"0000796343-23-000044", "0000072333-23-000015"}
    bad = EdgarSource(
        day_server.archives_url, day_server.base_url, make_fetcher(), watchlist=["NOPE123"]
    )
    with pytest.raises(ValueError, match="NOPE123"):
        bad.list_day(DAY)


@pytest.mark.parametrize("accession", sorted(EIGHT_KS))
def test_every_fixture_8k_items_match_metadata_and_sections_are_clean(
    source: EdgarSource, accession: str
) -> None:
    entry = next(e for e in source.list_day(DAY).entries if e.accession == accession)
    filing = source.fetch_filing(entry, DAY)
    cik, company, items, filed = EIGHT_KS[accession]
    assert (filing.cik, filing.company, filing.form, filing.day) == (cik, company, "8-K", DAY)
    assert filing.date_filed == filed
    assert filing.items == items
    assert list(filing.sections) == items
    for code, section in filing.sections.items():
        assert section.split(), code
        assert "SIGNATURE" not in section.upper(), code
    assert "SIGNATURE" in filing.text.upper()
    assert filing.accepted_at is not None and filing.accepted_at.date() <= filing.date_filed
    assert filing.index_url == f"{source.archives_url}/edgar/data/{cik}/{accession}-index.html"
    assert filing.primary_url.startswith(f"{source.archives_url}/edgar/data/{cik}/")
    assert "begin 644" not in filing.text
    stored = json.loads(json.dumps(FILING.dump_python(filing, mode="json")))
    assert FILING.validate_python(stored) == filing


def test_earnings_press_release_exhibit(source: EdgarSource) -> None:
    entry = next(e for e in source.list_day(DAY).entries if e.cik == 796343)
    filing = source.fetch_filing(entry, DAY)
    assert filing.tickers == ["ADBE"]
    assert filing.primary_document == "adbe-20230315.htm"
    assert str(filing.accepted_at) == "2023-03-15 16:06:36"
    (ex,) = filing.exhibits
    assert (ex.type, ex.filename) == ("EX-99.1", "adbeex991q123.htm")
    assert "revenue" in ex.text.lower() and len(ex.text) > 5000
    assert "Exhibit 99.1" in filing.sections["2.02"]


def test_ten_q_uses_submissions_json_for_its_primary_document(source: EdgarSource) -> None:
    entry = next(e for e in source.list_day(DAY).entries if e.form == "10-Q")
    filing = source.fetch_filing(entry, DAY)
    assert filing.primary_document == "aapl-20230701.htm"
    assert filing.items == [] and filing.sections == {}
    assert "Total net sales | 81,797" in filing.text
    assert filing.tickers == ["AAPL"]


def test_missing_filing_raises_a_readable_filing_error(source: EdgarSource) -> None:
    entry = next(e for e in source.list_day(DAY).entries if e.accession == MISSING)
    with pytest.raises(FilingError, match="primary document missing"):
        source.fetch_filing(entry, DAY)


def test_empty_primary_document_is_a_filing_error(day_server, source: EdgarSource) -> None:
    day_server.put(
        "/Archives/edgar/data/72333/000007233323000015/jwn-20230301.htm",
        b"<html><body><div style='display:none'>x</div></body></html>",
    )
    entry = IndexEntry(
        72333, "NORDSTROM INC", "8-K", DAY, "edgar/data/72333/0000072333-23-000015.txt"
    )
    with pytest.raises(FilingError, match="jwn-20230301.htm is empty"):
        source.fetch_filing(entry, DAY)


def test_rerun_fetches_archives_documents_from_the_disk_cache(day_server, make_fetcher) -> None:
    def run() -> int:
        src = EdgarSource(day_server.archives_url, day_server.base_url, make_fetcher())
        before = len(day_server.requests_log())
        for entry in src.list_day(DAY).entries:
            with contextlib.suppress(FilingError):
                src.fetch_filing(entry, DAY)
        return len(day_server.requests_log()) - before

    first, second = run(), run()
    assert first > 10
    archive_requests = [r for r in day_server.requests_log()[-second:] if "/edgar/data/" in r.path]
    # The re-run only re-asks for what is not immutable (index, tickers, submissions, misses).
    assert all(r.status != 200 for r in archive_requests)


def test_locate_by_accession_and_agent_prefix(source: EdgarSource) -> None:
    entry = source.locate("0000796343-23-000044")
    assert (entry.cik, entry.form, entry.date_filed) == (796343, "8-K", date(2023, 3, 15))
    with pytest.raises(FilingError, match="--cik"):
        source.locate("0001193125-23-048785")  # prefix is the filing agent
    assert source.locate("0001193125-23-048785", cik=1364742).company == "BlackRock Inc."
    with pytest.raises(FilingError, match="not an accession"):
        source.locate("12345")


def test_sample_style_file_urls_work_through_the_same_source(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """The sample mirror is read via file:// URLs: lay a tiny mirror out and read it."""
    root = tmp_path / "mirror"
    idx = root / "www.sec.gov/Archives/edgar/daily-index/2023/QTR1/master.20230306.idx"
    idx.parent.mkdir(parents=True)
    idx.write_bytes(master_index([(796343, "ADOBE INC.", "8-K", "0000796343-23-000044", DAY)]))
    folder = root / "www.sec.gov/Archives/edgar/data/796343"
    (folder / "000079634323000044").mkdir(parents=True)
    src_dir = fixtures_dir / "filings/0000796343-23-000044"
    for name in ("adbe-20230315.htm", "0000796343-23-000044.txt"):
        (folder / "000079634323000044" / name).write_bytes((src_dir / name).read_bytes())
    (folder / "0000796343-23-000044-index.html").write_bytes(
        (src_dir / "0000796343-23-000044-index.html").read_bytes()
    )
    src = EdgarSource(
        (root / "www.sec.gov/Archives").as_uri(),
        (root / "data.sec.gov").as_uri(),
        Fetcher(IDENTITY),
    )
    listing = src.list_day(DAY)
    assert [e.accession for e in listing.entries] == ["0000796343-23-000044"]
    filing = src.fetch_filing(listing.entries[0], DAY)
    assert filing.items == ["2.02", "9.01"] and filing.exhibits[0].type == "EX-99.1"
    assert filing.tickers == []  # no company_tickers.json in this mirror
    assert not src.list_day(date(2023, 3, 4)).published


@pytest.mark.parametrize(
    ("name", "reason"),
    [("../../../../etc/passwd", "is not a file name"), ("report.pdf", "is not a text document")],
)
def test_index_page_cannot_point_outside_the_folder_or_at_binaries(
    day_server, source: EdgarSource, fixtures_dir: Path, name: str, reason: str
) -> None:
    acc = "0000796343-23-000999"
    page = fixtures_dir / "filings/0000796343-23-000044/0000796343-23-000044-index.html"
    html = page.read_text().replace("adbe-20230315.htm", name)
    day_server.put(f"/Archives/edgar/data/796343/{acc}-index.html", html.encode())
    entry = IndexEntry(796343, "ADOBE INC.", "8-K", DAY, f"edgar/data/796343/{acc}.txt")
    with pytest.raises(FilingError, match=reason):
        source.fetch_filing(entry, DAY)
