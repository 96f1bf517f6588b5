"""OfflineAnalyzer on synthetic filings: every field, edge cases, determinism, figures check."""

from __future__ import annotations

import pytest

from filings_pipeline.analysis.figures import check_filing_figures, filing_source_text
from filings_pipeline.analysis.offline import OfflineAnalyzer
from filings_pipeline.analysis.schema import Analysis, Analyzer
from filings_pipeline.edgar.models import Exhibit, Filing

from .builders import make_filing

COVER = (
    "UNITED STATES SECURITIES AND EXCHANGE COMMISSION\nFORM 8-K\nCURRENT REPORT\n"
    "Check the appropriate box below if the Form 8-K filing is intended to simultaneously "
    "satisfy the filing obligation.\nEmerging growth company ☐\n"
)
SIGNATURES = (
    "SIGNATURES\nPursuant to the requirements of the Securities Exchange Act of 1934, the "
    "registrant has duly caused this report to be signed.\n/s/ Pat Smith\nChief Legal Officer\n"
)
PRESS_RELEASE = """Exhibit 99.1
Acme Corp Reports Record First Quarter Results
SAN JOSE, Calif. - April 20, 2024 - Acme Corp (Nasdaq: ACME) today reported financial results
for its first quarter of fiscal 2024 ended March 31, 2024.
Acme achieved record revenue of $1.25 billion in the first quarter, which represents 14 percent
year-over-year growth.
Net income increased to $212.4 million, and diluted earnings per share was $1.07 compared with
$0.88 a year earlier.
Operating margin improved to 21.5% on strong demand for industrial sensors.
“We delivered an exceptional quarter,” said Pat Smith, chief executive officer.
Forward-Looking Statements
This press release contains forward-looking statements that involve risks and uncertainties.
Actual results could differ materially from those expected by the company.
Condensed Consolidated Statements of Income (in millions, except per share data)
Revenue 1,250.3 1,096.8
Net income 212.4 170.2
"""


def earnings_filing() -> Filing:
    text = (
        COVER + "Item 2.02 Results of Operations and Financial Condition\n"
        "On April 20, 2024, Acme Corp issued a press release announcing its results for the "
        "first quarter. A copy is furnished as Exhibit 99.1.\n"
        "The information in this Item 2.02 shall not be deemed filed for purposes of Section 18."
        "\nItem 9.01 Financial Statements and Exhibits\n99.1 Press release dated April 20, 2024\n"
        + SIGNATURES
    )
    return make_filing(
        text,
        items=["2.02", "9.01"],
        tickers=["ACME"],
        exhibits=[
            Exhibit("EX-99.1", "ex991.htm", "https://example.invalid/ex991.htm", PRESS_RELEASE)
        ],
    )


def leadership_filing() -> Filing:
    section = (
        "On May 2, 2024, Jane Roe notified the Board of Directors of Acme Corp of her decision "
        "to resign as Chief Financial Officer, effective May 31, 2024.\n"
        "Ms. Roe's resignation was not the result of any disagreement with the company on any "
        "matter relating to its operations, policies or practices.\n"
        "The Board appointed John Doe, age 51, as Chief Financial Officer effective June 1, 2024.\n"
        "Mr. Doe will receive an annual base salary of $550,000 and a target bonus of 80% of "
        "his base salary.\n"
    )
    text = COVER + "Item 5.02 Departure of Directors or Certain Officers\n" + section + SIGNATURES
    return make_filing(text, items=["5.02"], sections={"5.02": section})


def test_is_an_analyzer() -> None:
    analyzer: Analyzer = OfflineAnalyzer()
    assert (analyzer.name, analyzer.model, analyzer.prompt_version) == (
        "offline",
        "offline-extractive-v1",
        "offline-1",
    )


def test_earnings_release_uses_exhibit_99_1() -> None:
    filing = earnings_filing()
    outcome = OfflineAnalyzer().analyze(filing)
    assert outcome.ok, outcome.error
    a = outcome.analysis
    assert a is not None
    assert a.headline == "Acme Corp reports results of operations (Item 2.02)"
    assert "$1.25 billion" in a.summary
    assert "forward-looking" not in a.summary.lower()
    assert "shall not be deemed" not in a.summary
    assert a.key_points[0] == "Item 2.02: Results of Operations and Financial Condition"
    assert 3 <= len(a.key_points) <= 5
    assert a.event_type == "earnings"
    assert a.materiality == 4 and "Item 2.02" in a.materiality_rationale
    assert a.sentiment == "positive" and a.sentiment_score > 0
    assert a.items == ["2.02", "9.01"] and a.tickers == ["ACME"]
    values = {f.value: f for f in a.figures}
    assert {"$1.25 billion", "14 percent", "$212.4 million", "$1.07", "21.5%"} <= set(values)
    assert values["$1.25 billion"].name == "revenue"
    assert values["$212.4 million"].name == "net income"
    assert values["$1.07"].unit == "USD per share"
    assert values["21.5%"].unit == "%"
    source = filing_source_text(filing)
    for f in a.figures:
        assert f.value in source
    assert check_filing_figures(a, filing).ok
    assert (outcome.input_tokens, outcome.output_tokens, outcome.cost_usd, outcome.calls) == (
        0,
        0,
        0.0,
        0,
    )


def test_leadership_change_uses_the_item_section() -> None:
    outcome = OfflineAnalyzer().analyze(leadership_filing())
    a = outcome.analysis
    assert a is not None, outcome.error
    assert a.headline == "Acme Corp reports director or officer changes (Item 5.02)"
    assert a.event_type == "leadership_change"
    assert a.materiality == 4
    assert "resign" in a.summary
    assert a.key_points[0].startswith("Item 5.02: Departure of Directors")
    assert [f.value for f in a.figures if f.name == "base salary"] == ["$550,000"]
    assert check_filing_figures(a, leadership_filing()).ok


@pytest.mark.parametrize(
    ("items", "event", "materiality", "headline_tail"),
    [
        (["1.01", "9.01"], "m_and_a", 4, "enters into a material definitive agreement (Item 1.01)"),
        (["2.01"], "m_and_a", 4, "completes an acquisition or disposition of assets (Item 2.01)"),
        (["2.03"], "financing", 3, "creates a direct financial obligation (Item 2.03)"),
        (["3.02"], "financing", 3, "reports unregistered sales of equity securities (Item 3.02)"),
        (
            ["4.02"],
            "restatement",
            5,
            "reports non-reliance on previously issued financial statements (Item 4.02)",
        ),
        (["1.05"], "cybersecurity", 5, "reports a material cybersecurity incident (Item 1.05)"),
        (["5.07"], "shareholder_vote", 3, "reports results of a shareholder vote (Item 5.07)"),
        (["7.01", "9.01"], "other", 3, "makes a Regulation FD disclosure (Item 7.01)"),
        (["8.01"], "other", 3, "reports other events (Item 8.01)"),
        (["9.01"], "other", 1, "files financial statements and exhibits (Item 9.01)"),
        (
            ["8.01", "5.02", "9.01"],
            "leadership_change",
            4,
            "reports director or officer changes (Item 5.02)",
        ),
        (
            ["2.02", "4.02"],
            "restatement",
            5,
            "reports non-reliance on previously issued financial statements (Item 4.02)",
        ),
        ([], "other", 2, "files a current report (8-K)"),
    ],
)
def test_item_tables(items: list[str], event: str, materiality: int, headline_tail: str) -> None:
    body = (
        "The company entered into an agreement with its lenders on the terms described below. "
        "The agreement provides a revolving facility of $300 million maturing in five years.\n"
        "The board of directors approved the transaction after a review by its committee.\n"
    )
    outcome = OfflineAnalyzer().analyze(make_filing(COVER + body + SIGNATURES, items=items))
    a = outcome.analysis
    assert a is not None, outcome.error
    assert a.event_type == event
    assert a.materiality == materiality
    assert a.headline == f"Acme Corp {headline_tail}"
    assert a.materiality_rationale.startswith("Rule: ")


@pytest.mark.parametrize(
    ("form", "headline"),
    [
        ("10-Q", "Acme Corp files quarterly report (10-Q)"),
        ("10-K", "Acme Corp files annual report (10-K)"),
        ("10-K/A", "Acme Corp files annual report (10-K/A)"),
    ],
)
def test_periodic_reports_use_mdna(form: str, headline: str) -> None:
    mdna = (
        "Net sales increased 8% to $2.4 billion compared with the prior year, driven by growth "
        "in services. Gross margin was 41.2 percent, up from 39.8 percent a year earlier.\n"
        "Operating expenses decreased 3% due to lower marketing spending during the period.\n"
    )
    text = (
        "Indicate by check mark whether the registrant has filed all reports.\n"
        "Item 2. Management's Discussion and Analysis of Financial Condition and Results of "
        "Operations 12\nItem 3. Quantitative and Qualitative Disclosures About Market Risk 20\n"
        "Item 1. Financial Statements\nThe unaudited statements are presented below in summary "
        "form for the period with all the usual notes attached to them.\n"
        "Item 2. Management's Discussion and Analysis of Financial Condition and Results of "
        f"Operations\n{mdna * 3}Item 3. Quantitative and Qualitative Disclosures\n"
        "Interest rate risk is unchanged from the prior year and remains low overall.\n"
    )
    a = OfflineAnalyzer().analyze(make_filing(text, form=form)).analysis
    assert a is not None
    assert a.headline == headline
    assert a.event_type == "periodic_report"
    assert a.materiality == 3
    assert "Net sales increased 8% to $2.4 billion" in a.summary
    assert "Interest rate risk" not in a.summary


def test_negative_news_scores_negative() -> None:
    section = (
        "On June 3, 2024, the Audit Committee concluded that the previously issued financial "
        "statements should no longer be relied upon because of an error in revenue recognition.\n"
        "The company expects the restatement to reduce previously reported revenue and to "
        "increase the reported net loss, and identified a material weakness in internal control.\n"
        "The company also disclosed a breach of a debt covenant and a decline in liquidity.\n"
    )
    filing = make_filing(COVER + section + SIGNATURES, items=["4.02"], sections={"4.02": section})
    a = OfflineAnalyzer().analyze(filing).analysis
    assert a is not None
    assert a.sentiment == "negative" and a.sentiment_score < 0
    assert a.event_type == "restatement" and a.materiality == 5


def test_neutral_text_is_neutral() -> None:
    section = (
        "The company will hold its annual meeting of stockholders at its offices in Ohio.\n"
        "Stockholders of record at the close of business on the record date may vote at it.\n"
    )
    a = OfflineAnalyzer().analyze(make_filing(section, items=["8.01"])).analysis
    assert a is not None
    assert a.sentiment == "neutral" and a.sentiment_score == 0.0


@pytest.mark.parametrize("text", ["", "   ", "Item 8.01 Other Events.", "x" * 30])
def test_empty_or_short_text_gives_error_not_crash(text: str) -> None:
    outcome = OfflineAnalyzer().analyze(make_filing(text, items=["8.01"]))
    assert outcome.analysis is None
    assert outcome.error and "too short" in outcome.error
    assert not outcome.ok


def test_text_without_prose_gives_error() -> None:
    table = "\n".join(f"{i} {i * 3} {i * 7}" for i in range(200))
    outcome = OfflineAnalyzer().analyze(make_filing(table, items=["8.01"]))
    assert outcome.analysis is None
    assert "no prose sentences" in (outcome.error or "")


def test_hostile_text_stays_literal() -> None:
    section = (
        "Acme signed a <script>alert('x')</script> supply agreement worth $40 million today.\n"
        "The agreement <img src=x onerror=alert(1)> runs for three years with renewal options.\n"
    )
    filing = make_filing(
        section,
        company="<b onmouseover=alert(1)>Evil</b> Corp",
        items=["1.01"],
        sections={"1.01": section},
    )
    a = OfflineAnalyzer().analyze(filing).analysis
    assert a is not None
    assert a.headline.startswith("<b onmouseover=alert(1)>Evil</b> Corp enters into")
    assert "<script>alert('x')</script>" in a.summary
    assert "onerror=alert(1)>" in a.summary
    assert "&lt;" not in a.summary + a.headline
    assert check_filing_figures(a, filing).ok


def test_long_company_name_keeps_headline_within_limit() -> None:
    filing = leadership_filing()
    filing.company = "Very Long Holdings " * 12 + "/DE/"
    a = OfflineAnalyzer().analyze(filing).analysis
    assert a is not None
    assert len(a.headline) <= 140
    assert a.headline.endswith("reports director or officer changes (Item 5.02)")


def test_deterministic_and_schema_valid() -> None:
    for build in (earnings_filing, leadership_filing):
        first = OfflineAnalyzer().analyze(build()).analysis
        second = OfflineAnalyzer().analyze(build()).analysis
        assert first is not None and second is not None
        assert first.model_dump() == second.model_dump()
        assert Analysis.model_validate_json(first.model_dump_json()) == first


def test_huge_text_is_capped_and_still_analyzed() -> None:
    paragraph = (
        "Revenue from the widget segment increased 4% to $310 million during the year as "
        "customers expanded orders. Costs for raw materials declined modestly.\n"
        "Table 1 2 3 4 5 6 7 8\n"
    )
    text = COVER + paragraph * (1_100_000 // len(paragraph)) + SIGNATURES
    assert len(text) > 1_000_000
    filing = make_filing(text, form="10-K")
    outcome = OfflineAnalyzer().analyze(filing)
    a = outcome.analysis
    assert a is not None, outcome.error
    assert "$310 million" in a.summary
    assert check_filing_figures(a, filing).ok
