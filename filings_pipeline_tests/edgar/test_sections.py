"""8-K item sections: items from SEC metadata, sections from the text, no signature block."""

from __future__ import annotations

from pathlib import Path

import pytest

from filings_pipeline.edgar.filing_index import parse_filing_index
from filings_pipeline.edgar.items import code_for_name, codes_from_item_lines, item_title
from filings_pipeline.edgar.sections import split_item_sections
from filings_pipeline.edgar.submission import parse_submission
from filings_pipeline.edgar.text import html_to_text
from filings_pipeline_tests.edgar.conftest import EIGHT_KS, PRIMARY_ONLY_8KS

SIGNATURE_MARKERS = ("SIGNATURE", "has duly caused this report to be signed")


def _assert_clean_sections(text: str, items: list[str]) -> dict[str, str]:
    assert any(m.lower() in text.lower() for m in SIGNATURE_MARKERS)  # the test means something
    sections = split_item_sections(text, items)
    assert list(sections) == items
    for code, body in sections.items():
        assert body.lower().startswith("item"), code
        words = body.split()
        assert len(words) > 5, (code, body)
        for marker in SIGNATURE_MARKERS:
            assert marker.lower() not in body.lower(), (code, body[-300:])
    return sections


@pytest.mark.parametrize("accession", sorted(EIGHT_KS))
def test_submission_items_equal_sec_metadata_and_sections_are_clean(
    fixtures_dir: Path, accession: str
) -> None:
    items = EIGHT_KS[accession][2]
    sub = parse_submission(
        (fixtures_dir / "filings" / accession / f"{accession}.txt").read_text(encoding="latin-1")
    )
    assert sub.items == items
    _assert_clean_sections(sub.primary().text(), items)


@pytest.mark.parametrize("path", sorted(PRIMARY_ONLY_8KS))
def test_primary_only_8ks_split_into_clean_sections(fixtures_dir: Path, path: str) -> None:
    text = html_to_text((fixtures_dir / "filings" / path).read_text(errors="replace"))
    _assert_clean_sections(text, PRIMARY_ONLY_8KS[path])


def test_index_page_items_equal_sec_metadata(fixtures_dir: Path) -> None:
    for page_path in sorted((fixtures_dir / "filings").glob("*/*-index.html")):
        accession = page_path.parent.name
        cik, company, items, _ = EIGHT_KS[accession]
        page = parse_filing_index(page_path.read_text())
        assert (page.items, page.cik, page.company, page.form) == (items, cik, company, "8-K")


def test_heading_variants() -> None:
    text = (
        "Cover page text\nItem\n2.02 | Results of Operations\nWe earned money.\n\n"
        "ITEM 7.01. REGULATION FD\nSlides attached.\n**Item 9.01** Financial Statements\n"
        "(d) 99.1 Press release\n3\nSIGNATURES\nPursuant to the requirements ... /s/ CFO"
    )
    sections = split_item_sections(text, ["2.02", "7.01", "9.01", "1.01"])
    assert set(sections) == {"2.02", "7.01", "9.01"}  # 1.01 has no heading: left out
    assert sections["2.02"].endswith("We earned money.")
    assert sections["9.01"].endswith("(d) 99.1 Press release")  # page number and signature cut


def test_item_table_and_name_mapping() -> None:
    assert item_title("2.02") == "Results of Operations and Financial Condition"
    assert (
        code_for_name(
            "Departure of Directors or Certain Officers; Election of Directors; "
            "Appointment of Certain Officers: Compensatory Arrangements of Certain "
            "Officers"
        )
        == "5.02"
    )
    assert code_for_name("Material Modifications to Rights of Security Holders") == "3.03"
    assert code_for_name("Regulation FD Disclosure") == "7.01"
    assert code_for_name("Something else entirely") is None
    assert codes_from_item_lines("Item 2.02: Results\nItem 9.01: Exhibits") == ["2.02", "9.01"]
