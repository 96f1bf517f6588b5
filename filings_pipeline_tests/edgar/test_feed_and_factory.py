"""Atom feed parsing, the sensor's change detection, and building sources from settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.edgar.edgar_source import EdgarSource
from filings_pipeline.edgar.factory import make_source
from filings_pipeline.edgar.feed import (
    FeedParseError,
    changed_days,
    fetch_latest,
    new_feed_days,
    parse_feed,
)
from filings_pipeline.edgar.urls import tickers_url
from filings_pipeline.settings import Settings

FEED = "feeds/getcurrent_2026-01-12_count100_start0.atom.xml"


def test_parse_feed(fixtures_dir: Path) -> None:
    entries = parse_feed((fixtures_dir / FEED).read_bytes())
    assert len(entries) == 100
    biohaven = next(e for e in entries if e.accession == "0001935979-26-000005")
    assert (biohaven.form, biohaven.cik, biohaven.role) == ("8-K", 1935979, "Filer")
    assert biohaven.company == "Biohaven Ltd."
    assert biohaven.items == ["7.01", "9.01"]
    assert biohaven.filed == date(2026, 1, 12)
    assert biohaven.updated is not None and biohaven.updated.utcoffset() is not None
    # One entry per (filing, entity): a Form 4 appears for issuer and owner.
    form4 = [e for e in entries if e.accession == "0000080661-26-000032"]
    assert {e.role for e in form4} == {"Reporting", "Issuer"}
    assert new_feed_days(entries, ("8-K",), set()) == [date(2026, 1, 12)]
    assert new_feed_days(entries, ("8-K",), {e.accession for e in entries}) == []
    with pytest.raises(FeedParseError):
        parse_feed(b"<html>maintenance</html>")


def test_fetch_latest_from_the_server(server, make_fetcher) -> None:
    entries = fetch_latest(make_fetcher(), server.archives_url)
    assert len(entries) == 100
    (req,) = server.requests_for("/cgi-bin/browse-edgar")
    assert "output=atom" in req.path and "type=8-K" in req.path


def test_changed_days_fires_once_per_index_change(server, make_fetcher, fixtures_dir: Path) -> None:
    src = EdgarSource(server.archives_url, server.base_url, make_fetcher())
    day, today = date(2018, 12, 31), date(2019, 1, 1)
    days, cursor = changed_days(src, None, today=today, lookback_days=3)
    assert days == [day]  # 12-30 and 01-01 have no index: not returned
    again, cursor2 = changed_days(src, cursor, today=today, lookback_days=3)
    assert again == [] and cursor2 == cursor
    path = "/Archives/edgar/daily-index/2018/QTR4/master.20181231.idx"
    assert [r.status for r in server.requests_for(path)] == [200, 304]
    # The index is republished with one more row: the day fires again.
    idx = (fixtures_dir / "index/master.20181231.idx").read_bytes()
    extra_row = b"\n1000694|NOVAVAX INC|8-K|20181231|edgar/data/1000694/0001144204-18-066799.txt\n"
    server.put(path, idx.rstrip() + extra_row)
    assert changed_days(src, cursor, today=today)[0] == [day]
    # New Year's Day gets its index later: it fires then.
    server.put("/Archives/edgar/daily-index/2019/QTR1/master.20190101.idx", idx)
    assert date(2019, 1, 1) in changed_days(src, cursor, today=today)[0]


def test_make_source_sample_uses_file_urls(tmp_path: Path) -> None:
    src = make_source(Settings(data_dir=tmp_path, source="sample", sample_dir=tmp_path / "m"))
    assert src.archives_url == (tmp_path / "m/www.sec.gov/Archives").as_uri()
    assert src.data_url == (tmp_path / "m/data.sec.gov").as_uri()
    assert not src.list_day(date(2026, 11, 2)).published  # nothing generated yet: says so


def test_make_source_edgar_needs_a_declared_identity(tmp_path: Path) -> None:
    for identity in ("", "Acme Corp"):
        with pytest.raises(ValueError, match="EDGAR_IDENTITY.*email"):
            make_source(Settings(data_dir=tmp_path, source="edgar", edgar_identity=identity))
    with pytest.raises(ValueError, match="EDGAR_RATE_LIMIT"):
        make_source(
            Settings(
                data_dir=tmp_path, source="edgar", edgar_identity="A a@b.co", edgar_rate_limit=12
            )
        )
    with pytest.raises(ValueError, match="FILINGS_SOURCE"):
        make_source(Settings(data_dir=tmp_path, source="bogus"))
    src = make_source(
        Settings(
            data_dir=tmp_path,
            source="edgar",
            edgar_identity="Acme Corp ops@acme.com",
            edgar_archives_url="http://127.0.0.1:9/Archives",
            edgar_data_url="http://127.0.0.1:9",
            forms=("8-K",),
        )
    )
    assert src.forms == ("8-K",) and src.fetcher.limiter.rate == 8.0
    assert src.fetcher.limiter.state_dir == tmp_path / "edgar-state"


def test_tickers_url_is_derived_from_the_archives_url() -> None:
    assert (
        tickers_url("https://www.sec.gov/Archives")
        == "https://www.sec.gov/files/company_tickers.json"
    )
    assert (
        tickers_url("file:///m/www.sec.gov/Archives/")
        == "file:///m/www.sec.gov/files/company_tickers.json"
    )


def test_make_sensor_source_never_sleeps_through_a_tick(tmp_path: Path) -> None:
    from filings_pipeline.edgar.factory import make_sensor_source

    src = make_sensor_source(
        Settings(data_dir=tmp_path, source="edgar", edgar_identity="Acme Corp ops@acme.com")
    )
    assert src.fetcher.limiter.max_wait == 10.0 and src.fetcher.timeout == 10.0
