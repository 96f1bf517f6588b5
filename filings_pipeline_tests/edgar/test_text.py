"""HTML / submission text extraction on real filings."""

from __future__ import annotations

from pathlib import Path

from filings_pipeline.edgar.submission import parse_submission
from filings_pipeline.edgar.text import document_to_text, html_to_text, strip_uuencoded


def test_inline_xbrl_hidden_header_is_dropped_and_tables_stay_readable(fixtures_dir: Path) -> None:
    html = (fixtures_dir / "filings/0000320193-23-000077/aapl-20230701.htm").read_text()
    assert "<ix:header>" in html and "dei:EntityCentralIndexKey" in html
    text = html_to_text(html)
    # Hidden facts/contexts (e.g. the CIK fact and context ids) do not leak into the text.
    assert "0000320193" not in text
    assert "us-gaap:" not in text and "xbrli" not in text
    assert "Total net sales | 81,797 | 82,959 | 293,787 | 304,182" in text
    assert "Products | $60,584 | $63,355 | $230,901 | $245,241" in text
    assert "{" not in text[:5000]  # no CSS


def test_scripts_styles_and_hostile_markup_do_not_survive() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<p>Revenue rose &amp; margins held.</p><div style='display: none'>hidden fact</div>"
        "<img src=x onerror=alert(2)><p>Item&#160;2.02&nbsp;Results</p></body></html>"
    )
    text = html_to_text(html)
    assert "Revenue rose & margins held." in text
    assert "alert" not in text and "color:red" not in text and "hidden fact" not in text
    assert "Item 2.02 Results" in text
    ixbrl = "<html><body><ix:header><ix:hidden>0000320193</ix:hidden></ix:header>"
    assert (
        html_to_text(ixbrl + "<header>Cover</header><p>Body</p></body></html>") == "Cover\n\nBody"
    )


def test_uuencoded_blocks_are_stripped(fixtures_dir: Path) -> None:
    raw = (fixtures_dir / "filings/0001193125-19-292676/0001193125-19-292676.txt").read_text(
        encoding="latin-1"
    )
    assert "\nbegin 644 " in raw
    stripped = strip_uuencoded(raw)
    assert "\nbegin 644 " not in stripped
    assert "<TYPE>EX-4.1" in stripped  # the documents around the blocks are kept
    assert len(stripped) < len(raw) - 100_000


def test_complete_submission_documents_and_header(fixtures_dir: Path) -> None:
    raw = (fixtures_dir / "filings/0000796343-23-000044/0000796343-23-000044.txt").read_text(
        encoding="latin-1"
    )
    sub = parse_submission(raw)
    assert sub.form == "8-K" and sub.accession == "0000796343-23-000044" and sub.cik == 796343
    assert sub.items == ["2.02", "9.01"]
    assert str(sub.accepted_at) == "2023-03-15 16:06:36"
    ex = next(d for d in sub.documents if d.type == "EX-99.1")
    text = ex.text()
    assert "Adobe" in text and "revenue" in text.lower() and len(text) > 5000
    binaries = [d for d in sub.documents if d.is_binary]
    assert binaries and all(d.text() == "" for d in binaries)


def test_every_fixture_submission_text_is_clean(fixtures_dir: Path) -> None:
    for path in sorted((fixtures_dir / "filings").glob("*/*.txt")):
        sub = parse_submission(path.read_text(encoding="latin-1"))
        for doc in sub.documents:
            text = doc.text()
            assert "begin 644" not in text, (path.name, doc.filename)
            assert "<ix:header" not in text.lower()
        assert len(sub.primary().text()) > 1000, path.name


def test_plain_text_document_keeps_words_and_drops_page_tags() -> None:
    body = "<PAGE>\nItem 5. Other Events\n\nThe company\xa0did things.\n</PAGE>"
    assert document_to_text(body, "d1.txt") == "Item 5. Other Events\n\nThe company did things."
