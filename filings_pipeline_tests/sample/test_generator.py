"""The generated mirror: EDGAR's real layouts, consistent metadata, determinism, calendar."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.sample import (
    archives_url,
    business_days,
    daily_index_dir,
    data_url,
    default_sample_days,
    generate_mirror,
    is_business_day,
)
from filings_pipeline.sample.__main__ import main as cli_main
from filings_pipeline_tests.sample.edgar_readers import (
    FIXTURES,
    SKIP_REASON,
    document_text,
    parse_form_index,
    parse_index_page,
    parse_master_index,
)

ACCESSION_RE = re.compile(r"^\d{10}-\d{2}-\d{6}$")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _folder(root: Path, cik: int, accession: str) -> Path:
    return root / "www.sec.gov/Archives/edgar/data" / str(cik) / accession.replace("-", "")


def test_default_days_and_counts(default_mirror):
    assert default_sample_days() == [date(2026, 11, d) for d in range(16, 21)]
    assert default_mirror.days == default_sample_days()
    assert len(default_mirror.filings) == 5 * 6
    assert len(default_mirror.bad) >= 1
    assert all(ACCESSION_RE.match(f.accession) for f in default_mirror.filings)
    assert len({f.accession for f in default_mirror.filings}) == len(default_mirror.filings)
    assert any(int(f.accession[:10]) != f.cik for f in default_mirror.filings)  # filing agents
    assert any(int(f.accession[:10]) == f.cik for f in default_mirror.filings)


def test_index_files_parse_with_zero_bad_rows(default_mirror):
    root = default_mirror.root
    for day in default_mirror.days:
        folder = daily_index_dir(root, day)
        form_raw = (folder / f"form.{day:%Y%m%d}.idx").read_bytes()
        master_raw = (folder / f"master.{day:%Y%m%d}.idx").read_bytes()
        form_rows, form_bad = parse_form_index(form_raw)
        master_rows, master_bad = parse_master_index(master_raw)
        assert form_bad == [] and master_bad == []
        expected = {(f.accession, f.cik, f.form) for f in default_mirror.for_day(day)}
        assert {(r["accession"], r["cik"], r["form"]) for r in form_rows} == expected
        assert {(r["accession"], r["cik"], r["form"]) for r in master_rows} == expected
        assert {r["date"] for r in form_rows + master_rows} == {f"{day:%Y%m%d}"}
        assert [str(r["cik"]) for r in master_rows] == sorted(str(r["cik"]) for r in master_rows)
        for r in form_rows:
            assert r["path"] == f"edgar/data/{r['cik']}/{r['accession']}.txt"
        master_lines = master_raw.decode("latin-1").splitlines()
        assert master_lines[0] == "Description:           Daily Index of EDGAR Dissemination Feed"
        assert (
            master_lines[4] == ""
            and master_lines[5] == "CIK|Company Name|Form Type|Date Filed|File Name"
        )
        form_lines = form_raw.decode("latin-1").splitlines()
        assert form_lines[4:8] == [" "] * 4
        for line in form_lines[10:]:
            assert len(line) == 150
            assert line[74:86].strip().isdigit() and line[86:94].isdigit()
            assert line[98:].startswith("edgar/data/")


@pytest.mark.skipif(not FIXTURES.exists(), reason=SKIP_REASON)
def test_index_headers_match_real_files_line_for_line(default_mirror):
    day = default_mirror.days[0]
    folder = daily_index_dir(default_mirror.root, day)
    for kind, real_name in (("form", "form.20200318.idx"), ("master", "master.20181231.idx")):
        real = (FIXTURES / "index" / real_name).read_text("latin-1").splitlines()
        ours = (folder / f"{kind}.{day:%Y%m%d}.idx").read_text("latin-1").splitlines()
        cut = next(i for i, line in enumerate(real) if line.startswith("-----"))
        assert len(ours) > cut
        for i in range(cut):
            if real[i].startswith("Last Data Received:"):
                assert ours[i] == f"Last Data Received:    {day:%b} {day.day}, {day.year}"
            else:
                assert ours[i] == real[i]
        assert set(ours[cut]) == {"-"}


def test_every_filing_has_folder_pages_and_documents(default_mirror):
    root = default_mirror.root
    for f in default_mirror.filings:
        folder = _folder(root, f.cik, f.accession)
        page_html = (
            root / "www.sec.gov/Archives/edgar/data" / str(f.cik) / f"{f.accession}-index.html"
        )
        assert page_html.read_bytes() == (folder / f"{f.accession}-index.htm").read_bytes()
        page = parse_index_page(page_html.read_bytes())
        assert page["cik"] == f.cik
        assert page["info"]["Filing Date"] == f.day.isoformat()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", page["info"]["Accepted"])
        assert page["documents"][0]["seq"] == "1"
        assert page["documents"][0]["document"] == f.primary_document
        assert page["documents"][0]["type"] == f.form
        assert page["documents"][-1]["description"] == "Complete submission text file"
        assert (folder / f"{f.accession}.txt").stat().st_size == int(page["documents"][-1]["size"])
        listing = json.loads((folder / "index.json").read_text())["directory"]
        assert listing["name"] == f"/Archives/edgar/data/{f.cik}/{f.accession.replace('-', '')}"
        assert all(isinstance(i["size"], str) for i in listing["item"])
        primary = folder / f.primary_document
        if f.bad_reason is None:
            assert primary.stat().st_size > 0
            assert len(document_text(primary.read_bytes())) > 500
        has_ex99 = "2.02" in f.items or "7.01" in f.items
        ex_rows = [d for d in page["documents"] if d["type"] == "EX-99.1"]
        assert bool(ex_rows) == has_ex99
        for row in ex_rows:
            text = document_text((folder / row["document"]).read_bytes())
            assert "said" in text  # quotes from named officers


def test_items_agree_between_index_page_submissions_and_manifest(default_mirror):
    root = default_mirror.root
    for f in default_mirror.filings:
        page = parse_index_page(
            (
                root / "www.sec.gov/Archives/edgar/data" / str(f.cik) / f"{f.accession}-index.html"
            ).read_bytes()
        )
        sub = json.loads((root / "data.sec.gov/submissions" / f"CIK{f.cik:010d}.json").read_text())
        recent = sub["filings"]["recent"]
        assert len({len(v) for v in recent.values()}) == 1  # columnar: parallel arrays
        i = recent["accessionNumber"].index(f.accession)
        assert recent["items"][i] == ",".join(f.items)
        assert page["item_codes"] == list(f.items)
        assert recent["form"][i] == f.form
        assert recent["primaryDocument"][i] == f.primary_document
        assert recent["filingDate"][i] == f.day.isoformat()
        assert int(sub["cik"]) == f.cik and sub["cik"] == f"{f.cik:010d}"
        assert bool(f.items) == f.form.startswith("8-K")


def test_primary_documents_look_like_real_filings(default_mirror):
    root = default_mirror.root
    saw_ixbrl = False
    for f in default_mirror.filings:
        if f.bad_reason:
            continue
        raw = (_folder(root, f.cik, f.accession) / f.primary_document).read_bytes()
        saw_ixbrl |= b'<div style="display:none"><ix:header>' in raw
        text = document_text(raw)
        assert "SECURITIES AND EXCHANGE COMMISSION" in text
        assert f"FORM {f.form}" in text
        assert "Commission File Number" in text
        assert text.rfind("SIGNATURES") > len(text) * 0.7
        for code in f.items:
            assert re.search(rf"Item\s+{re.escape(code)}\b", text), (f.accession, code)
        if "2.02" in f.items:
            assert "Results of Operations and Financial Condition" in text
    assert saw_ixbrl


def test_bad_filings(default_mirror, tmp_path):
    root = default_mirror.root
    for f in default_mirror.bad:
        path = _folder(root, f.cik, f.accession) / f.primary_document
        if "missing" in f.bad_reason:
            assert not path.exists()
        elif "empty" in f.bad_reason:
            assert path.read_bytes() == b""
        else:
            assert path.stat().st_size > 0 and document_text(path.read_bytes()) == ""
    many = generate_mirror(
        tmp_path / "many", business_days(date(2026, 9, 1), date(2026, 9, 30)), 15
    )
    reasons = {f.bad_reason for f in many.bad}
    assert len(reasons) == 3
    assert 0.02 < len(many.bad) / len(many.filings) < 0.15
    clean = generate_mirror(tmp_path / "clean", default_sample_days(), bad_filings=False)
    assert clean.bad == []
    good_ones = {f.accession for f in default_mirror.filings if not f.bad_reason}
    assert good_ones <= {f.accession for f in clean.filings}


def test_hostile_payloads_are_text_not_markup(tmp_path):
    m = generate_mirror(tmp_path, default_sample_days()[:2], hostile=True)
    root = m.root
    master = (daily_index_dir(root, m.days[0]) / f"master.{m.days[0]:%Y%m%d}.idx").read_text(
        "latin-1"
    )
    assert "<script>alert(1)</script>" in master  # index files are plain text
    texts = []
    for p in (root / "www.sec.gov").rglob("*.htm*"):
        raw = p.read_text("utf-8")
        assert "<script>alert(1)" not in raw and "<img src=x" not in raw
        texts.append(document_text(p.read_bytes()))
    for f in m.filings:
        if not f.bad_reason:
            primary = _folder(root, f.cik, f.accession) / f.primary_document
            assert "onerror=alert(1)>" in document_text(primary.read_bytes()), f.accession
    joined = "\n".join(texts)
    assert "<script>alert(1)</script>" in joined
    assert "<img src=x onerror=alert(1)>" in joined
    tickers = json.loads((root / "www.sec.gov/files/company_tickers.json").read_text())
    assert any("<script>" in v["title"] for v in tickers.values())


def test_deterministic_and_day_independent(tmp_path):
    days = business_days(date(2026, 11, 2), date(2026, 11, 6))
    a = generate_mirror(tmp_path / "a", days)
    b = generate_mirror(tmp_path / "b", days)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert a.filings == b.filings
    again = generate_mirror(tmp_path / "a", days)  # idempotent re-run
    assert again.filings == a.filings and _tree(tmp_path / "a") == _tree(tmp_path / "b")
    for d in reversed(days):  # one day at a time, in another order
        generate_mirror(tmp_path / "c", [d])
    assert _tree(tmp_path / "c") == _tree(tmp_path / "a")
    other_seed = generate_mirror(tmp_path / "d", days, seed=8)
    assert {f.accession for f in other_seed.filings} != {f.accession for f in a.filings} or [
        f.cik for f in other_seed.filings
    ] != [f.cik for f in a.filings]


def test_weekends_and_holidays_have_no_index(tmp_path):
    # 2026-11-07/08 weekend, 2026-11-11 Veterans Day
    span = [date(2026, 11, d) for d in range(7, 14)]
    m = generate_mirror(tmp_path, span)
    assert m.days == [date(2026, 11, d) for d in (9, 10, 12, 13)]
    folder = daily_index_dir(tmp_path, span[0])
    names = {p.name for p in folder.glob("*.idx")}
    for d in (7, 8, 11):
        assert f"master.202611{d:02d}.idx" not in names and f"form.202611{d:02d}.idx" not in names
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert not is_business_day(date(2026, 12, 25))
    assert is_business_day(date(2026, 11, 27))
    listing = json.loads((folder / "index.json").read_text())
    assert {i["name"] for i in listing["directory"]["item"]} == names


@pytest.mark.skipif(not FIXTURES.exists(), reason=SKIP_REASON)
def test_calendar_matches_real_2018_q4_listing():
    html = (FIXTURES / "index" / "daily-index_2018_QTR4_listing.html").read_text()
    real = sorted(
        {
            date.fromisoformat(f"{s[:4]}-{s[4:6]}-{s[6:]}")
            for s in re.findall(r"master\.(\d{8})\.idx", html)
        }
    )
    assert business_days(date(2018, 10, 1), date(2018, 12, 31)) == real


@pytest.mark.skipif(not FIXTURES.exists(), reason=SKIP_REASON)
def test_companies_are_fictional():
    real = json.loads((FIXTURES / "reference" / "company_tickers.json").read_text())
    real_ciks = {v["cik_str"] for v in real.values()}
    real_tickers = {v["ticker"] for v in real.values()}
    from filings_pipeline.sample.companies import COMPANIES, FILING_AGENTS

    assert 30 <= len(COMPANIES) <= 40
    assert not {c.cik for c in COMPANIES} & real_ciks
    assert not {a.cik for a in FILING_AGENTS} & real_ciks
    assert not {c.ticker for c in COMPANIES} & real_tickers
    names = [c.conformed_name for c in COMPANIES]
    assert any("&" in n for n in names) and any("'" in n for n in names)
    assert any(n.endswith("\\DE\\") for n in names)


def test_tickers_file_shape(default_mirror):
    data = json.loads((default_mirror.root / "www.sec.gov/files/company_tickers.json").read_text())
    assert list(data) == [str(i) for i in range(len(data))]
    assert all(isinstance(v["cik_str"], int) and v["ticker"] and v["title"] for v in data.values())


def test_form_mix_over_many_days(tmp_path):
    m = generate_mirror(tmp_path, business_days(date(2026, 10, 1), date(2026, 11, 30)), 20)
    forms = {f.form for f in m.filings}
    assert {"8-K", "8-K/A", "10-Q", "10-K"} <= forms
    items = {code for f in m.filings for code in f.items}
    assert {"2.02", "5.02", "1.01", "8.01", "7.01", "5.07", "2.05", "1.05", "9.01"} <= items
    share_8k = sum(f.form == "8-K" for f in m.filings) / len(m.filings)
    assert 0.55 < share_8k < 0.9


def test_large_day_and_bad_argument(tmp_path):
    m = generate_mirror(tmp_path, [date(2026, 11, 17)], filings_per_day=200)
    assert len(m.filings) == 200
    rows, bad = parse_form_index(
        (daily_index_dir(tmp_path, date(2026, 11, 17)) / "form.20261117.idx").read_bytes()
    )
    assert bad == [] and len(rows) == 200
    with pytest.raises(ValueError, match="filings_per_day"):
        generate_mirror(tmp_path, [date(2026, 11, 17)], filings_per_day=1000)


def test_urls_and_cli(tmp_path, capsys):
    assert cli_main(["--root", str(tmp_path), "--start", "2026-11-14", "--end", "2026-11-17"]) == 0
    out = capsys.readouterr().out
    assert "for 2 business days" in out
    assert archives_url(tmp_path) in out and data_url(tmp_path) in out
    assert archives_url(tmp_path).startswith("file://")
    assert Path(archives_url(tmp_path).removeprefix("file://")).is_dir()
    assert Path(data_url(tmp_path).removeprefix("file://"), "submissions").is_dir()
    with pytest.raises(SystemExit):
        cli_main(["--root", str(tmp_path), "--start", "2026-11-17", "--end", "2026-11-14"])


def test_complete_submission_text(default_mirror):
    root = default_mirror.root
    for f in default_mirror.filings:
        txt = (_folder(root, f.cik, f.accession) / f"{f.accession}.txt").read_text("utf-8")
        assert txt.startswith(f"<SEC-DOCUMENT>{f.accession}.txt : {f.day:%Y%m%d}\n")
        header = txt[: txt.index("</SEC-HEADER>")]
        assert f"ACCESSION NUMBER:\t\t{f.accession}\n" in header
        assert f"CONFORMED SUBMISSION TYPE:\t{f.form}\n" in header
        assert f"\t\tCENTRAL INDEX KEY:\t\t\t{f.cik:010d}\n" in header
        assert header.count("ITEM INFORMATION:\t\t") == len(f.items)
        blocks = re.findall(
            r"<DOCUMENT>\n<TYPE>([^\n]+)\n<SEQUENCE>(\d+)\n<FILENAME>([^\n]+)\n", txt
        )
        if f.bad_reason and "missing" in f.bad_reason:
            assert f.primary_document not in [b[2] for b in blocks]
        else:
            assert blocks[0] == (f.form, "1", f.primary_document)
        assert txt.rstrip().endswith("</SEC-DOCUMENT>")


def test_item_titles_are_secs_exact_names(default_mirror):
    from filings_pipeline.sample.content import ITEM_TITLES

    assert ITEM_TITLES["5.02"] == (
        "Departure of Directors or Certain Officers; Election of Directors; Appointment of "
        "Certain Officers: Compensatory Arrangements of Certain Officers"
    )
    f = next(f for f in default_mirror.filings if "2.02" in f.items)
    page = parse_index_page(
        (
            default_mirror.root
            / "www.sec.gov/Archives/edgar/data"
            / str(f.cik)
            / f"{f.accession}-index.html"
        ).read_bytes()
    )
    assert "Item 2.02: Results of Operations and Financial Condition" in page["info"]["Items"]
