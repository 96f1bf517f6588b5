"""The independent readers work on the REAL fixture files (so they are fair judges)."""

from __future__ import annotations

import pytest

from filings_pipeline_tests.sample.edgar_readers import (
    FIXTURES,
    SKIP_REASON,
    parse_form_index,
    parse_index_page,
    parse_master_index,
)

pytestmark = pytest.mark.skipif(not FIXTURES.exists(), reason=SKIP_REASON)


def test_form_index_reader_reads_real_daily_index():
    rows, bad = parse_form_index((FIXTURES / "index" / "form.20200318.idx").read_bytes())
    assert bad == []
    assert len(rows) == 4084
    assert rows[0]["form"] == "1-A" and rows[0]["cik"] == 1806014


def test_master_index_reader_reads_real_daily_master():
    rows, bad = parse_master_index((FIXTURES / "index" / "master.20181231.idx").read_bytes())
    assert bad == [] and len(rows) == 10
    assert rows[3] == {
        "cik": 1000694, "company": "NOVAVAX INC", "form": "8-K", "date": "20181231",
        "path": "edgar/data/1000694/0001144204-18-066755.txt", "accession": "0001144204-18-066755",
    }  # fmt: skip


def test_index_page_reader_reads_real_page():
    page = parse_index_page(
        (FIXTURES / "filings/0000796343-23-000044/0000796343-23-000044-index.html").read_bytes()
    )
    assert page["info"]["Filing Date"] == "2023-03-15"
    assert page["info"]["Accepted"] == "2023-03-15 16:06:36"
    assert page["item_codes"] == ["2.02", "9.01"]
    assert page["documents"][0]["document"] == "adbe-20230315.htm"
    assert page["documents"][1]["type"] == "EX-99.1"
    assert page["documents"][-1]["description"] == "Complete submission text file"
    assert page["company"] == "ADOBE INC." and page["cik"] == 796343
