"""check_figures: formatting variants pass, wrong numbers are caught with a clear message."""

from __future__ import annotations

import pytest

from filings_pipeline.analysis.figures import check_figures, check_filing_figures
from filings_pipeline.analysis.schema import Analysis, Figure
from filings_pipeline.edgar.models import Exhibit

from .builders import make_filing

SOURCE = """ACME CORP
Item 2.02 Results of Operations and Financial Condition
On March 15, 2024, Acme Corp reported revenue of $1.3 billion for fiscal 2024, up 12.5% from
$1,156 million a year earlier. Net loss per diluted share was $(0.12) compared with EPS of $0.45.
Operating margin was 18.2 percent. Acme repurchased 5.0 million shares and has three plants.
Condensed statement of operations (in millions, except per share data)
Total revenue 1,312 1,156
Net income (loss) (42) 211
Gross margin 62.4 61.0
"""


def analysis(
    headline: str = "Acme Corp reports results of operations (Item 2.02)",
    summary: str = "Acme Corp reported results for its fiscal year on Form 10-K.",
    key_points: list[str] | None = None,
    figures: list[Figure] | None = None,
) -> Analysis:
    return Analysis(
        headline=headline,
        summary=summary,
        key_points=key_points or ["Item 2.02: Results of Operations and Financial Condition"],
        sentiment="neutral",
        sentiment_score=0.0,
        materiality=3,
        event_type="earnings",
        figures=figures or [],
    )


def check_summary(summary: str):
    """Check a summary (padded with number-free words to the schema's minimum length)."""
    return check_figures(analysis(summary=f"{summary} So said Acme Corp."), SOURCE)


@pytest.mark.parametrize(
    "summary",
    [
        "Revenue was $1.3 billion, up 12.5% on the year.",
        "Revenue was $1,300 million.",
        "Revenue was 1,300,000,000 dollars.",
        "Revenue was 1.3B.",
        "Revenue was $1.3bn.",
        "Revenue was $1,312 million.",  # the bare table number under "(in millions)"
        "Revenue was 1,312.",  # the bare digits
        "Revenue rose from $1.16 billion.",  # rounding of a scaled amount ($1,156 million)
        "Revenue rose from $1.2 billion.",
        "Revenue growth was 12.5 percent and operating margin 18.2%.",
        "Net loss per share was -0.12, or (0.12), or $(0.12), or $0.12.",
        "EPS was $0.45 per diluted share.",
        "Net loss was $42 million; net income was $211 million.",
        "Gross margin was 62.4%.",  # a bare table number may be a percentage column
        "Acme repurchased 5 million shares and runs 3 plants.",
        "On March 15, 2024 in fiscal 2024, per Item 2.02 and Exhibit 99.1 of the 8-K.",
    ],
)
def test_formatting_variants_pass(summary: str) -> None:
    result = check_summary(summary)
    assert result.ok, result.problems
    assert result.checked >= 0


@pytest.mark.parametrize(
    ("summary", "bad"),
    [
        ("Revenue was $1.4 billion.", "$1.4 billion"),
        ("Revenue was $1,400 million.", "$1,400 million"),
        ("Revenue was $1.3 million.", "$1.3 million"),  # right digits, wrong scale
        ("Revenue was $13 billion.", "$13 billion"),
        ("Revenue rose 13.5% on the year.", "13.5%"),
        ("Revenue rose 1.25% on the year.", "1.25%"),
        ("EPS was $0.54.", "$0.54"),
        ("Net loss per share was $(0.21).", "$(0.21)"),
        ("Acme repurchased 7.5 million shares.", "7.5 million"),
        ("Revenue rose from $2 billion.", "$2 billion"),  # not a rounding of any amount
        ("Net income was $311 million.", "$311 million"),
    ],
)
def test_planted_wrong_numbers_are_caught(summary: str, bad: str) -> None:
    result = check_summary(summary)
    assert not result.ok
    assert result.problems == [f"summary: '{bad}' not found in the filing"]


def test_every_field_is_checked_and_labelled() -> None:
    a = analysis(
        headline="Acme Corp revenue hits $1.9 billion",
        summary="Revenue was $1.3 billion, up 12.5% from a year earlier.",
        key_points=["Operating margin was 18.2 percent.", "EPS was $0.99 per share."],
        figures=[
            Figure(name="revenue", value="$1.3 billion", unit="USD"),
            Figure(name="net income", value="$77 million", unit="USD"),
        ],
    )
    result = check_figures(a, SOURCE)
    assert not result.ok
    assert result.checked == 7
    assert result.problems == [
        "headline: '$1.9 billion' not found in the filing",
        "key_points[1]: '$0.99' not found in the filing",
        "figures[1] (net income): '$77 million' not found in the filing",
    ]


def test_figure_unit_given_apart() -> None:
    ok = analysis(
        figures=[
            Figure(name="revenue", value="1.3", unit="USD billions"),
            Figure(name="growth", value="12.5", unit="%"),
        ]
    )
    assert check_figures(ok, SOURCE).ok
    wrong = analysis(figures=[Figure(name="revenue", value="1.7", unit="USD billions")])
    assert check_figures(wrong, SOURCE).problems == [
        "figures[0] (revenue): '1.7' not found in the filing"
    ]


def test_number_words_in_source_back_digits() -> None:
    assert check_summary("Acme has 3 plants.").ok
    assert not check_summary("Acme has 4 plants.").ok


def test_text_without_numbers_checks_nothing() -> None:
    result = check_summary("Acme Corp reported results for its fiscal year.")
    assert result.ok and result.checked == 0


def test_hostile_text_is_only_text() -> None:
    source = SOURCE + "\n<script>alert(1)</script> <img src=x onerror=alert(2)>"
    # The markup is its own sentence: in "alert(1) Revenue was ..." the (1) would be claimed
    # as revenue and held back (it stands under no label in the source).
    a = analysis(summary="<script>alert(1)</script>. Revenue was $1.3 billion.")
    assert check_figures(a, source).ok
    bad = analysis(summary="<script>alert(7)</script>. Revenue was $1.3 billion.")
    assert check_figures(bad, source).problems == ["summary: '(7)' not found in the filing"]


def test_exhibit_text_counts_as_source() -> None:
    filing = make_filing(
        "Item 2.02 Results of Operations. See Exhibit 99.1.",
        items=["2.02", "9.01"],
        exhibits=[Exhibit("EX-99.1", "ex991.htm", "", "Revenue was $812.4 million, up 7%.")],
    )
    assert check_filing_figures(analysis(summary="Revenue was $812.4 million, up 7%."), filing).ok
    assert not check_filing_figures(analysis(summary="Revenue was $812.5 million."), filing).ok


def test_big_source_is_handled() -> None:
    rows = "\n".join(f"Row {i}: ${i * 1001:,} and {i % 97}.{i % 10}%" for i in range(8000))
    source = "(in thousands)\n" + rows  # about 0.25 MB
    a = analysis(summary="An amount was $8,006,999 thousand, another 8,005,998 and 3.9%.")
    result = check_figures(a, source)
    assert result.ok, result.problems
    assert result.checked == 3
    wrong = analysis(summary="An amount was $8,006,998 thousand and 97.1%.")
    assert len(check_figures(wrong, source).problems) == 2
